"""Accounts: creating people, signing in, invitations, password reset. Every write is audited."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, case, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import aliased
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.accounts.models import (
    COALITION_ROLES,
    LOCALES,
    Invitation,
    SignInThrottle,
    User,
    UserSession,
)
from coalition.audit import diff, record
from coalition.core.concurrency import lock_rows, unique_or_refuse
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.organisations.models import MEMBER_ROLES, Organisation
from coalition.organisations.services import add_member

MIN_PASSWORD_LENGTH = 10
# Checked against when the email is unknown, so a wrong email costs the same time as a wrong
# password and response times do not reveal who has an account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalise_email(email: str) -> str:
    """Case-fold and check an address; raises ServiceError naming the email field."""
    try:
        result = validate_email((email or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(_("Not a valid email address: %(reason)s", reason=exc), "email") from exc
    return result.normalized.lower()


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), field)


def hash_password(password: str) -> str:
    # scrypt in production; the test suite may choose a cheaper method to stay fast.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def get_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def _keeps_a_coordinator(user: User) -> Any:
    """SQL condition: some other active coordinator than `user` exists, checked in the very
    statement that demotes or deactivates `user` (atomic on SQLite)."""
    other = aliased(User)
    return select(func.count(other.id)).where(
        other.coalition_role == "coordinator", other.active.is_(True), other.id != user.id
    ).scalar_subquery() > 0


def create_user(
    actor: Any,
    email: str,
    display_name: str,
    password: str | None = None,
    coalition_role: str = "none",
    locale: str = "en",
    active: bool = True,
) -> User:
    email = normalise_email(email)
    if get_by_email(email) is not None:
        raise ServiceError(_("An account with this email already exists."), "email")
    if coalition_role not in COALITION_ROLES:
        raise ServiceError(_("Unknown coalition role."), "coalition_role")
    if locale not in LOCALES:
        raise ServiceError(_("Unknown language."), "locale")
    display_name = (display_name or "").strip()
    if not display_name:
        raise ServiceError(_("Enter a name."), "display_name")
    if password is not None:
        check_password_strength(password)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        coalition_role=coalition_role,
        locale=locale,
        active=active,
        session_version=1,
    )
    # Two requests creating the same address at once (a double-submitted invitation, two
    # coordinators): the unique index decides, the second gets this message, not a 500.
    with unique_or_refuse(_l("An account with this email already exists."), "email"):
        db.session.add(user)
    record(actor or user, "user.create", user, {
        "email": [None, email], "display_name": [None, display_name],
        "coalition_role": [None, coalition_role], "active": [None, active],
    })
    return user


def update_user(actor: Any, user: User, **values: Any) -> dict[str, list[Any]]:
    """The coordinator edits an account; the last active coordinator cannot be removed."""
    if "email" in values:
        values["email"] = normalise_email(values["email"])
        other = get_by_email(values["email"])
        if other is not None and other.id != user.id:
            raise ServiceError(_("An account with this email already exists."), "email")
    if "coalition_role" in values and values["coalition_role"] not in COALITION_ROLES:
        raise ServiceError(_("Unknown coalition role."), "coalition_role")
    if "display_name" in values:
        values["display_name"] = (values["display_name"] or "").strip()
        if not values["display_name"]:
            raise ServiceError(_("Enter a name."), "display_name")
    loses_coordination = user.coalition_role == "coordinator" and user.active and (
        values.get("coalition_role", "coordinator") != "coordinator"
        or not values.get("active", True)
    )
    last = ServiceError(_l("This is the last active coordinator: appoint another coordinator "
                           "first."), "coalition_role")
    if loses_coordination:
        # Two coordinators demoting each other at once must not leave none. PostgreSQL: lock
        # the active coordinators' rows, so the second request counts after the first commits.
        # SQLite: the demotion below checks "another coordinator remains" in its own UPDATE.
        coordinators = lock_rows(select(User.id).where(User.coalition_role == "coordinator",
                                                       User.active.is_(True)))
        if not [uid for uid in coordinators if uid != user.id]:
            raise last
        done = db.session.execute(
            update(User).where(User.id == user.id, _keeps_a_coordinator(user))
            .values(coalition_role=values.get("coalition_role", user.coalition_role),
                    active=values.get("active", user.active))
            .execution_options(synchronize_session=False)).rowcount
        if done != 1:
            raise last
    with unique_or_refuse(_l("An account with this email already exists."), "email"):
        changes = diff(user, values)
    if changes:
        if "active" in changes and not user.active:
            revoke_sessions(user)  # a deactivated account is signed out everywhere
        record(actor, "user.update", user, changes)
    return changes


def update_profile(user: User, display_name: str, locale: str) -> dict[str, list[Any]]:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ServiceError(_("Enter a name."), "display_name")
    if locale not in LOCALES:
        raise ServiceError(_("Unknown language."), "locale")
    changes = diff(user, {"display_name": display_name, "locale": locale})
    if changes:
        record(user, "user.update_profile", user, changes)
    return changes


# --- passwords ------------------------------------------------------------------------------

def set_password(actor: Any, user: User, new_password: str, action: str, *,
                 expected_version: int | None = None,
                 keep_session: UserSession | None = None) -> None:
    """Set a new password and end every session of the user except `keep_session`.

    The session version goes up in the same UPDATE (in SQL, not read-then-write in Python), so
    every reset link made earlier is void. With `expected_version` (a reset link's version) the
    UPDATE only happens if nobody used that link first: two submits of one link at once give one
    new password and, for the other, ServiceError("... already been used ...").
    """
    check_password_strength(new_password, "new_password")
    query = update(User).where(User.id == user.id)
    if expected_version is not None:
        query = query.where(User.session_version == expected_version)
    done = db.session.execute(
        query.values(password_hash=hash_password(new_password),
                     session_version=User.session_version + 1)
        .execution_options(synchronize_session="fetch")).rowcount
    if done != 1:
        raise ServiceError(_("This reset link has already been used or is no longer valid."))
    revoke_sessions(user, keep=keep_session)
    record(actor, action, user, {"password_hash": ["(hidden)", "(changed)"]})


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The person changes their own password: their other sessions end, this one stays."""
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise ServiceError(_("Your current password is not correct."), "current_password")
    set_password(user, user, new_password, "user.change_password",
                 keep_session=user.current_session)


# --- sessions (server side; OWASP ASVS 3.3) --------------------------------------------------

def start_session(user: User, remember: bool, user_agent: str | None,
                  ip_address: str | None) -> UserSession:
    """Open a server-side session for a successful sign-in, before `login_user(user)`.

    Sets `user.session_key` ("<user id>:<random secret>"), which Flask-Login then keeps in the
    session cookie and, with remember-me, in the remember cookie. The row lives REMEMBER_DAYS
    with remember-me, SESSION_MAX_HOURS without.
    """
    config = current_app.config
    now = utcnow()
    lifetime = (timedelta(days=config["REMEMBER_DAYS"]) if remember
                else timedelta(hours=config["SESSION_MAX_HOURS"]))
    # Rows that ended long ago are of no use to the session list: drop this person's.
    db.session.execute(delete(UserSession).where(
        UserSession.user_id == user.id,
        or_(UserSession.expires_at < now - timedelta(days=config["REMEMBER_DAYS"]),
            UserSession.revoked_at < now - timedelta(days=config["REMEMBER_DAYS"]))))
    secret = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, secret_hash=_hash_secret(secret), remember=remember,
                      created_at=now, last_seen_at=now, expires_at=now + lifetime,
                      user_agent=(user_agent or "")[:300], ip_address=(ip_address or "")[:45])
    db.session.add(row)
    db.session.flush()
    user.session_key = f"{user.id}:{secret}"
    user.current_session = row
    return row


