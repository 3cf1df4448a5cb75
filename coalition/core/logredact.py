"""Keep secret link tokens out of the logs (issue 7, item 15).

Invitation and password-reset links carry their secret in the URL path
(`/invitations/<token>`, `/password/reset/<token>`), so every access log line, every error
report naming the path and every Referer header after such a page would otherwise hold a
working link. `RedactTokens` rewrites each log record before any handler sees it: the token
after those paths becomes "[redacted]", and so does the current request's own token wherever
else it appears (an exception message quoting it, a traceback).

It is attached to the loggers that name request paths: the app's own (`app.logger`, which
also carries `core.web`'s "Unhandled error on ..." and Flask's "Exception on ..."), Werkzeug's
access log, and gunicorn's access and error logs when gunicorn runs the app. The proxy in
front needs the same (see the README's nginx `log_format`).
"""

from __future__ import annotations

import logging
import re

from flask import Flask, has_request_context, request
from flask.logging import default_handler

# Paths whose last segment is a secret. Matches inside full URLs and Referer values too.
SECRET_PATHS = ("invitations", "password/reset")
_PATHS = "|".join(re.escape(p) for p in SECRET_PATHS)
TOKEN_IN_PATH = re.compile(r"(/(?:" + _PATHS + r")/)[^/\s\"'?#<>]+")
REDACTED = "[redacted]"

# Loggers that write request lines or paths.
LOGGER_NAMES = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """`text` with every secret link token replaced by [redacted]."""
    text = TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)
    if has_request_context():
        token = (request.view_args or {}).get("token")
        if isinstance(token, str) and len(token) >= 8:
            text = text.replace(token, REDACTED)
    return text


class RedactTokens(logging.Filter):
    """A logging filter that never drops a record, only rewrites its text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's own business to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Format the traceback now, redacted; handlers use exc_text when it is set.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactTokens()


def init_app(app: Flask) -> None:
    """Attach the filter (once) to the app's logger, the access/error loggers, and Flask's
    default handler (which also writes what the app's child loggers propagate: a logger's
    own filters do not see propagated records, a handler's do)."""
    for holder in (app.logger, default_handler,
                   *(logging.getLogger(name) for name in LOGGER_NAMES)):
        if not any(isinstance(f, RedactTokens) for f in holder.filters):
            holder.addFilter(_FILTER)
