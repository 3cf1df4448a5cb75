"""The one authorization policy.

Every view names an action and the object it acts on; `can()` alone decides. The rules follow
the access table of DESIGN.md. An unknown action is a programming error and refuses access.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, has_app_context
from flask_login import current_user

from coalition.extensions import login_manager
from coalition.organisations.models import MEMBER_ROLES, Organisation

Rule = Callable[[Any, Any], bool]


def _signed_in(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_coordinator(user: Any) -> bool:
    return _signed_in(user) and user.coalition_role == "coordinator"


def is_researcher(user: Any) -> bool:
    return _signed_in(user) and user.coalition_role == "researcher"


def role_in(user: Any, organisation: Organisation | None) -> str | None:
    """The user's role in an active organisation, or None."""
    if not _signed_in(user) or organisation is None or not organisation.active:
        return None
    membership = user.membership_in(organisation)
    return membership.role if membership else None


def has_role(user: Any, organisation: Organisation | None, least: str) -> bool:
    role = role_in(user, organisation)
    return role is not None and MEMBER_ROLES.index(role) >= MEMBER_ROLES.index(least)


def is_coalition_member(user: Any) -> bool:
    """Belongs to at least one active organisation: may read coalition-internal data."""
    return _signed_in(user) and any(m.organisation.active for m in user.memberships)


def is_steering_member(user: Any) -> bool:
    return _signed_in(user) and any(
        m.organisation.active and m.organisation.is_steering for m in user.memberships
    )


def _in_coalition(user: Any, _obj: Any = None) -> bool:
    return is_coordinator(user) or is_researcher(user) or is_coalition_member(user)


def _view_organisation(user: Any, org: Organisation) -> bool:
    if is_coordinator(user):
        return True
    if org is None or not org.active:
        return False
    return _in_coalition(user)


def _view_members(user: Any, org: Organisation) -> bool:
    # Who works where is coalition-internal: members see it, researchers do not.
    return is_coordinator(user) or (org is not None and org.active and is_coalition_member(user))


def _manage_members(user: Any, org: Organisation) -> bool:
    return is_coordinator(user) or has_role(user, org, "org_admin")


def _self_or_coordinator(user: Any, other: Any) -> bool:
    return is_coordinator(user) or (_signed_in(user) and other is not None and user.id == other.id)


def _manage_tracker(user: Any, _obj: Any = None) -> bool:
    # Reviews, recommendations, imports and the State's responses: the steering committee.
    return is_coordinator(user) or is_steering_member(user)


def _assess(user: Any, obj: Any) -> bool:
    """Record an assessment: on behalf of an organisation, as its editor; of a recommendation
    (no organisation chosen yet), as the editor of at least one organisation."""
    if is_coordinator(user):
        return True
    if isinstance(obj, Organisation):
        return has_role(user, obj, "editor")
    return _signed_in(user) and any(
        m.organisation.active and MEMBER_ROLES.index(m.role) >= MEMBER_ROLES.index("editor")
        for m in user.memberships)


def _view_import(user: Any, job: Any) -> bool:
    return _manage_tracker(user) and (is_coordinator(user) or job is None
                                      or job.created_by_id == user.id)


def _drafts(user: Any, statement: Any, least: str = "viewer") -> bool:
    return any(has_role(user, org, least) for org in statement.drafting_organisations)


def _view_statement(user: Any, statement: Any) -> bool:
    # A draft belongs to its drafters (and the steering committee that reviews it); from review
    # on, every member organisation reads it, to decide whether to sign.
    if is_coordinator(user) or is_steering_member(user):
        return True
    if statement is None:
        return is_coalition_member(user)
    if statement.status == "draft":
        return _drafts(user, statement)
    return is_coalition_member(user)


def _edit_statement(user: Any, statement: Any) -> bool:
    if is_coordinator(user) or is_steering_member(user):
        return True
    return statement is not None and _drafts(user, statement, "editor")


def _sign_for(user: Any, org: Any) -> bool:
    return is_coordinator(user) or (isinstance(org, Organisation)
                                    and has_role(user, org, "org_admin"))


def _signs_for_someone(user: Any, _obj: Any = None) -> bool:
    return is_coordinator(user) or any(
        m.organisation.active and m.role == "org_admin" for m in user.memberships)


def _remove_comment(user: Any, comment: Any) -> bool:
    # Its author, while they may still read the statement, takes a comment back; the
    # coordinator moderates every thread (DESIGN.md gives moderation to no one else).
    if is_coordinator(user):
        return True
    return (comment is not None and _signed_in(user) and comment.author_id == user.id
            and _view_statement(user, comment.statement))


RULES: dict[str, Rule] = {
    "directory.view": _in_coalition,
    "organisation.view": _view_organisation,
    "organisation.view_members": _view_members,
    "organisation.create": lambda user, _obj: is_coordinator(user),
    "organisation.edit": lambda user, _obj: is_coordinator(user),
    "organisation.manage_members": _manage_members,
    "organisation.history": _manage_members,
    "user.manage": lambda user, _obj: is_coordinator(user),
    "user.history": _self_or_coordinator,
    "audit.view_log": lambda user, _obj: is_coordinator(user),
    "profile.edit": lambda user, _obj: _signed_in(user),
    # The recommendation tracker
    "tracker.view": _in_coalition,
    "tracker.manage": _manage_tracker,
    "tracker.import": _manage_tracker,
    "import.view": _view_import,
    "assessment.create": _assess,
    "recommendation.history": lambda user, _obj: is_coordinator(user) or is_coalition_member(
        user),
    # Joint statements
    "statement.view": _view_statement,
    "statement.create": lambda user, _obj: _assess(user, None),
    "statement.edit": _edit_statement,
    "statement.comment": _view_statement,
    "statement.manage": _manage_tracker,
    "statement.sign": _signs_for_someone,
    "statement.sign_for": _sign_for,
    "statement.remove_comment": _remove_comment,
}

# Actions that anonymous visitors may take when the coalition opens them to the public.
PUBLIC_WHEN_ENABLED = {"tracker.view": "PUBLIC_TRACKER"}


def can(user: Any, action: str, obj: Any = None) -> bool:
    """May `user` do `action` on `obj`? Inactive and anonymous users fail every rule."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no access rule for action {action!r}")
    setting = PUBLIC_WHEN_ENABLED.get(action)
    public_now = bool(setting and has_app_context() and current_app.config.get(setting))
    if not _signed_in(user):
        return public_now
    return public_now or bool(rule(user, obj))


def authorize(action: str, obj: Any = None) -> None:
    """Abort the request unless the current user may do `action` on `obj`."""
    if can(current_user, action, obj):
        return
    if not current_user.is_authenticated:
        # Anonymous visitors are sent to sign in and brought back afterwards.
        abort(login_manager.unauthorized())
    abort(403)


def guard(action: str, load: Callable[..., Any] | None = None) -> Callable:
    """View decorator: load the object (404), check `action` on it (403), then run the view.

    With `load`, the view receives the loaded object as its first argument.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if load is None:
                authorize(action)
                return view(*args, **kwargs)
            obj = load(**kwargs)
            authorize(action, obj)
            return view(obj, **kwargs)

        wrapped.access_action = action  # type: ignore[attr-defined]
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, deliberately (the url_map test checks for a mark)."""
    view.access_public = True  # type: ignore[attr-defined]
    return view
