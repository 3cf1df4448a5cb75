"""Member organisations of the coalition and people's memberships in them."""
