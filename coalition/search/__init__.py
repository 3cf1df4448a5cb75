"""Full-text search: SQLite FTS5 or PostgreSQL tsvector, behind one function."""
