"""What the coalition does with organisations and memberships. Every write is audited."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import aliased

from coalition.audit import diff, record
from coalition.audit.services import snapshot
from coalition.core.concurrency import lock_rows, unique_or_refuse
from coalition.core.errors import ServiceError
from coalition.extensions import db
from coalition.organisations.models import MEMBER_ROLES, ORG_KINDS, Membership, Organisation

ORG_FIELDS = ["name", "short_name", "slug", "kind", "is_steering", "website", "description",
              "active", "share_member_emails"]


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80] or "organisation"


def get_by_slug(slug: str) -> Organisation | None:
    return db.session.execute(
        select(Organisation).where(Organisation.slug == slug)
    ).scalar_one_or_none()


def _check_unique(values: dict[str, Any], current: Organisation | None) -> None:
    for field in ("name", "slug"):
        if field not in values:
            continue
        query = select(Organisation.id).where(
            func.lower(getattr(Organisation, field)) == values[field].lower()
        )
        if current is not None:
            query = query.where(Organisation.id != current.id)
        if db.session.execute(query).first():
            raise ServiceError(_("Another organisation already has this name.") if field == "name"
                               else _("Another organisation already has this slug."), field)


_TAKEN = _l("Another organisation already has this name or web address.")


def _clean(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in values.items() if k in ORG_FIELDS}
    for key in ("name", "short_name", "website", "description", "slug"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = cleaned[key].strip()
    if "short_name" in cleaned and not cleaned["short_name"]:
        cleaned["short_name"] = None
    if "website" in cleaned and not cleaned["website"]:
        cleaned["website"] = None
    if "kind" in cleaned and cleaned["kind"] not in ORG_KINDS:
        raise ServiceError(_("Choose member NGO or observer."), "kind")
    if "slug" in cleaned and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", cleaned["slug"] or ""):
        raise ServiceError(_("Use lower-case letters, digits and hyphens only."), "slug")
    return cleaned


def create_organisation(actor: Any, **values: Any) -> Organisation:
    values = dict(values)
    if not values.get("slug"):
        values["slug"] = slugify(values.get("short_name") or values["name"])
    cleaned = _clean(values)
    _check_unique(cleaned, None)
    org = Organisation(**{"kind": "member", "is_steering": False, "active": True,
                          "description": "", **cleaned})
    with unique_or_refuse(_TAKEN, "name"):  # created twice at once: one wins
        db.session.add(org)
    record(actor, "organisation.create", org, snapshot(org, ORG_FIELDS))
    return org


def update_organisation(actor: Any, org: Organisation, **values: Any) -> dict[str, list[Any]]:
    cleaned = _clean(values)
    _check_unique(cleaned, org)
    with unique_or_refuse(_TAKEN, "name"):
        changes = diff(org, cleaned)
    if changes:
        record(actor, "organisation.update", org, changes)
    return changes


def _keeps_an_admin(membership: Membership) -> Any:
    """SQL condition for changing or removing `membership`: it is not an org admin, or another
    org admin of its organisation remains. Part of the UPDATE/DELETE itself, so the check and
    the change are one statement (atomic on SQLite)."""
    other = aliased(Membership)
    others = select(func.count(other.id)).where(
        other.organisation_id == membership.organisation_id, other.role == "org_admin",
        other.id != membership.id).scalar_subquery()
    return or_(Membership.role != "org_admin", others > 0)


def _lock_members_of(org: Organisation) -> None:
    """Role changes in one organisation happen one at a time (PostgreSQL row lock on the
    organisation until the transaction ends): two admins demoting each other at once must
    not leave it with none, and the second must see the first's change."""
    lock_rows(select(Organisation.id).where(Organisation.id == org.id))


def _current(membership: Membership) -> None:
    """Re-read the membership after the lock: it may have changed or gone meanwhile."""
    try:
        db.session.refresh(membership)
    except InvalidRequestError as exc:  # deleted by a request that held the lock first
        raise ServiceError(_("This person is no longer a member of the organisation.")) from exc


def _last_admin(org: Organisation, field: str | None = None) -> ServiceError:
    return ServiceError(
        _l("%(organisation)s needs at least one organisation admin: make someone else admin "
           "first.", organisation=org.name),
        field)


def add_member(actor: Any, org: Organisation, user: Any, role: str) -> Membership:
    if role not in MEMBER_ROLES:
        raise ServiceError(_("Unknown role."), "role")
    message = _l("%(email)s is already a member of %(organisation)s.", email=user.email,
                 organisation=org.name)
    if user.membership_in(org) is not None:
        raise ServiceError(message, "email")
    # Added twice at once (two invitations, a double submit): the unique (user, organisation)
    # constraint decides; the second gets the message.
    with unique_or_refuse(message, "email"):
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
    record(actor, "membership.create", org,
           {"member": [None, user.email], "role": [None, role]})
    return membership


def change_role(actor: Any, membership: Membership, role: str) -> None:
    """Give a member another role; an organisation always keeps at least one org admin."""
    if role not in MEMBER_ROLES:
        raise ServiceError(_("Unknown role."), "role")
    org = membership.organisation
    _lock_members_of(org)
    _current(membership)
    if membership.role == role:
        return
    before = membership.role
    done = db.session.execute(
        update(Membership).where(Membership.id == membership.id, _keeps_an_admin(membership))
        .values(role=role).execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise _last_admin(org, "role")
    membership.role = role
    record(actor, "membership.update", org,
           {"member": [membership.user.email, membership.user.email], "role": [before, role]})


def remove_member(actor: Any, membership: Membership) -> None:
    """Remove a member; never the organisation's last org admin."""
    org = membership.organisation
    _lock_members_of(org)
    _current(membership)
    # The check as a write (it changes nothing) takes SQLite's write lock with the check; the
    # ORM then deletes the row, keeping its collections in step.
    still_allowed = db.session.execute(
        update(Membership).where(Membership.id == membership.id, _keeps_an_admin(membership))
        .values(role=Membership.role).execution_options(synchronize_session=False)).rowcount
    if still_allowed != 1:
        raise _last_admin(org)
    record(actor, "membership.delete", org,
           {"member": [membership.user.email, None], "role": [membership.role, None]})
    db.session.delete(membership)


def directory_query(q: str = "", kind: str = "", steering: bool = False,
                    include_inactive: bool = False) -> Select:
    query = select(Organisation)
    if not include_inactive:
        query = query.where(Organisation.active.is_(True))
    if q:
        like = f"%{q.strip().lower()}%"
        query = query.where(or_(func.lower(Organisation.name).like(like),
                                func.lower(Organisation.short_name).like(like),
                                func.lower(Organisation.description).like(like)))
    if kind in ORG_KINDS:
        query = query.where(Organisation.kind == kind)
    if steering:
        query = query.where(Organisation.is_steering.is_(True))
    return query.order_by(Organisation.is_steering.desc(), Organisation.name)


def member_counts() -> dict[int, int]:
    rows = db.session.execute(
        select(Membership.organisation_id, func.count(Membership.id))
        .group_by(Membership.organisation_id)
    )
    return {org_id: count for org_id, count in rows}


def members_of(org: Organisation) -> list[Membership]:
    from coalition.accounts.models import User

    return list(db.session.execute(
        select(Membership).join(User).where(Membership.organisation_id == org.id)
        .order_by(User.display_name)
    ).scalars())


def all_organisations() -> list[Organisation]:
    return list(db.session.execute(select(Organisation).order_by(Organisation.name)).scalars())
