"""Browser tests: the real app served over HTTP, driven by Debian's Chromium via Playwright."""
