"""What demo data is made of: distributions, names and the words customers and staff write.

Shared by the realistic demo (``generator``) and the bulk loader (``bulk``), so both tell
the same story: CSAT skewed positive, NPS on about 60 % of ratings and following CSAT.
"""

import random
import unicodedata

from ..auth.models import Plan
from ..core.scales import is_low_csat, is_satisfied
from ..surveys.models import Channel

# CSAT 5..1 (hosting surveys skew positive, with a fat unhappy tail).
CSAT_WEIGHTS = {5: 45, 4: 25, 3: 12, 2: 9, 1: 9}
NPS_SHARE = 0.6  # the NPS question is optional; about 40 % skip it
# NPS given the CSAT of the same response: happy raters are mostly promoters, unhappy ones detractors.
NPS_GIVEN_CSAT = {
    5: {10: 45, 9: 35, 8: 12, 7: 5, 6: 3},
    4: {10: 5, 9: 20, 8: 35, 7: 25, 6: 10, 5: 5},
    3: {8: 10, 7: 15, 6: 25, 5: 25, 4: 15, 3: 10},
    2: {6: 10, 5: 15, 4: 20, 3: 25, 2: 20, 1: 10},
    1: {4: 10, 3: 15, 2: 20, 1: 25, 0: 30},
}
CATEGORY_WEIGHTS = {
    "support": 30,
    "performance": 18,
    "uptime": 14,
    "billing": 12,
    "control-panel": 10,
    "email": 10,
    "other": 6,
}
# "My site is down": only unhappy raters in these categories tick "urgent", and not all of them.
URGENT_CATEGORIES = {"uptime", "performance", "email"}
URGENT_SHARE = 0.25
CHANNEL_WEIGHTS = {Channel.DASHBOARD: 55, Channel.EMAIL: 35, Channel.API: 10}
PLAN_WEIGHTS = {Plan.SHARED: 70, Plan.VPS: 22, Plan.DEDICATED: 8}
COMMENT_SHARE = 0.7  # the rest leave the comment box empty
FOREIGN_SHARE = 0.06  # comments in Esperanto or Arabic


def weighted(rng: random.Random, weights: dict):
    """One key of ``weights``, drawn with probability proportional to its weight."""
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def draw_nps(rng: random.Random, csat: int) -> int | None:
    """An NPS answer that follows the CSAT given with it, or None when the question was skipped."""
    if rng.random() >= NPS_SHARE:
        return None
    return weighted(rng, NPS_GIVEN_CSAT[csat])


