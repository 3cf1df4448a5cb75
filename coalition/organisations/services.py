"""What the coalition does with organisations and memberships. Every write is audited."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import Select, func, or_, select

from coalition.audit import diff, record
from coalition.audit.services import snapshot
from coalition.core.errors import ServiceError
from coalition.extensions import db
from coalition.organisations.models import MEMBER_ROLES, ORG_KINDS, Membership, Organisation

ORG_FIELDS = ["name", "short_name", "slug", "kind", "is_steering", "website", "description",
              "active"]


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
            raise ServiceError(f"Another organisation already has this {field}.", field)


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
        raise ServiceError("Choose member NGO or observer.", "kind")
    if "slug" in cleaned and not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", cleaned["slug"] or ""):
        raise ServiceError("Use lower-case letters, digits and hyphens only.", "slug")
    return cleaned


def create_organisation(actor: Any, **values: Any) -> Organisation:
    values = dict(values)
    if not values.get("slug"):
        values["slug"] = slugify(values.get("short_name") or values["name"])
    cleaned = _clean(values)
    _check_unique(cleaned, None)
    org = Organisation(**{"kind": "member", "is_steering": False, "active": True,
                          "description": "", **cleaned})
    db.session.add(org)
    record(actor, "organisation.create", org, snapshot(org, ORG_FIELDS))
    return org


def update_organisation(actor: Any, org: Organisation, **values: Any) -> dict[str, list[Any]]:
    cleaned = _clean(values)
    _check_unique(cleaned, org)
    changes = diff(org, cleaned)
    if changes:
        record(actor, "organisation.update", org, changes)
    return changes


def _admin_count(org: Organisation) -> int:
    return db.session.execute(
        select(func.count(Membership.id)).where(
            Membership.organisation_id == org.id, Membership.role == "org_admin"
        )
    ).scalar_one()


def add_member(actor: Any, org: Organisation, user: Any, role: str) -> Membership:
    if role not in MEMBER_ROLES:
        raise ServiceError("Unknown role.", "role")
    if user.membership_in(org) is not None:
        raise ServiceError(f"{user.email} is already a member of {org.name}.", "email")
    membership = Membership(user=user, organisation=org, role=role)
    db.session.add(membership)
    record(actor, "membership.create", org,
           {"member": [None, user.email], "role": [None, role]})
    return membership


def change_role(actor: Any, membership: Membership, role: str) -> None:
    if role not in MEMBER_ROLES:
        raise ServiceError("Unknown role.", "role")
    org = membership.organisation
    if membership.role == "org_admin" and role != "org_admin" and _admin_count(org) <= 1:
        raise ServiceError(
            f"{org.name} needs at least one organisation admin: make someone else admin first.",
            "role",
        )
    if membership.role == role:
        return
    before = membership.role
    membership.role = role
    record(actor, "membership.update", org,
           {"member": [membership.user.email, membership.user.email], "role": [before, role]})


def remove_member(actor: Any, membership: Membership) -> None:
    org = membership.organisation
    if membership.role == "org_admin" and _admin_count(org) <= 1:
        raise ServiceError(
            f"{org.name} needs at least one organisation admin: make someone else admin first."
        )
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
