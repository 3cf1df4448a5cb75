"""Accounts: creating people, signing in, invitations, password reset. Every write is audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Select, func, or_, select
from werkzeug.security import check_password_hash, generate_password_hash

from coalition.accounts.models import COALITION_ROLES, LOCALES, Invitation, User
from coalition.audit import diff, record
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
        raise ServiceError(f"Not a valid email address: {exc}", "email") from exc
    return result.normalized.lower()


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ServiceError(f"Use at least {MIN_PASSWORD_LENGTH} characters.", field)


def hash_password(password: str) -> str:
    # scrypt in production; the test suite may choose a cheaper method to stay fast.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def get_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()


def load_user_for_session(user_key: str) -> User | None:
    """Flask-Login loader: the key carries the session version, so old sessions end."""
    try:
        user_id, version = (int(part) for part in user_key.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version:
        return None
    return user


def _coordinator_count(exclude: User | None = None) -> int:
    query = select(func.count(User.id)).where(
        User.coalition_role == "coordinator", User.active.is_(True)
    )
    if exclude is not None:
        query = query.where(User.id != exclude.id)
    return db.session.execute(query).scalar_one()


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
        raise ServiceError("An account with this email already exists.", "email")
    if coalition_role not in COALITION_ROLES:
        raise ServiceError("Unknown coalition role.", "coalition_role")
    if locale not in LOCALES:
        raise ServiceError("Unknown language.", "locale")
    display_name = (display_name or "").strip()
    if not display_name:
        raise ServiceError("Enter a name.", "display_name")
    if password is not None:
        check_password_strength(password)
    user = User(
        email=email,
        display_name=display_name,
        password_hash=hash_password(password) if password else None,
        coalition_role=coalition_role,
        locale=locale,
        active=active,
        failed_logins=0,
        session_version=1,
    )
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
            raise ServiceError("An account with this email already exists.", "email")
    if "coalition_role" in values and values["coalition_role"] not in COALITION_ROLES:
        raise ServiceError("Unknown coalition role.", "coalition_role")
    if "display_name" in values:
        values["display_name"] = (values["display_name"] or "").strip()
        if not values["display_name"]:
            raise ServiceError("Enter a name.", "display_name")
    loses_coordination = user.coalition_role == "coordinator" and user.active and (
        values.get("coalition_role", "coordinator") != "coordinator"
        or not values.get("active", True)
    )
    if loses_coordination and _coordinator_count(exclude=user) == 0:
        raise ServiceError(
            "This is the last active coordinator: appoint another coordinator first.",
            "coalition_role",
        )
    changes = diff(user, values)
    if changes:
        if "active" in changes and not user.active:
            user.session_version += 1  # a deactivated account is signed out everywhere
        record(actor, "user.update", user, changes)
    return changes


def update_profile(user: User, display_name: str, locale: str) -> dict[str, list[Any]]:
    display_name = (display_name or "").strip()
    if not display_name:
        raise ServiceError("Enter a name.", "display_name")
    if locale not in LOCALES:
        raise ServiceError("Unknown language.", "locale")
    changes = diff(user, {"display_name": display_name, "locale": locale})
    if changes:
        record(user, "user.update_profile", user, changes)
    return changes


def set_password(actor: Any, user: User, new_password: str, action: str) -> None:
    check_password_strength(new_password, "new_password")
    user.password_hash = hash_password(new_password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    record(actor, action, user, {"password_hash": ["(hidden)", "(changed)"]})


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not user.password_hash or not check_password_hash(user.password_hash, current_password):
        raise ServiceError("Your current password is not correct.", "current_password")
    set_password(user, user, new_password, "user.change_password")


# --- sign-in ----------------------------------------------------------------------------------

@dataclass
class SignInResult:
    user: User | None
    error: str | None = None


def authenticate(email: str, password: str) -> SignInResult:
    """Check credentials, counting failures and locking the account after too many.

    The failure counter must survive the refused request, so this commits on its own.
    """
    generic = "Email or password is incorrect."
    user = get_by_email(email or "")
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return SignInResult(None, generic)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return SignInResult(None, f"Too many failed sign-ins: this account is locked for "
                                  f"{minutes} more minute{'s' if minutes != 1 else ''}.")
    if not check_password_hash(user.password_hash, password or ""):
        user.failed_logins += 1
        config = current_app.config
        if user.failed_logins >= config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=config["LOGIN_LOCK_MINUTES"])
            user.failed_logins = 0
            record(None, "user.lock", user, {"locked_until": [None, user.locked_until.isoformat()]})
            db.session.commit()
            return SignInResult(None, f"Too many failed sign-ins: this account is locked for "
                                      f"{config['LOGIN_LOCK_MINUTES']} minutes.")
        db.session.commit()
        return SignInResult(None, generic)
    if not user.active:
        return SignInResult(None, "This account has been deactivated. Ask your coordinator.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return SignInResult(user)


# --- signed links -----------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_mail(to: str, subject: str, template: str, **context: Any) -> None:
    """Render the message now (the template needs this request's values) and leave the
    sending to the background worker: the request neither waits for the relay nor fails with
    it (coalition.accounts.mail retries and logs)."""
    from coalition.accounts.mail import deliver

    deliver.delay(to, subject, render_template(template, **context))


# --- invitations ------------------------------------------------------------------------------

def create_invitation(actor: Any, org: Organisation, email: str, role: str) -> tuple[
        Invitation, str]:
    """Invite someone to an organisation; returns the invitation and its secret token."""
    email = normalise_email(email)
    if role not in MEMBER_ROLES:
        raise ServiceError("Unknown role.", "role")
    existing = get_by_email(email)
    if existing is not None and existing.membership_in(org) is not None:
        raise ServiceError(f"{email} is already a member of {org.name}.", "email")
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


def resolve_invitation(token: str) -> Invitation:
    """The pending invitation behind a link, or ServiceError saying why it cannot be used."""
    max_age = current_app.config["INVITATION_MAX_AGE_DAYS"] * 86400
    try:
        invitation_id, secret = _serializer("invitation").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError("This invitation link has expired. Ask for a new one.") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ServiceError("This invitation link is not valid. Check that it was copied "
                           "completely.") from exc
    invitation = db.session.get(Invitation, invitation_id) if isinstance(
        invitation_id, int) else None
    if invitation is None or not hmac.compare_digest(invitation.secret_hash,
                                                     _hash_secret(str(secret))):
        raise ServiceError("This invitation link is not valid.")
    status = invitation.status
    if status == "accepted":
        raise ServiceError("This invitation has already been used. Sign in instead.")
    if status == "revoked":
        raise ServiceError("This invitation was withdrawn or replaced by a newer one.")
    if status == "expired":
        raise ServiceError("This invitation link has expired. Ask for a new one.")
    return invitation


def accept_invitation(token: str, current: User | None, display_name: str = "",
                      password: str = "") -> User:
    """Redeem an invitation: join as the signed-in user, or create the invited account."""
    invitation = resolve_invitation(token)
    existing = get_by_email(invitation.email)
    if existing is not None:
        if current is None or current.id != existing.id:
            raise ServiceError(f"This invitation is for {invitation.email}: sign in with that "
                               "account to accept it.")
        user = existing
    else:
        if current is not None and current.is_authenticated:
            raise ServiceError(f"This invitation is for {invitation.email}: sign out first.")
        user = create_user(None, invitation.email, display_name, password)
    membership = add_member(user, invitation.organisation, user, invitation.role)
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    record(user, "invitation.accept", invitation.organisation,
           {"member": [None, user.email], "role": [None, invitation.role]})
    return membership.user


def revoke_invitation(actor: Any, invitation: Invitation) -> None:
    if invitation.status != "pending":
        raise ServiceError("Only a pending invitation can be withdrawn.")
    invitation.revoked_at = utcnow()
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


def reset_user_from_token(token: str) -> User:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_HOURS"] * 3600
    try:
        user_id, version = _serializer("password-reset").loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ServiceError("This reset link has expired. Ask for a new one.") from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise ServiceError("This reset link is not valid.") from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.session_version != version or not user.active:
        raise ServiceError("This reset link has already been used or is no longer valid.")
    return user


def reset_password(token: str, new_password: str) -> User:
    user = reset_user_from_token(token)
    set_password(None, user, new_password, "user.reset_password")
    return user


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
