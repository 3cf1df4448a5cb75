"""Saved views of the tracker (issue 10): a tracker filter saved under a name, private to its
owner or shared with one of the owner's organisations.

A view is a filter, never a page: its query is the tracker's query string reduced to the
filter parameters (`normalise_query`: TrackerFilters.from_args(...).args(), so no `page`, no
unknown parameter, the tracker's own order). Names are unique per owner (compared without
regard to case), 1 to NAME_MAX characters.

Every write records an audit event ("saved_view.create", "saved_view.update",
"saved_view.delete") in the same transaction; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, false, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict

from coalition.access import member_organisation_ids
from coalition.audit.services import record
from coalition.core.errors import ServiceError
from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations import tracker
from coalition.recommendations.models import SavedView

NAME_MAX = 120
# A view's query string is the tracker's filters: at most a few hundred characters in
# practice; anything longer than the tracker's own `back` limit is not a view of ours.
QUERY_MAX = tracker.BACK_MAX


def normalise_query(query: str | Mapping[str, Any] | MultiDict[str, str]) -> str:
    """The filter part of a tracker query string, as the tracker writes it: `"q=hong+kong&
    position=noted"`. `query` is a query string (with or without a leading "?") or the
    request's args. Parameters other than the tracker's filters (a page, anything unknown)
    are dropped, unknown values too (as the tracker ignores them). "" for no filter.

    Raises ServiceError (field "query") for a string too long or a number no database id can
    be (tracker.FilterError)."""
    if isinstance(query, str):
        text = query.removeprefix("?")
        if len(text) > QUERY_MAX:
            raise ServiceError(_("This filter is too long to save."), "query")
        args = MultiDict(parse_qsl(text, keep_blank_values=False))
    elif isinstance(query, MultiDict):
        args = query
    else:
        args = MultiDict(query)
    args = MultiDict([(k, v) for k, v in args.items(multi=True) if k in tracker.TRACKER_PARAMS])
    try:
        filters = tracker.TrackerFilters.from_args(args)
    except tracker.FilterError as error:
        raise ServiceError(str(error), "query") from error
    normalised = urlencode(filters.args(), doseq=True)
    if len(normalised) > QUERY_MAX:
        raise ServiceError(_("This filter is too long to save."), "query")
    return normalised


def shareable_organisations(user: Any) -> list[Organisation]:
    """The organisations `user` may share a view with: its active ones, by name."""
    ids = member_organisation_ids(user)
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(ids))
                                   .order_by(Organisation.name)))


def own_views(user: Any) -> list[SavedView]:
    """`user`'s own views, by name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(select(SavedView).where(SavedView.owner_id == user.id)
                                   .order_by(func.lower(SavedView.name), SavedView.id)))


def _visible(owner: Any, organisations: Any) -> Any:
    """The rule of the views a user may apply: its own (`owner`, a user id), and those shared
    with one of `organisations` (ids of the active organisations it belongs to, any role).
    Values or bind parameters."""
    return or_(SavedView.owner_id == owner, SavedView.organisation_id.in_(organisations))


def visible_query(user: Any) -> Select[tuple[SavedView]]:
    """SELECT of the views `user` may apply (`_visible`); none for an anonymous visitor. The
    one rule the tracker's list and the API's /saved-views both use."""
    if user is None or not getattr(user, "is_authenticated", False):
        return select(SavedView).where(false())
    return select(SavedView).where(_visible(user.id, member_organisation_ids(user)))


# list_visible's statement, built once (it is on every tracker page a member opens): building
# it and its cache key took 0.4 ms of a 10 ms page (bench/README.md, issue 10).
_LISTED: Select[tuple[SavedView]] = (
    select(SavedView)
    .where(_visible(bindparam("owner"), bindparam("organisations", expanding=True)))
    .options(joinedload(SavedView.organisation), joinedload(SavedView.owner))
    .order_by((SavedView.owner_id != bindparam("owner")), func.lower(SavedView.name),
              SavedView.id))


def list_visible(user: Any) -> list[SavedView]:
    """The views `user` may apply (visible_query): own views first, then shared ones; each by
    name. Anonymous: []."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(db.session.scalars(_LISTED, {"owner": user.id,
                                             "organisations": member_organisation_ids(user)}))


def _clean_name(name: str | None) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise ServiceError(_("Give the view a name."), "name")
    if len(cleaned) > NAME_MAX:
        raise ServiceError(_("A view's name is at most %(max)s characters.", max=NAME_MAX),
                           "name")
    return cleaned


def _check_organisation(owner: Any, organisation: Organisation | None) -> None:
    if organisation is not None and organisation.id not in member_organisation_ids(owner):
        raise ServiceError(_("You can share a view only with an organisation you belong to."),
                           "share_with")


def named(owner: Any, name: str) -> SavedView | None:
    """`owner`'s view of that name (compared without regard to case and spacing), or None."""
    cleaned = " ".join((name or "").split())
    return db.session.scalars(select(SavedView).where(
        SavedView.owner_id == owner.id,
        func.lower(SavedView.name) == cleaned.lower())).first()