# How often a session's "last seen" is written: often enough for the list, rarely enough not
# to turn every page view into a write.
LAST_SEEN_EVERY = timedelta(minutes=1)


def load_user_for_session(user_key: str) -> User | None:
    """Flask-Login's user loader, for the session cookie and the remember cookie alike.

    `user_key` is "<user id>:<session secret>". Returns None (signed out) when the session was
    revoked (sign-out, sign-out everywhere, password change, deactivation), has expired, or the
    cookie names no session at all (e.g. a cookie from before server-side sessions).
    """
    try:
        user_part, secret = user_key.split(":", 1)
        user_id = int(user_part)
    except (ValueError, AttributeError):
        return None
    row = db.session.execute(select(UserSession).where(
        UserSession.secret_hash == _hash_secret(secret))).scalar_one_or_none()
    now = utcnow()
    if (row is None or row.user_id != user_id or row.revoked_at is not None
            or row.expires_at <= now):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if now - row.last_seen_at >= LAST_SEEN_EVERY:
        # Written after the request (touch_session_after_request), in its own short
        # transaction: not in the page's transaction, which may be rolled back, and not now,
        # while the page's own connection may come to hold SQLite's write lock.
        g.coalition_touch_session = row.id
    user.session_key = user_key
    user.current_session = row
    return user


