"""Two-factor sign-in: a one-time code from an authenticator app (TOTP, RFC 6238) after the
password, with single-use recovery codes; required for the roles in ``TWO_FACTOR_REQUIRED_ROLES``
(managers), offered to staff."""