def _flush_unique(view: SavedView) -> None:
    """Flush, turning a concurrent duplicate name into the same error as a checked one."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise ServiceError(_("You already have a view named “%(name)s”: choose another name.",
                             name=view.name), "name") from error


def save(actor: Any, name: str, query: str | Mapping[str, Any],
         organisation: Organisation | None = None, view: SavedView | None = None) -> SavedView:
    """Create a view of `actor`'s (`view` None), or change one of theirs: its name, its filter
    and with whom it is shared (`organisation` None: private).

    Raises ServiceError naming the field: "name" (empty, longer than NAME_MAX, or a name the
    actor already uses for another view), "query" (no filter at all, or unreadable),
    "share_with" (an organisation the actor is not an active member of), and PermissionError
    when `view` is someone else's (views check the rule "saved_view.edit" first)."""
    if view is not None and view.owner_id != actor.id:
        raise PermissionError("not the owner of this view")
    cleaned = _clean_name(name)
    normalised = normalise_query(query)
    if not {key for key, _value in parse_qsl(normalised)} - {"sort"}:
        raise ServiceError(_("Choose a search or at least one filter before saving a view."),
                           "query")
    org_id = organisation.id if organisation is not None else None
    if org_id != (view.organisation_id if view is not None else None):
        _check_organisation(actor, organisation)
    same = named(actor, cleaned)
    if same is not None and same is not view:
        raise ServiceError(_("You already have a view named “%(name)s”: choose another name.",
                             name=cleaned), "name")
    if view is None:
        view = SavedView(owner_id=actor.id, name=cleaned, query=normalised,
                         organisation_id=org_id)
        db.session.add(view)
        _flush_unique(view)
        record(actor, "saved_view.create", view, {
            "name": [None, cleaned], "query": [None, normalised],
            "shared_with": [None, organisation.name if organisation else None]},
            organisation=organisation)
        return view
    before_org = view.organisation
    changes: dict[str, list[Any]] = {}
    if view.name != cleaned:
        changes["name"] = [view.name, cleaned]
    if view.query != normalised:
        changes["query"] = [view.query, normalised]
    if view.organisation_id != org_id:
        changes["shared_with"] = [before_org.name if before_org else None,
                                  organisation.name if organisation else None]
    if not changes:
        return view
    view.name, view.query, view.organisation_id = cleaned, normalised, org_id
    view.organisation = organisation
    view.updated_at = utcnow()
    _flush_unique(view)
    record(actor, "saved_view.update", view, changes, organisation=organisation or before_org)
    return view


def share(actor: Any, view: SavedView, organisation: Organisation | None) -> SavedView:
    """Share `view` with `organisation` (one of the owner's active ones), or make it private
    (None). Raises ServiceError ("share_with") as `save`."""
    return save(actor, view.name, view.query, organisation, view=view)


def rename(actor: Any, view: SavedView, name: str) -> SavedView:
    """Rename `view`. Raises ServiceError ("name") as `save`."""
    return save(actor, name, view.query, view.organisation, view=view)


def delete(actor: Any, view: SavedView) -> None:
    """Delete `view` (its owner's act; PermissionError otherwise)."""
    if view.owner_id != actor.id:
        raise PermissionError("not the owner of this view")
    record(actor, "saved_view.delete", view, {
        "name": [view.name, None], "query": [view.query, None],
        "shared_with": [view.organisation.name if view.organisation else None, None]},
        organisation=view.organisation)
    db.session.delete(view)
    db.session.flush()


def as_dict(view: SavedView, viewer: Any = None) -> dict[str, Any]:
    """A view as the API gives it: `{"id", "name", "query", "shared_with": {"id", "name"} |
    None, "own": bool, "created_at", "updated_at"}` (ISO 8601 times, UTC)."""
    return {
        "id": view.id, "name": view.name, "query": view.query,
        "shared_with": ({"id": view.organisation.id, "name": view.organisation.name}
                        if view.organisation is not None else None),
        "own": bool(viewer is not None and getattr(viewer, "id", None) == view.owner_id),
        "created_at": view.created_at.isoformat(), "updated_at": view.updated_at.isoformat(),
    }
