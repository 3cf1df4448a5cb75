"""People: accounts, sign-in, invitations, password reset, profiles."""
