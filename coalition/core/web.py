"""Request lifecycle: one transaction per request, security headers, error pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlsplit

from flask import Flask, jsonify, render_template, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from coalition.extensions import db

EXPIRED_FORM = _l("This form had expired or did not come from this site, so nothing was "
                  "saved. What you typed is below: copy it, or send it again with a fresh "
                  "form.")
EXPIRED_JSON = _l("The page's security token had expired, so this was not saved on the "
                  "server. Send it again with a fresh token (GET /csrf-token).")
BUSY_FORM = _l("The database was busy (a large import is being saved), so nothing was saved. "
               "What you typed is below: send it again in a moment, or copy it.")
FAILED_FORM = _l("The server could not finish this request and nothing was saved. What you "
                 "typed is below: copy it, or send it again.")
# Fields never echoed back or resent: secrets, and the refused token itself.
SECRET_FIELDS = ("password", "csrf_token", "token", "secret")

# endpoint -> a page that shows the refused form again, with the user's text in it and a fresh
# token (or None when it cannot: then the generic echo page is shown). Registered by the domains
# (the statement editor), so core knows none of them.
KeepTextPage = Callable[[], "tuple[str, int] | None"]
KEEP_TEXT_PAGES: dict[str, KeepTextPage] = {}


def keeps_text_on_expired_form(endpoint: str) -> Callable[[KeepTextPage], KeepTextPage]:
    """Register the page that shows `endpoint`'s form again after a CSRF refusal. It must only
    render (never write: the request failed its CSRF check) and check access itself."""

    def register(page: KeepTextPage) -> KeepTextPage:
        KEEP_TEXT_PAGES[endpoint] = page
        return page

    return register

ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Check what you entered "
                                "and try again.")),
    401: (_l("Sign-in required"), _l("Please sign in to see this page.")),
    403: (_l("Not allowed"), _l("Your account does not have permission to do this. If you "
                                "think it should, ask your organisation admin or the "
                                "coordinator.")),
    404: (_l("Not found"), _l("There is nothing at this address. It may have been moved or "
                              "removed.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than this site accepts, so nothing was "
                              "saved. Go back in your browser: what you typed is still in the "
                              "form there.")),
    429: (_l("Too many attempts"), _l("Too many requests in a short time. Wait a minute and "
                                      "try again.")),
    503: (_l("Busy"), _l("The server was busy and nothing was saved. Please try again in a "
                         "moment.")),
    500: (_l("Something went wrong"), _l("The server could not finish this request and "
                                         "nothing was saved. The error has been logged; "
                                         "please try again.")),
}

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


# URL prefix -> a function (code, detail) -> JSON response: the error answers of an API (its own
# error format), registered by the API package so core knows none of them.
JSON_ERRORS: dict[str, Callable[[int, str | None], Response]] = {}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None) -> tuple[str | Response, int]:
    for prefix, render in JSON_ERRORS.items():
        if request.path.startswith(prefix) or request.path == prefix.rstrip("/"):
            return render(code, detail), code
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    if _wants_json():
        return jsonify(error=str(title), message=str(detail or text), status=code), code
    return render_template("errors/error.html", code=code, title=title,
                           message=detail or text), code


def init_app(app: Flask) -> None:
    @app.after_request
    def finish_transaction(response: Response) -> Response:
        # One transaction per request: a refused or failed request leaves nothing behind.
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def rollback_on_error(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), "
                                                          "geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str | Response, int]:
        return expired_form(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str | Response, int] | Response:
        if error.code in (301, 302, 303, 307, 308) or error.response is not None:
            return error.get_response()
        code = error.code or 500
        # A view's own explanation (abort(400, "...")) is shown; Werkzeug's stock text is not.
        detail = error.description if error.description != type(error).description else None
        return render_error(code if code in ERROR_TEXT else 400, detail)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str | Response, int]:
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        # SQLite's one writer: a write that waited out the busy timeout behind a long import.
        busy = isinstance(error, OperationalError) and "locked" in str(error.orig).lower()
        code = 503 if busy else 500
        if request.method == "POST" and not _wants_json():
            # Whatever failed, the words the user sent are not dropped (issue 7): they come
            # back on the error page, to copy or to send again.
            try:
                if submitted_fields():
                    return kept_text_page(code, BUSY_FORM if busy else FAILED_FORM)
            except Exception:  # the form itself could not be read: the plain error page
                app.logger.exception("Could not echo the form of %s", request.path)
        return render_error(code)


def _same_origin() -> bool:
    """The refused request came from a page of this site (its token only expired), judged
    by the Origin header browsers send with every POST, or else the Referer."""
    source = request.headers.get("Origin") or request.headers.get("Referer") or ""
    parts = urlsplit(source)
    return bool(parts.netloc) and parts.netloc == request.host


@cache
def password_field_names() -> frozenset[str]:
    """The name of every PasswordField of every form of the site (found by walking FlaskForm's
    subclasses once): never echoed, whatever they are called ("confirm")."""
    from flask_wtf import FlaskForm
    from wtforms import PasswordField

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    return frozenset(name for form in subclasses(FlaskForm) for name, value in vars(form).items()
                     if getattr(value, "field_class", None) is PasswordField)


def submitted_fields() -> list[tuple[str, str]]:
    """The refused form's values, as (name, value), without secrets or empty values."""
    secret = password_field_names()
    return [(name, value) for name, value in request.form.items(multi=True)
            if value and name not in secret
            and not any(s in name.lower() for s in SECRET_FIELDS)]


def expired_form(error: CSRFError) -> tuple[str | Response, int]:
    """A form or JSON request refused by the CSRF check (token expired, missing or forged).

    Nothing is written: that would be the CSRF hole the check exists to close. But nothing
    the user typed is dropped either (issue 7 item 5): JSON callers (autosave) get a 400 JSON
    saying so, the editor of a registered form (the statement editor) comes back with the
    user's text in it and a fresh token, and any other form is echoed back, escaped, in
    read-only boxes with a copy button, with a fresh form to send the same values again when
    the request came from this site (never for a cross-site one: a "send again" button there
    would let another site's forged request through with one click)."""
    if _wants_json():
        return jsonify(error=str(_l("Form expired")), message=str(EXPIRED_JSON), reason="csrf",
                       detail=error.description, status=400), 400
    keep = KEEP_TEXT_PAGES.get(request.endpoint or "")
    if keep is not None and request.method == "POST":
        page = keep()
        if page is not None:
            return page
    return kept_text_page(400, EXPIRED_FORM)


def kept_text_page(code: int, message: str | LazyString) -> tuple[str, int]:
    """The error page of a refused or failed form that shows what the user typed (escaped,
    read-only, with Copy) and, for a request from this site, a fresh form that sends the same
    values again. Secrets are never echoed. Shapes: (html, code)."""
    fields = submitted_fields() if request.method == "POST" else []
    resend = (request.method == "POST" and _same_origin() and not request.files
              and bool(fields))
    typed = [(name, value) for name, value in fields if not value.strip().isdigit()]
    title = ERROR_TEXT[400][0] if code == 400 else ERROR_TEXT.get(code, ERROR_TEXT[500])[0]
    return render_template("errors/expired_form.html", message=message, typed=typed,
                           fields=fields, resend=resend, action=request.full_path.rstrip("?"),
                           files=bool(request.files), code=code,
                           title=_l("Form expired") if code == 400 else title), code
