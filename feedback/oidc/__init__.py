"""Sign in with the host's billing panel (OpenID Connect): customers only, off unless configured."""
