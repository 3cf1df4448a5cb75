"""Kind: "secret link tokens in the logs" (issue 7, item 15). Invitation and reset tokens
are in the URL path; the app's logs (Werkzeug's access log, gunicorn's access log, the app's
error log) show "[redacted]" instead."""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from coalition.accounts import services
from coalition.core.logredact import redact


@pytest.fixture
def invitation_token(db, world) -> str:
    _, token = services.create_invitation(world.users["org_admin"], world.org,
                                          "new@example.org", "viewer")
    db.session.commit()
    return token


@pytest.fixture
def reset_token(db, world) -> str:
    return services.password_reset_token(world.users["viewer"])


def test_redact_keeps_the_path_and_drops_the_token():
    line = ('127.0.0.1 "GET /invitations/WzEsImFiYyJd.aw0.x-Y_z?next=/ HTTP/1.1" 200 '
            '"https://c.example/password/reset/WzE.aw.sig" "Firefox"')
    assert redact(line) == ('127.0.0.1 "GET /invitations/[redacted]?next=/ HTTP/1.1" 200 '
                            '"https://c.example/password/reset/[redacted]" "Firefox"')
    assert redact("GET /organisations/mfmw HTTP/1.1") == "GET /organisations/mfmw HTTP/1.1"


def test_werkzeug_access_log_does_not_show_the_token(app, invitation_token, reset_token,
                                                      caplog):
    caplog.set_level(logging.INFO, logger="werkzeug")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/invitations/{invitation_token}", f"/password/reset/{reset_token}"):
            request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}",
                                             headers={"Host": "coalition.test"})
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                assert response.status == 200
    finally:
        server.shutdown()
        thread.join(timeout=10)
    access = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/invitations/[redacted]" in line for line in access), access
    assert any("/password/reset/[redacted]" in line for line in access), access
    assert invitation_token not in caplog.text
    assert reset_token not in caplog.text


def test_an_error_on_an_invitation_url_is_logged_without_the_token(
        app, client, invitation_token, monkeypatch, caplog):
    def broken(token: str):
        raise RuntimeError(f"could not read invitation {token}")

    monkeypatch.setattr(services, "resolve_invitation", broken)
    with caplog.at_level(logging.ERROR):
        response = client.get(f"/invitations/{invitation_token}")
    assert response.status_code == 500
    assert "Unhandled error on GET /invitations/[redacted]" in caplog.text
    assert "could not read invitation [redacted]" in caplog.text  # the traceback too
    assert invitation_token not in caplog.text


def test_gunicorn_access_log_does_not_show_the_token(app, invitation_token, tmp_path):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    path = tmp_path / "access.log"
    config = Config()
    config.set("accesslog", str(path))
    config.set("access_log_format", '%(h)s "%(r)s" %(s)s "%(f)s" "%(a)s"')
    access_logger = logging.getLogger("gunicorn.access")
    propagate = access_logger.propagate
    log = Logger(config)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/invitations/{invitation_token}",
               "PATH_INFO": f"/invitations/{invitation_token}", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "192.0.2.1", "HTTP_USER_AGENT": "Firefox",
               "HTTP_REFERER": f"https://c.example/invitations/{invitation_token}"}
    log.access(SimpleNamespace(status="200 OK", sent=10, headers=[]),
               SimpleNamespace(headers=[]), environ, timedelta(milliseconds=5))
    for handler in list(access_logger.handlers):  # leave the logger as it was
        handler.close()
        access_logger.removeHandler(handler)
    access_logger.propagate = propagate
    written = path.read_text()
    assert 'GET /invitations/[redacted] HTTP/1.1" 200 "https://c.example/invitations/' \
           '[redacted]"' in written
    assert invitation_token not in written
