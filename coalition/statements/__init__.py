"""Joint statements: drafting together, merging concurrent edits, sign-on and publishing."""
