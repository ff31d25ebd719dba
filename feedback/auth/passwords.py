"""The password policy: one rule for every place a password is chosen.

Changing a password, the e-mailed link (finishing a sign-up, an invitation, a reset), ``flask
users create`` and a manager creating staff all ask :func:`weakness`. The rule follows NIST SP
800-63B: a minimum and a maximum length, no composition rules, and a check against lists of
common and breached passwords, here done offline by zxcvbn (the password never leaves the
server), which also knows the account's own e-mail address and name.

zxcvbn's own feedback is English; the reason given here is ours, translated, picked from the
pattern zxcvbn found (the same one its English warning is written from).
"""

import re

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from zxcvbn import zxcvbn

MIN_LENGTH = 10
# Long enough for any passphrase or password manager; short enough to hash cheaply. zxcvbn only
# judges the first ZXCVBN_LENGTH characters (its own limit: its matching grows fast with length).
MAX_LENGTH = 128
ZXCVBN_LENGTH = 72
# zxcvbn's scores: 3 is "safely unguessable: moderate protection from an offline slow-hash
# scenario" (about 10^8 guesses or more); 2 is within reach of an online attacker who gets
# around our sign-in limits. Our hashes are slow (scrypt), so 3 is the threshold.
MIN_SCORE = 3
# Parts of a name or address shorter than this would match half the dictionary (initials, "co").
_SHORTEST_PART = 3

_HINT = _l("Try a few unusual words together: a phrase only you would think of.")
REASONS = {
    "personal": _l("Do not build your password from your name or e-mail address."),
    "common": _l("This is one of the common passwords attackers try first."),
    "words": _l("A common word or name on its own is easy to guess."),
    "keyboard": _l("Keyboard patterns such as “qwerty” are easy to guess."),
    "repeats": _l("Repeated characters or words such as “aaaa” are easy to guess."),
    "sequence": _l("Sequences such as “abcd” or “6543” are easy to guess."),
    "dates": _l("Dates and years are easy to guess."),
    "weak": _l("This password is too easy to guess."),
}


def user_inputs(*values: str | None) -> list[str]:
    """What an attacker may know of an account: each value (its e-mail address, its name) whole
    and in its parts (the address's name and domain without the ending, each word of a name)."""
    words = []
    for value in values:
        value = (value or "").strip().lower()
        if not value:
            continue
        words.append(value)
        if "@" in value:  # "ada.l@example.com": ada, example; "com" says nothing of its owner
            value = value.rsplit(".", 1)[0]
        words.extend(part for part in re.split(r"[\s@.+_\-]+", value) if len(part) >= _SHORTEST_PART)
        words.append(re.sub(r"[\s@.+_\-]+", "", value))  # "adalovelace", run together
    return [word for word in dict.fromkeys(words) if len(word) >= _SHORTEST_PART]


def _without(password: str, known: list[str] | tuple[str, ...]) -> str:
    """``password`` with every known word taken out, longest first."""
    rest = password.lower()
    for word in sorted(known, key=len, reverse=True):
        rest = rest.replace(word, "")
    return rest


def _reason(sequence: list[dict]) -> str:
    if any(match.get("dictionary_name") == "user_inputs" for match in sequence):
        return "personal"
    if not sequence:
        return "weak"
    # The longest match decides, as in zxcvbn's own feedback.
    match = max(sequence, key=lambda m: len(m["token"]))
    pattern = match["pattern"]
    if pattern == "dictionary":
        return "common" if match["dictionary_name"] == "passwords" else "words"
    return {
        "spatial": "keyboard",
        "repeat": "repeats",
        "sequence": "sequence",
        "regex": "dates",
        "date": "dates",
    }.get(pattern, "weak")


def weakness(password: str, known: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why ``password`` may not be chosen, in the current language; None when it may.

    ``known``: what an attacker may know of its owner (:func:`user_inputs`: their e-mail
    address and name).
    """
    if len(password) < MIN_LENGTH:
        return ngettext("Use at least %(num)d character.", "Use at least %(num)d characters.", MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return ngettext("Use at most %(num)d character.", "Use at most %(num)d characters.", MAX_LENGTH)
    # zxcvbn refuses longer input: it judges the start, and a passphrase whose first 72
    # characters are strong is strong.
    judged = password[:ZXCVBN_LENGTH]
    result = zxcvbn(judged, user_inputs=list(known), max_length=ZXCVBN_LENGTH)
    if result["score"] < MIN_SCORE:
        return f"{REASONS[_reason(result['sequence'])]} {_HINT}"
    # zxcvbn counts a known word as a few guesses but may still score "AdaLovelace1815" as
    # strong: the rest must be strong without the parts an attacker knows.
    rest = _without(judged, known)
    if rest != judged.lower() and zxcvbn(rest, max_length=ZXCVBN_LENGTH)["score"] < MIN_SCORE:
        return f"{REASONS['personal']} {_HINT}"
    return None