def touch_session_after_request(_exc: BaseException | None = None) -> None:
    """teardown_request: record "last seen" for the session the request used, if due."""
    session_id = g.pop("coalition_touch_session", None)
    if session_id is None:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(update(UserSession).where(UserSession.id == session_id)
                         .values(last_seen_at=utcnow()))
    except SQLAlchemyError:  # a busy database must not turn a served page into an error
        current_app.logger.warning("Could not record last seen for session %s", session_id,
                                   exc_info=True)


def revoke_sessions(user: User, keep: UserSession | None = None) -> int:
    """End every open session of `user` except `keep`; returns how many ended."""
    query = update(UserSession).where(UserSession.user_id == user.id,
                                      UserSession.revoked_at.is_(None))
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    return db.session.execute(query.values(revoked_at=utcnow())
                              .execution_options(synchronize_session=False)).rowcount


def end_session(user: User) -> None:
    """Sign-out: the request's own session ends on the server, whatever became of its
    cookies."""
    row = getattr(user, "current_session", None)
    if row is not None:
        db.session.execute(update(UserSession).where(
            UserSession.id == row.id, UserSession.revoked_at.is_(None))
            .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


def end_other_session(user: User, session_id: int) -> None:
    """'Sign out' next to one session in the profile's list. ServiceError if it is not one of
    the person's open sessions (or is the current one: that is the ordinary sign-out)."""
    current = getattr(user, "current_session", None)
    if current is not None and current.id == session_id:
        raise ServiceError(_("This is the session you are using: use Sign out instead."))
    done = db.session.execute(update(UserSession).where(
        UserSession.id == session_id, UserSession.user_id == user.id,
        UserSession.revoked_at.is_(None)).values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise ServiceError(_("That session has already ended."))
    record(user, "user.end_session", user, {"sessions_ended": [None, 1]})


def end_other_sessions(user: User) -> int:
    """'Sign out everywhere else': every session of the person but this one ends (audited
    even when there was none: the person asked, and may want to see that they did)."""
    ended = revoke_sessions(user, keep=getattr(user, "current_session", None))
    record(user, "user.end_session", user, {"sessions_ended": [None, ended]})
    return ended


def active_sessions(user: User) -> list[UserSession]:
    """The person's open sessions, most recently used first."""
    return list(db.session.execute(select(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None),
        UserSession.expires_at > utcnow()).order_by(UserSession.last_seen_at.desc(),
                                                    UserSession.id.desc())).scalars())


# --- sign-in ----------------------------------------------------------------------------------

GENERIC_SIGN_IN_ERROR = _l("Email or password is incorrect.")


@dataclass
class SignInResult:
    user: User | None
    error: str | None = None
    wait_seconds: int = 0  # > 0: refused without checking, the back-off has not passed


def _throttle_key(kind: str, value: str) -> str:
    # Keyed, so the table cannot be matched against a list of addresses without SECRET_KEY.
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _throttle_keys(email: str, ip_address: str | None) -> list[tuple[str, int]]:
    """(key, failures allowed before back-off) for the address and the client address."""
    try:
        address = normalise_email(email)
    except ServiceError:
        address = (email or "").strip().lower()
    config = current_app.config
    keys = [(_throttle_key("address", address), config["LOGIN_FREE_FAILURES"])]
    if ip_address:
        keys.append((_throttle_key("ip", ip_address), config["LOGIN_IP_FREE_FAILURES"]))
    return keys


def backoff_seconds(failures: int, free: int) -> int:
    """Seconds to wait after `failures` failures when `free` come without waiting:
    LOGIN_BACKOFF_SECONDS, doubled per further failure, at most LOGIN_BACKOFF_MAX_SECONDS."""
    extra = failures - free
    if extra < 0:
        return 0
    config = current_app.config
    return min(config["LOGIN_BACKOFF_MAX_SECONDS"],
               config["LOGIN_BACKOFF_SECONDS"] * 2 ** min(extra, 30))


def _wait_seconds(keys: list[tuple[str, int]]) -> int:
    now = utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    free = dict(keys)
    wait = 0.0
    for row in db.session.execute(select(SignInThrottle).where(
            SignInThrottle.key.in_(free))).scalars():
        if row.last_failure_at <= now - window:
            continue
        until = row.last_failure_at + timedelta(seconds=backoff_seconds(row.failures,
                                                                        free[row.key]))
        wait = max(wait, (until - now).total_seconds())
    return math.ceil(wait) if wait > 0 else 0


def _count_failure(keys: list[tuple[str, int]]) -> None:
    """failures = failures + 1 for each key, in one atomic upsert each (never read-then-write
    in Python: concurrent failures must all count), in its own committed transaction so the
    count survives the refused request."""
    now = utcnow()
    cutoff = now - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    with db.engine.begin() as conn:
        # Forgotten failures go, so the table holds only the window's (index on the time).
        conn.execute(delete(SignInThrottle).where(SignInThrottle.last_failure_at <= cutoff))
        for key, _free in keys:
            statement = insert(SignInThrottle).values(key=key, failures=1, last_failure_at=now)
            conn.execute(statement.on_conflict_do_update(
                index_elements=[SignInThrottle.key],
                set_={"failures": case((SignInThrottle.last_failure_at <= cutoff, 1),
                                       else_=SignInThrottle.failures + 1),
                      "last_failure_at": now}))


def authenticate(email: str, password: str, ip_address: str | None = None) -> SignInResult:
    """Check credentials with back-off instead of a lock (OWASP ASVS 2.2.1).

    Failures are counted per email address (a keyed hash of it, whether or not an account uses
    it) and per client address. Past the free allowance each further attempt must wait (see
    `backoff_seconds`); an attempt made sooner is refused unchecked and uncounted, with the
    same words for every address, so the answer never tells whether an account exists and a
    stranger can only delay its owner by the back-off, never lock them out.
    """
    keys = _throttle_keys(email, ip_address)
    wait = _wait_seconds(keys)
    if wait:
        return SignInResult(None, ngettext(
            "Too many failed sign-ins with this email address or from your network. Wait "
            "%(num)d second and try again.",
            "Too many failed sign-ins with this email address or from your network. Wait "
            "%(num)d seconds and try again.", wait), wait)
    user = get_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")  # the same time as a wrong password
        _count_failure(keys)
        return SignInResult(None, str(GENERIC_SIGN_IN_ERROR))
    if not check_password_hash(user.password_hash, password or ""):
        _count_failure(keys)
        return SignInResult(None, str(GENERIC_SIGN_IN_ERROR))
    if not user.active:
        return SignInResult(None, _("This account has been deactivated. Ask your coordinator."))
    # The owner got in: the address's failures are forgotten (the network's are not, or a
    # guesser could reset them by signing in to an account of their own).
    db.session.execute(delete(SignInThrottle).where(SignInThrottle.key == keys[0][0]))
    user.last_login_at = utcnow()
    return SignInResult(user)

# --- signed links -----------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: Any, template: str, *, locale: str | None = None,
              **context: Any) -> None:
    """Render the message now (the template needs this request's values) and leave the
    sending to the background worker: the request neither waits for the relay nor fails with
    it (coalition.accounts.mail retries and logs).

    `subject` is a string or a lazy translation; `locale` ('en' | 'zh_Hant') is the
    recipient's language when known (their profile), else the message is written in this
    request's language (an invitation: the inviter's)."""
    from contextlib import nullcontext

    from coalition.accounts.mail import deliver
    from coalition.i18n import translated

    with translated(locale) if locale else nullcontext():
        body = render_template(template, **context)
        subject_text = str(subject)
    deliver.delay(to, subject_text, body)


