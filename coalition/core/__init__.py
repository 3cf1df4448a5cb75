"""Cross-cutting pieces: the home page, error pages, security headers, Markdown, time."""
