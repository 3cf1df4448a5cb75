"""The home page as a desk, per role (issue 11, item 5)."""