# --- invitations ------------------------------------------------------------------------------

def create_invitation(actor: Any, org: Organisation, email: str, role: str) -> tuple[
        Invitation, str]:
    """Invite someone to an organisation; returns the invitation and its secret token."""
    email = normalise_email(email)
    if role not in MEMBER_ROLES:
        raise ServiceError(_("Unknown role."), "role")
    existing = get_by_email(email)
    if existing is not None and existing.membership_in(org) is not None:
        raise ServiceError(_("%(email)s is already a member of %(organisation)s.",
                             email=email, organisation=org.name), "email")
    now = utcnow()
    # A new invitation replaces any pending one for the same person and organisation.
    for old in db.session.execute(select(Invitation).where(
            Invitation.email == email, Invitation.organisation_id == org.id,
            Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))).scalars():
        old.revoked_at = now
    secret = secrets.token_urlsafe(24)
    days = current_app.config["INVITATION_MAX_AGE_DAYS"]
    invitation = Invitation(
        email=email, organisation=org, role=role, secret_hash=_hash_secret(secret),
        invited_by_id=getattr(actor, "id", None), created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(invitation)
    record(actor, "invitation.create", org, {"invited": [None, email], "role": [None, role]})
    token = _serializer("invitation").dumps([invitation.id, secret])
    return invitation, token


def pending_invitation(org: Organisation, email: str) -> Invitation | None:
    """The pending invitation of `email` to `org` (a new one would replace it), or None (also
    for an address that is not valid)."""
    try:
        email = normalise_email(email)
    except ServiceError:
        return None
    return db.session.execute(select(Invitation).where(
        Invitation.email == email, Invitation.organisation_id == org.id,
        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow())).scalars().first()


def renew_invitation_link(actor: Any, invitation: Invitation) -> str:
    """A new link for a pending invitation, to copy again (only a hash of a link's secret is
    kept, so the old link cannot be shown again): the earlier link stops working, the role and
    expiry stay. Returns the new token; ServiceError if it is no longer pending."""
    secret = secrets.token_urlsafe(24)
    if not _claim_pending(invitation, secret_hash=_hash_secret(secret)):
        raise ServiceError(_("Only a pending invitation gets a new link."))
    invitation.secret_hash = _hash_secret(secret)
    record(actor, "invitation.new_link", invitation.organisation,
           {"invited": [invitation.email, invitation.email]})
    return _serializer("invitation").dumps([invitation.id, secret])


def resolve_invitation(token: str) -> Invitation:
    """The pending invitation behind a link, or ServiceError saying why it cannot be used."""
    max_age = current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400
    try:
        invitation_id, secret = _serializer("invitation").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError(_("This invitation link has expired. Ask for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ServiceError(_("This invitation link is not valid. Check that it was copied "
                             "completely.")) from exc
    invitation = db.session.get(Invitation, invitation_id) if isinstance(
        invitation_id, int) else None
    if invitation is None or not hmac.compare_digest(invitation.secret_hash,
                                                     _hash_secret(str(secret))):
        raise ServiceError(_("This invitation link is not valid."))
    status = invitation.status
    if status == "accepted":
        raise ServiceError(_("This invitation has already been used. Sign in instead."))
    if status == "revoked":
        raise ServiceError(_("This invitation was withdrawn or replaced by a newer one."))
    if status == "expired":
        raise ServiceError(_("This invitation link has expired. Ask for a new one."))
    return invitation


def accept_invitation(token: str, current: User | None, display_name: str = "",
                      password: str = "") -> User:
    """Redeem an invitation: join as the signed-in user, or create the invited account.

    The invitation is claimed first, by a conditional UPDATE (... WHERE accepted_at IS NULL):
    of several submits at once exactly one claims it and goes on; the others wait for it and
    get ServiceError("... already been used ..."), never a half-made account or a 500.
    """
    invitation = resolve_invitation(token)
    existing = get_by_email(invitation.email)
    if existing is not None:
        if current is None or current.id != existing.id:
            raise ServiceError(_("This invitation is for %(email)s: sign in with that account to "
                                 "accept it.", email=invitation.email))
    elif current is not None and current.is_authenticated:
        raise ServiceError(_("This invitation is for %(email)s: sign out first.",
                             email=invitation.email))
    now = utcnow()
    if not _claim_pending(invitation, accepted_at=now):
        raise ServiceError(_("This invitation has already been used or withdrawn. Sign in "
                             "instead, or ask for a new invitation."))
    invitation.accepted_at = now
    user = existing if existing is not None else create_user(
        None, invitation.email, display_name, password)
    membership = add_member(user, invitation.organisation, user, invitation.role)
    invitation.accepted_by_id = user.id
    record(user, "invitation.accept", invitation.organisation,
           {"member": [None, user.email], "role": [None, invitation.role]})
    return membership.user


def _claim_pending(invitation: Invitation, **values: Any) -> bool:
    """End a pending invitation (accepted or revoked) by one conditional UPDATE, so that of
    concurrent requests exactly one wins; False when it is no longer pending."""
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation).where(Invitation.id == invitation.id,
                                 Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None),
                                 Invitation.expires_at > now)
        .values(**values).execution_options(synchronize_session=False)).rowcount
    return claimed == 1