def quota(total: int, weights: dict) -> list:
    """``total`` keys in proportion to ``weights`` (largest remainder), each present once total allows."""
    whole = sum(weights.values())
    counts = {k: total * w // whole for k, w in weights.items()}
    by_remainder = sorted(weights, key=lambda k: total * weights[k] % whole, reverse=True)
    for key in by_remainder[: total - sum(counts.values())]:
        counts[key] += 1
    if total >= len(weights):
        for key in weights:
            if counts[key] == 0:
                richest = max(counts, key=counts.get)
                counts[richest] -= 1
                counts[key] = 1
    return [key for key, n in counts.items() for _ in range(n)]


def mood(csat: int) -> str:
    """``positive`` (4–5), ``neutral`` (3) or ``negative`` (1–2)."""
    return "positive" if is_satisfied(csat) else "negative" if is_low_csat(csat) else "neutral"


COMMENTS = {
    ("positive", "support"): [
        "Quick and friendly answer from support, problem solved in minutes.",
        "The agent explained the DNS change step by step. Thank you!",
        "Support fixed my SSL certificate before I even finished my coffee.",
    ],
    ("negative", "support"): [
        "Waited two days for an answer to a simple question.",
        "The reply did not address my problem at all, just a copied FAQ link.",
        "Third ticket about the same issue and still no fix.",
    ],
    ("positive", "performance"): [
        "Pages load noticeably faster since the move to the new servers.",
        "WordPress admin is snappy now, great job.",
    ],
    ("negative", "performance"): [
        "My shop takes 8 seconds to load in the evening.",
        "Database queries time out every afternoon.",
        "The VPS feels much slower than advertised, CPU steal is high.",
    ],
    ("positive", "uptime"): [
        "Not a single minute of downtime in a year.",
        "Rock solid, my monitoring has been green for months.",
    ],
    ("negative", "uptime"): [
        "My site is down again, customers cannot order!",
        "Third outage this month, and no status page update.",
        "Server unreachable since this morning.",
    ],
    ("positive", "billing"): [
        "Clear invoices, and the refund came through quickly.",
        "Easy to switch to yearly billing.",
    ],
    ("negative", "billing"): [
        "I was charged twice for the renewal.",
        "The renewal price is much higher than what I signed up for.",
    ],
    ("positive", "control-panel"): [
        "The new control panel makes backups easy.",
        "Setting up a subdomain took one click.",
    ],
    ("negative", "control-panel"): [
        "The file manager keeps logging me out.",
        "Cannot find where to change PHP version, the menu is confusing.",
    ],
    ("positive", "email"): [
        "Mail delivery is reliable and the spam filter works well.",
        "Setting up mail on my phone was straightforward.",
    ],
    ("negative", "email"): [
        "Our emails land in customers' spam folders.",
        "Mailbox full warnings although I only use half of the quota.",
        "Outgoing mail has been stuck in the queue for hours.",
    ],
    ("positive", "other"): ["Good value for the price.", "Happy customer for years now."],
    ("negative", "other"): ["Not what I expected from the sales page.", "Too many upsell e-mails."],
}
NEUTRAL_COMMENTS = [
    "It works, nothing special.",
    "OK overall, but the documentation could be better.",
    "Fine for now; we will see at renewal time.",
    "Average experience, a bit slow at times.",
]
FOREIGN_COMMENTS = {
    "positive": [
        "Bonega servo, mia retejo funkcias senprobleme.",
        "Dankon pro la rapida helpo!",
        "خدمة ممتازة وسريعة، شكراً لفريق الدعم.",
        "الموقع يعمل بدون أي مشاكل منذ شهور.",
    ],
    "neutral": ["Ĝi funkcias, sed la prezo estas iom alta.", "الخدمة مقبولة لكن الدعم بطيء أحياناً."],
    "negative": [
        "Mia retejo ne funkcias ekde hieraŭ!",
        "La subteno ne respondis al mia demando.",
        "موقعي متوقف منذ الصباح ولم يرد أحد.",
        "تم خصم المبلغ مرتين من بطاقتي.",
    ],
}


def draw_comment(rng: random.Random, csat: int, category: str) -> str:
    """A comment fitting the rating and category, sometimes empty, sometimes not in English."""
    if rng.random() >= COMMENT_SHARE:
        return ""
    kind = mood(csat)
    if rng.random() < FOREIGN_SHARE:
        return rng.choice(FOREIGN_COMMENTS[kind])
    if kind == "neutral":
        return rng.choice(NEUTRAL_COMMENTS)
    return rng.choice(COMMENTS[(kind, category)])


FIRST_NAMES = [
    "Amira", "Lucas", "Sofia", "Kenji", "Fatima", "Noah", "Ingrid", "Mateo", "Aisha", "Liam",
    "Chloé", "Arjun", "Elena", "Tomasz", "Yara", "Oliver", "Mei", "Diego", "Hana", "Jonas",
    "Zainab", "Pierre", "Olga", "Kwame", "Lea", "Rafael", "Nadia", "Erik", "Priya", "Samuel",
]  # fmt: skip
LAST_NAMES = [
    "Haddad", "Müller", "Rossi", "Tanaka", "Okafor", "Silva", "Nowak", "Johansson", "Khan", "Dubois",
    "García", "Petrov", "Nguyen", "Cohen", "Mensah", "Larsen", "Kowalski", "Santos", "Ali", "Schmidt",
]  # fmt: skip
TIMEZONES = [
    "UTC", "Europe/Berlin", "Europe/London", "Europe/Paris", "America/New_York", "America/Sao_Paulo",
    "Asia/Dubai", "Asia/Tokyo", "Africa/Lagos", "Asia/Kolkata", "Australia/Sydney",
]  # fmt: skip
STAFF_NAMES = ["Ana Ortega", "Ben Adeyemi", "Chen Wei", "Dalia Nasser", "Erik Lund"]

FIRST_REPLIES = [
    "Thanks for telling us. I am looking into it now and will update you shortly.",
    "Sorry about this. I have found the cause and I am working on a fix.",
    "Thank you for the feedback. I have escalated this to our systems team.",
]
QUESTIONS = [
    "Could you tell us the domain name and roughly when you noticed the problem?",
    "Could you send a screenshot of the error message?",
    "Does this still happen after clearing the cache on your side?",
]
CUSTOMER_ANSWERS = [
    "It is example-shop.test, since about 9 this morning.",
    "Screenshot attached, the error says 504 Gateway Timeout.",
    "Yes, still the same after clearing the cache.",
]
FOLLOW_UP_REPLIES = [
    "Thanks, that helped. We have applied a fix; please check again.",
    "We moved your site to a less busy server. It should be faster now.",
]
RESOLUTIONS = [
    "Fixed and confirmed. Thanks for your patience.",
    "Closing this as solved. Reply any time if it comes back.",
    "No reply for a few days, so we are closing this. Just write back if you still need help.",
]
INTERNAL_NOTES = [
    "Checked the logs: load spike from a bot, rate limit added.",
    "Customer is on an old PHP version; suggested the upgrade.",
    "Same root cause as last week's incident on web-07.",
]


SERVERS = {
    "shared": [f"web-{n:02d}.fra" for n in range(1, 7)] + [f"web-{n:02d}.sgp" for n in range(1, 4)],
    "vps": [f"vps-host-{n}.fra" for n in range(1, 4)] + ["vps-host-1.sgp"],
    "dedicated": [f"dc-rack-{n}.fra" for n in range(1, 3)],
}


def server_for(plan, index: int) -> str:
    """The server a demo customer's account lives on (spread evenly, stable per index)."""
    choices = SERVERS[getattr(plan, "value", plan)]
    return choices[index % len(choices)]


def ascii_address(address: str) -> str:
    """Lower-case, accents dropped ("José" → "jose"): sign-up only takes plain ASCII addresses."""
    folded = unicodedata.normalize("NFKD", address).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "")
