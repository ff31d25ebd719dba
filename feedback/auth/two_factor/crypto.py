"""The TOTP secret at rest, encrypted (Fernet: AES-128-CBC with an HMAC) under a key derived
from ``SECRET_KEY`` with HKDF.

A copy of the database alone (a backup, a replica) does not give anyone the secrets that
generate a manager's codes. Rotating ``SECRET_KEY``: put the old key in
``SECRET_KEY_FALLBACKS`` (comma-separated in the environment; Flask reads the same list for
old session cookies) and secrets saved under it keep working; anything saved from then on
uses the new key. Dropping the old key before everyone has re-enrolled makes their secrets
unreadable: they sign in with a recovery code (those are hashes, not tied to the key) and set
two-factor sign-in up again, or a manager resets it (``flask users reset-2fa EMAIL``).
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# Keeps this key apart from anything else ever derived from SECRET_KEY.
_PURPOSE = b"kontento two-factor secret v1"


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def _keys() -> MultiFernet:
    config = current_app.config
    secrets = [config["SECRET_KEY"], *config.get("SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(secret) for secret in secrets])


def encrypt(secret: str) -> str:
    """The stored form of a TOTP secret (under the current key)."""
    return _keys().encrypt(secret.encode()).decode()


def decrypt(stored: str) -> str | None:
    """The TOTP secret, or None when no configured key opens it (see the module's note)."""
    try:
        return _keys().decrypt(stored.encode()).decode()
    except InvalidToken:
        return None
