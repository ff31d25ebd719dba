"""Customer sign-up, e-mailed links that prove an address, invitations and the sign-up setting."""
