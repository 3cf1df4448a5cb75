"""Request lifecycle: one transaction per request, security headers, error pages."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from coalition.extensions import db

ERROR_TEXT = {
    400: ("Bad request", "The request could not be understood. Check what you entered and try "
                         "again."),
    401: ("Sign-in required", "Please sign in to see this page."),
    403: ("Not allowed", "Your account does not have permission to do this. If you think it "
                         "should, ask your organisation admin or the coordinator."),
    404: ("Not found", "There is nothing at this address. It may have been moved or removed."),
    405: ("Method not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this site accepts."),
    429: ("Too many attempts", "Too many requests in a short time. Wait a minute and try "
                               "again."),
    500: ("Something went wrong", "The server could not finish this request and nothing was "
                                  "saved. The error has been logged; please try again."),
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


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def render_error(code: int, detail: str | None = None) -> tuple[str | Response, int]:
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    if _wants_json():
        return jsonify(error=title, message=detail or text, status=code), code
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
        return render_error(400, "This form had expired or did not come from this site, so "
                                 "nothing was saved. Go back, reload the page and try again.")

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
        return render_error(500)