def revoke_invitation(actor: Any, invitation: Invitation) -> None:
    """Withdraw a pending invitation; conditional, so it cannot undo an acceptance that
    happened meanwhile."""
    now = utcnow()
    if not _claim_pending(invitation, revoked_at=now):
        raise ServiceError(_("Only a pending invitation can be withdrawn."))
    invitation.revoked_at = now
    record(actor, "invitation.revoke", invitation.organisation,
           {"invited": [invitation.email, None]})


def pending_invitations(org: Organisation) -> list[Invitation]:
    rows = db.session.execute(
        select(Invitation).where(Invitation.organisation_id == org.id,
                                 Invitation.accepted_at.is_(None),
                                 Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).scalars()
    return [inv for inv in rows if inv.status == "pending"]


# --- password reset ---------------------------------------------------------------------------

def password_reset_token(user: User) -> str:
    # The session version changes with the password, which makes a used link void.
    return _serializer("password-reset").dumps([user.id, user.session_version])


def _reset_link_user(token: str) -> tuple[User, int]:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"] * 3600
    try:
        user_id, version = _serializer("password-reset").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError(_("This reset link has expired. Ask for a new one.")) from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ServiceError(_("This reset link is not valid.")) from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.session_version != version or not user.active:
        raise ServiceError(_("This reset link has already been used or is no longer valid."))
    return user, version


def reset_user_from_token(token: str) -> User:
    """The account a reset link is for, or ServiceError saying why the link cannot be used."""
    return _reset_link_user(token)[0]


def reset_password(token: str, new_password: str) -> User:
    """Use a reset link once: the new password and the version bump are one conditional
    UPDATE, so the same link submitted twice at once sets one password; every session of the
    account ends."""
    user, version = _reset_link_user(token)
    set_password(None, user, new_password, "user.reset_password", expected_version=version)
    return user


def request_password_reset(email: str, link_for: Callable[[str], str]) -> None:
    """'Forgot your password?': mail a reset link if an active account uses the address.

    The same work happens for an unknown address (a link is signed and the message rendered,
    for a stand-in account) and the caller gives the same answer, so neither the page nor its
    timing tells who has an account. A mail relay that is down is logged, not shown: the
    answer must not differ for known addresses either.
    """
    user = get_by_email(email or "")
    real = user is not None and user.active
    target = user if real else User(id=0, email="nobody@invalid", display_name="",
                                    session_version=1)
    link = link_for(password_reset_token(target))
    if not real:
        render_template("email/password_reset.txt", user=target, link=link)
        return
    try:
        send_mail(user.email, _l("Reset your Coalition password"), "email/password_reset.txt",
                  locale=user.locale, user=user, link=link)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Could not send the password reset mail for user %s",
                                     user.id)


def record_reset_link(actor: Any, user: User) -> str:
    """A coordinator makes a reset link to pass on (no mail server configured)."""
    record(actor, "user.reset_link", user, {})
    return password_reset_token(user)


# --- queries ----------------------------------------------------------------------------------

def users_query(q: str = "", coalition_role: str = "", active: str = "") -> Select:
    query = select(User)
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(User.email.like(like), func.lower(User.display_name).like(like)))
    if coalition_role in COALITION_ROLES:
        query = query.where(User.coalition_role == coalition_role)
    if active in {"yes", "no"}:
        query = query.where(User.active.is_(active == "yes"))
    return query.order_by(User.display_name)
