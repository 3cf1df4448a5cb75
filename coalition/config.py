"""Settings from the environment. Production refuses to start without a SECRET_KEY."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url


class ConfigError(RuntimeError):
    """The configuration cannot run safely."""


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_environment(instance_path: str) -> dict[str, Any]:
    """Build the settings dict from environment variables."""
    redis_url = os.environ.get("REDIS_URL")
    demo = _bool("COALITION_DEMO")
    debug = _bool("FLASK_DEBUG")
    config: dict[str, Any] = {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL")
        or "sqlite:///" + str(Path(instance_path) / "coalition.sqlite3"),
        "COALITION_DEMO": demo,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        # Credential POSTs (sign-in, password reset requests): per client address, high enough
        # for a workshop sharing one network; per account (the e-mail address typed), lower.
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "60 per minute"),
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "10 per minute"),
        "PASSWORD_HASH_METHOD": "scrypt",
        # API v1 (issue 10): requests per token, and per client address without one.
        "API_RATELIMIT": os.environ.get("API_RATELIMIT", "600 per minute"),
        "API_RATELIMIT_ANONYMOUS": os.environ.get("API_RATELIMIT_ANONYMOUS", "60 per minute"),
        "EXPORT_RATELIMIT": os.environ.get("EXPORT_RATELIMIT", "30 per hour"),
        # The licence a data package export names (coalition.exports.datapackage): an SPDX id,
        # its address, title, and a note; empty ones keep CC-BY-4.0's.
        "DATA_LICENSE": os.environ.get("DATA_LICENSE", ""),
        "DATA_LICENSE_URL": os.environ.get("DATA_LICENSE_URL", ""),
        "DATA_LICENSE_TITLE": os.environ.get("DATA_LICENSE_TITLE", ""),
        "DATA_LICENSE_NOTE": os.environ.get("DATA_LICENSE_NOTE", ""),
        # Opens the recommendation tracker (read only) to visitors who are not signed in.
        "PUBLIC_TRACKER": _bool("PUBLIC_TRACKER"),
        # Sign-in back-off (no hard lock): after this many failures for one email address, or
        # from one client address, each further attempt waits LOGIN_BACKOFF_SECONDS, doubled
        # per failure, at most LOGIN_BACKOFF_MAX_SECONDS. Failures older than the window
        # are forgotten.
        "LOGIN_FREE_FAILURES": int(os.environ.get("LOGIN_FREE_FAILURES", "5")),
        "LOGIN_IP_FREE_FAILURES": int(os.environ.get("LOGIN_IP_FREE_FAILURES", "20")),
        "LOGIN_BACKOFF_SECONDS": int(os.environ.get("LOGIN_BACKOFF_SECONDS", "2")),
        "LOGIN_BACKOFF_MAX_SECONDS": int(os.environ.get("LOGIN_BACKOFF_MAX_SECONDS", "60")),
        "LOGIN_FAILURE_WINDOW_MINUTES": int(os.environ.get("LOGIN_FAILURE_WINDOW_MINUTES",
                                                           "60")),
        # Server-side session lifetimes: a remember-me sign-in lasts this many days, any other
        # this many hours (signing out or a password change ends either at once).
        "REMEMBER_DAYS": int(os.environ.get("REMEMBER_DAYS", "30")),
        "SESSION_MAX_HOURS": int(os.environ.get("SESSION_MAX_HOURS", "24")),
        "INVITATION_MAX_AGE_DAYS": int(os.environ.get("INVITATION_MAX_AGE_DAYS", "14")),
        "PASSWORD_RESET_MAX_AGE_HOURS": int(os.environ.get("PASSWORD_RESET_MAX_AGE_HOURS", "2")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(64 * 1024 * 1024))),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER"),
        # Whom people ask when the site sends no e-mail (a forgotten password), shown to
        # anyone: for example "Mei Ling, the coordinator (+852 5555 0000)".
        "COALITION_CONTACT": os.environ.get("COALITION_CONTACT", ""),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS"),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "coalition@localhost"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "FLASK_DEBUG": debug,
        "SESSION_COOKIE_SECURE": None,  # decided in finalise(): secure unless demo/debug/test
        "REMEMBER_COOKIE_SECURE": None,
        # How many proxies (load balancer, nginx) stand in front of gunicorn and set X-Forwarded-*.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "BABEL_DEFAULT_LOCALE": "en",
        "LANGUAGES": ["en", "zh_Hant"],
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # SQLite only: how long a write waits for another writer before "database is locked".
        "SQLITE_BUSY_TIMEOUT_SECONDS": float(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "30")),
        # SQLite only: how much of the database file is read through a memory map (MiB; 0 to
        # read through SQLite's own 2 MiB page cache only). See core.database.init_sqlite.
        "SQLITE_MMAP_MIB": int(os.environ.get("SQLITE_MMAP_MIB", "256")),
        # Background tasks (coalition.tasks, Huey): Redis when REDIS_URL is set, else a SQLite
        # queue in the instance folder; TASKS_IMMEDIATE runs each task inside the request
        # (tests; on whenever TESTING is, unless set).
        "TASKS_IMMEDIATE": _bool("TASKS_IMMEDIATE") if "TASKS_IMMEDIATE" in os.environ
        else None,
        "TASKS_REDIS_URL": os.environ.get("TASKS_REDIS_URL") or redis_url,
        "TASKS_SQLITE_PATH": os.environ.get("TASKS_SQLITE_PATH"),
        "TASKS_QUEUE_NAME": os.environ.get("TASKS_QUEUE_NAME", "coalition"),
        "TASKS_WORKERS": int(os.environ.get("TASKS_WORKERS", "2")),
        # Import jobs: a job whose heartbeat (progress) is older than this is marked failed and
        # can be retried; uploaded files are deleted after confirm, after a failure that a
        # retry cannot mend, and in any case once this old.
        "IMPORT_STALE_MINUTES": int(os.environ.get("IMPORT_STALE_MINUTES", "10")),
        "IMPORT_UPLOAD_MAX_AGE_HOURS": int(os.environ.get("IMPORT_UPLOAD_MAX_AGE_HOURS", "24")),
        # Limits on a .docx (a zip) checked before it is parsed: each part's and the total
        # uncompressed size, the number of parts, a part's compression ratio, and the XML
        # elements of all parts (coalition.core.archives).
        "ZIP_MAX_MEMBER_BYTES": int(os.environ.get("ZIP_MAX_MEMBER_BYTES",
                                                   str(20 * 1024 * 1024))),
        "ZIP_MAX_TOTAL_BYTES": int(os.environ.get("ZIP_MAX_TOTAL_BYTES",
                                                  str(40 * 1024 * 1024))),
        "ZIP_MAX_MEMBERS": int(os.environ.get("ZIP_MAX_MEMBERS", "1000")),
        "ZIP_MAX_RATIO": int(os.environ.get("ZIP_MAX_RATIO", "100")),
        "ZIP_MAX_XML_ELEMENTS": int(os.environ.get("ZIP_MAX_XML_ELEMENTS", "500000")),
        # followup (issue 11): evidence files, kept outside the web root under their SHA-256
        # (coalition.core.files); the most one file may weigh; the most recommendations one
        # bulk assignment changes.
        "FILES_DIR": os.environ.get("FILES_DIR") or str(Path(instance_path) / "files"),
        "EVIDENCE_MAX_BYTES": int(os.environ.get("EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024))),
        "SUBMISSION_MAX_BYTES": int(os.environ.get("SUBMISSION_MAX_BYTES",
                                                   str(20 * 1024 * 1024))),
        "BULK_ASSIGN_MAX": int(os.environ.get("BULK_ASSIGN_MAX", "2000")),
        "XLSX_MAX_SHEET_BYTES": int(os.environ.get("XLSX_MAX_SHEET_BYTES",
                                                   str(512 * 1024 * 1024))),
        # ohchr (issue 12): OHCHR's word limits of stakeholder submissions per UPR cycle, as
        # JSON {"5": {"individual": 2815, "joint": 5630}}; cycles not given keep the limits of
        # coalition.submissions.ohchr.DEFAULT_WORD_LIMITS (2,815 / 5,630 words).
        "SUBMISSION_WORD_LIMITS": _word_limits(os.environ.get("SUBMISSION_WORD_LIMITS", "")),
    }
    return config


def _word_limits(value: str) -> dict[int, dict[str, int]]:
    """SUBMISSION_WORD_LIMITS read from JSON; a malformed value stops the start with a message
    (a wrong limit would refuse or let through submissions silently)."""
    import json

    if not value.strip():
        return {}
    try:
        limits = {int(cycle): {kind: int(words) for kind, words in kinds.items()}
                  for cycle, kinds in json.loads(value).items()}
    except (ValueError, TypeError, AttributeError) as error:
        raise ConfigError('SUBMISSION_WORD_LIMITS must be JSON such as {"4": {"individual": '
                          f'2815, "joint": 5630}}: {error}') from error
    for cycle, kinds in limits.items():
        if set(kinds) - {"individual", "joint"} or not kinds or min(kinds.values()) < 1:
            raise ConfigError(f"SUBMISSION_WORD_LIMITS, cycle {cycle}: give positive limits "
                              'for "individual" and "joint" only.')
    return limits


def finalise(config: dict[str, Any], instance_path: str) -> None:
    """Settings that follow from others, once overrides are applied."""
    relaxed = bool(config.get("COALITION_DEMO") or config.get("FLASK_DEBUG")
                   or config.get("TESTING"))
    # Secure cookies everywhere except a local demo, development or test server on plain http.
    for key in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(key) is None:
            config[key] = not relaxed
    url = make_url(str(config.get("SQLALCHEMY_DATABASE_URI") or "sqlite://"))
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        # The demo's threaded server takes every connection at once (50 clients, 50 threads);
        # a SQLite connection is only a file handle, and WAL plus the busy timeout order the
        # writers, so the pool grows instead of failing a request after 30 s with a 500
        # ("QueuePool limit reached"; bench/load.py found it).
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "max_overflow": -1}
    if config.get("TASKS_IMMEDIATE") is None:
        config["TASKS_IMMEDIATE"] = bool(config.get("TESTING"))
    # Flask-Login's remember-me cookie lives no longer than its server-side session.
    config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=config["REMEMBER_DAYS"]))
    if not config.get("SECRET_KEY") and config.get("COALITION_DEMO"):
        config["SECRET_KEY"] = demo_secret_key(instance_path)


def demo_secret_key(instance_path: str) -> str:
    """A per-installation key for the local demo, kept in the instance folder."""
    path = Path(instance_path) / "demo-secret-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def check(config: dict[str, Any]) -> None:
    """Fail fast on settings that would be unsafe in production."""
    relaxed = config.get("FLASK_DEBUG") or config.get("TESTING")
    if not config.get("SECRET_KEY") and not relaxed:
        raise ConfigError(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (for example "
            "`python -c 'import secrets; print(secrets.token_hex(32))'`) or run `coalition demo`."
        )
