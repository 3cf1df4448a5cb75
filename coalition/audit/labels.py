"""What the audit log shows a person instead of code names (issue 9 §3 item 12).

An audit event stores its action as a code name (`statement.open_signon`), the type of the
object it concerns (`statement`) and its changes as `{field: [before, after]}` with stored
values (`{"locale": ["en", "zh_Hant"]}`). The log and the history pages show, in the reader's
language: the action's label ("Opened for sign-on"), the object type's label ("Statement"), the
field's label ("Language") and, for fields whose values are codes, the codes' labels
("English → 繁體中文"). A name missing from a table is shown as it is stored, so an event
recorded by older code still shows something; tests/test_i18n_accounts.py checks that every
action the code records has a label.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from coalition.accounts.models import COALITION_ROLES
from coalition.api.models import TOKEN_SCOPES
from coalition.core.files import size_label
from coalition.followup.models import PLAN_STATUSES, PRIORITIES
from coalition.i18n import LOCALES, date_local, datetime_local
from coalition.impact.models import LINK_STATES
from coalition.organisations.models import MEMBER_ROLE_LABELS, ORG_KINDS
from coalition.recommendations.models import (
    ASSESSMENT_VISIBILITIES,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
)
from coalition.statements.models import AUDIENCES, STATEMENT_STATUSES
from coalition.submissions.models import (
    PARTICIPATION_STATES,
    SUBMISSION_FILE_KINDS,
    SUBMISSION_KINDS,
    SUBMISSION_STATUSES,
    SUBMISSION_VISIBILITIES,
)

# Every action name passed to coalition.audit.record() (and through accounts'
# set_password(), and statements' transition() as `statement.<transition>`).
ACTION_LABELS: dict[str, Any] = {
    # accounts
    "user.create": _l("Account created"),
    "user.update": _l("Account changed"),
    "user.update_profile": _l("Profile changed"),
    "user.change_password": _l("Password changed"),
    "user.reset_password": _l("Password reset with a link"),
    "user.reset_link": _l("Password reset link made"),
    "user.end_session": _l("Signed out of another device"),
    "api_token.create": _l("API token made"),
    "api_token.revoke": _l("API token revoked"),
    "invitation.create": _l("Invitation sent"),
    "invitation.accept": _l("Invitation accepted"),
    "invitation.revoke": _l("Invitation withdrawn"),
    "invitation.new_link": _l("Invitation link made anew"),
    # organisations
    "organisation.create": _l("Organisation added"),
    "organisation.update": _l("Organisation changed"),
    "membership.create": _l("Member added"),
    "membership.update": _l("Member's role changed"),
    "membership.delete": _l("Member removed"),
    # reviews, recommendations and imports
    "review.create": _l("Review added"),
    "review.update": _l("Review changed"),
    "recommendation.update": _l("Recommendation changed"),
    "recommendations.import": _l("Recommendations imported"),
    "response.create": _l("State's response recorded"),
    "assessment.create": _l("Assessment recorded"),
    "assessment.visibility": _l("Who may read an assessment changed"),
    "import.upload": _l("Import file uploaded"),
    "saved_view.create": _l("Tracker view saved"),
    "saved_view.update": _l("Saved tracker view changed"),
    "saved_view.delete": _l("Saved tracker view deleted"),
    "import.retry": _l("Import retried"),
    "import.skip_errors": _l("Import continued without the rows with problems"),
    # --- positions (issue 11)
    "position.adopt": _l("Coalition position adopted"),
    # statements
    "statement.create": _l("Statement created"),
    "statement.update": _l("Statement settings changed"),
    "statement.save": _l("Statement text saved"),
    "statement.conflict": _l("Editing conflict"),
    "statement.submit": _l("Sent to the steering committee for review"),
    "statement.back_to_draft": _l("Returned to draft"),
    "statement.open_signon": _l("Opened for sign-on"),
    "statement.publish": _l("Published"),
    "statement.withdraw": _l("Statement withdrawn"),
    "statement.reopen": _l("Reopened for a correction"),
    "statement.sign": _l("Signed"),
    "statement.reconfirm": _l("Signature confirmed for the new revision"),
    "statement.withdraw_signature": _l("Signature withdrawn"),
    "statement.comment": _l("Comment added"),
    # notify (issue 11)
    "notifications.settings": _l("Notification settings changed"),
    "statement.remove_comment": _l("Comment removed"),
    "statement.resolve_comment": _l("Comment resolved"),
    # followup (issue 11)
    "followup.create": _l("Follow-up assigned"),
    "followup.assign": _l("Follow-up reassigned"),
    "followup.update": _l("Follow-up plan updated"),
    "followup.add_action": _l("Advocacy action logged"),
    "followup.edit_action": _l("Advocacy action changed"),
    "followup.add_evidence": _l("Evidence file attached"),
    # submissions (issue 12)
    "submission.create": _l("Submission created"),
    "submission.update": _l("Submission details changed"),
    "submission.confirm": _l("Participation confirmed"),
    "submission.decline": _l("Participation declined"),
    "submission.submitted": _l("Sent to OHCHR"),
    "submission.published": _l("Published by OHCHR"),
    "submission.draft": _l("Returned to draft"),
    # asks (issue 12)
    "ask.create": _l("Ask added"),
    "ask.paste": _l("Asks added from a list"),
    "ask.update": _l("Ask changed"),
    "ask.delete": _l("Ask removed"),
    "ask.reorder": _l("Ask moved"),
    "ask.propose": _l("Links to recommendations proposed"),
    "ask.link_confirm": _l("Link to a recommendation confirmed"),
    "ask.link_reject": _l("Link to a recommendation rejected"),
    "ask.link_manual": _l("Ask linked to a recommendation by hand"),
    "submission.add_file": _l("File uploaded"),
    "submission.remove_file": _l("File removed"),
    # its text (issue 12, item 2: coalition.submissions.services.DRAFTING_ACTIONS)
    "submission.save": _l("Submission text saved"),
    "submission.conflict": _l("Editing conflict"),
    "submission.comment": _l("Comment added"),
    "submission.remove_comment": _l("Comment removed"),
    "submission.resolve_comment": _l("Comment resolved"),
}

OBJECT_TYPE_LABELS: dict[str, Any] = {
    "user": _l("Account"),
    "organisation": _l("Organisation"),
    "membership": _l("Membership"),
    "invitation": _l("Invitation"),
    "review": _l("Review"),
    "recommendation": _l("Recommendation"),
    "import_job": _l("Import"),
    "saved_view": _l("Saved tracker view"),
    "statement": _l("Statement"),
    "api_token": _l("API token"),
    "followup_plan": _l("Follow-up plan"),  # followup (issue 11)
    "submission": _l("Stakeholder submission"),  # submissions (issue 12)
}

FIELD_LABELS: dict[str, Any] = {
    "assessment": _l("Assessment"),
    "assessed_on": _l("Assessed on"),
    "adopted_on": _l("Adopted on"),  # positions (issue 11)
    "visibility": _l("Visible to"),
    "query": _l("Filter"),
    "shared_with": _l("Shared with"),
    # accounts and organisations
    "email": _l("Email"),
    "display_name": _l("Name"),
    "coalition_role": _l("Coalition role"),
    "active": _l("Active"),
    "locale": _l("Language"),
    "password_hash": _l("Password"),
    "sessions_ended": _l("Sessions ended"),
    "scope": _l("Allows"),
    "expires_at": _l("Expires"),
    "revoked_at": _l("Revoked"),
    "invited": _l("Invited"),
    "member": _l("Member"),
    "role": _l("Role"),
    "name": lazy_pgettext("organisation", "Name"),
    "short_name": _l("Short name"),
    "slug": _l("Address name (slug)"),
    "kind": _l("Kind"),
    "is_steering": _l("Steering-committee member"),
    "website": _l("Website"),
    "description": _l("Description"),
    # recommendations, imports, statements
    "status": _l("Status"),
    "title": _l("Title"),
    "occasion": _l("Occasion"),
    "language": _l("Language"),
    "cycle": _l("Cycle"),
    "session": _l("Session"),
    "review_date": _l("Review date"),
    "report_symbol": _l("Report symbol"),
    "responses_symbol": _l("Responses symbol"),
    "midterm_due": _l("Mid-term report due"),
    "submission_deadline": _l("Deadline for stakeholder submissions"),
    "presession_date": _l("Pre-session"),
    "adoption_date": _l("Adoption of the outcome"),
    "hrc_session": _l("Human Rights Council session"),
    "themes": _l("Themes"),
    "sdgs": _l("SDGs"),
    "affected_persons": _l("Affected persons"),
    "file": _l("File"),
    "file_kind": _l("Kind of file"),
    "size": _l("Size"),
    "sha256": _l("SHA-256"),
    "revision": _l("Revision"),
    "position": _l("Position"),
    "response": _l("Response"),
    "territories": _l("Territories"),
    "organisation": _l("Organisation"),
    "state": _l("State"),
    "merged_with": _l("Merged with"),
    "text": _l("Text"),
    "comment": _l("Comment"),
    "quote": _l("Quoted passage"),
    "co_drafters": _l("Co-drafters"),
    "audience": _l("Shown to"),
    "signon_deadline": _l("Sign-on deadline"),
    "published_number": _l("Published revision"),
    "correction": _l("Correction"),
    "correction_note": _l("Correction note"),
    # followup (issue 11)
    "lead": _l("Lead organisation"),
    "supporting": _l("Supporting organisations"),
    "priority": _l("Priority"),
    "due_on": _l("Due date"),
    "notes": _l("Notes"),
    "action.kind": _l("Kind of action"),
    "action.owner_organisation_id": _l("Organisation of the action"),
    "action.owner_id": _l("Person responsible"),
    "action.due_on": _l("Action due date"),
    "action.done_on": _l("Done on"),
    "action.outcome": _l("Outcome"),
    "action.links": _l("Links"),
    # submissions (issue 12)
    "review": _l("Review"),
    "co_submitters": _l("Co-submitting organisations"),
    "participation": _l("Participation"),
    "ohchr_reference": _l("OHCHR reference"),
    "submitted_on": _l("Sent to OHCHR on"),
    "published_on": _l("Published by OHCHR on"),
    # asks (issue 12)
    "ask": _l("Ask"),
    "asks": _l("Asks"),
    "proposed": _l("Links proposed"),
    "link": _l("Link"),
    "word_count": _l("Word count"),  # ohchr (issue 12, item 2)
    "override_reason": _l("Reason for sending it over the word limit"),
}


def _yes_no(value: Any) -> str:
    return _("Yes") if value else _("No")


def _from(*tables: Mapping[str, Any]) -> Callable[[Any], str]:
    """The label of a code in the first table that has it (the tables' codes do not overlap:
    a statement's status is never an assessment's); an unknown code as stored."""
    def show(value: Any) -> str:
        for table in tables:
            if value in table:
                return str(table[value])
        return str(value)
    return show


# Fields whose stored values are codes, and how to show a value of each.
VALUE_LABELS: dict[str, Callable[[Any], str]] = {
    "locale": _from(LOCALES),
    "coalition_role": _from(COALITION_ROLES),
    "role": _from(MEMBER_ROLE_LABELS),
    "kind": _from(ORG_KINDS, SUBMISSION_KINDS),
    "status": _from(STATEMENT_STATUSES, IMPLEMENTATION_STATUSES, PLAN_STATUSES,
                    SUBMISSION_STATUSES),
    "priority": _from(PRIORITIES),  # followup (issue 11)
    "participation": _from(PARTICIPATION_STATES),  # submissions (issue 12)
    "link": _from(LINK_STATES),  # asks (issue 12)
    "file_kind": _from(SUBMISSION_FILE_KINDS),  # submission files (issue 12)
    "size": lambda value: size_label(int(value)) if str(value).isdigit() else str(value),
    "position": _from(POSITIONS),
    "audience": _from(AUDIENCES),
    "visibility": _from(ASSESSMENT_VISIBILITIES, SUBMISSION_VISIBILITIES),
    "scope": _from(TOKEN_SCOPES),
    "active": _yes_no,
    "is_steering": _yes_no,
}
# Fields whose values are ISO dates or times (stored by audit.services._jsonable).
DATE_FIELDS = frozenset({"signon_deadline", "review_date", "midterm_due", "submission_deadline",
                         "presession_date", "adoption_date",
                         "submitted_on", "published_on", "expires_at",
                         "published_at", "assessed_on", "responded_on", "revoked_at",
                         "due_on", "action.due_on", "action.done_on",
                         "adopted_on"})
# What the secret fields' stored placeholders say.
PLACEHOLDERS = {"(hidden)": _l("(hidden)"), "(changed)": _l("(changed)")}


def _date_value(value: str) -> str:
    """An ISO date ('2026-12-07') or time ('2026-12-07T09:00:00+00:00') written the reader's
    way; anything else as stored."""
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    if len(value) <= len("2026-12-07"):
        return date_local(moment.date())
    return datetime_local(moment)


def action_label(action: str) -> str:
    """The label of an action code name ('statement.open_signon' -> 'Opened for sign-on'),
    in this request's language; an unknown name is returned unchanged."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def object_type_label(object_type: str) -> str:
    """The label of an audited object's type ('statement' -> 'Statement'); unknown: as is."""
    label = OBJECT_TYPE_LABELS.get(object_type)
    return str(label) if label is not None else object_type


# Where one kind of object names a field or its codes as its own page does (a submission's
# "visibility" is "Who may read it: Its organisations only"; an assessment's "Visible to: Own
# organisation only"): (object type, field) -> label / how to show a value.
TYPED_FIELD_LABELS: dict[tuple[str, str], Any] = {
    ("submission", "visibility"): _l("Who may read it"),
}
TYPED_VALUE_LABELS: dict[tuple[str, str], Callable[[Any], str]] = {
    ("submission", "visibility"): _from(SUBMISSION_VISIBILITIES),
}


def field_label(field: str, object_type: str | None = None) -> str:
    """The label of a changed field ('locale' -> 'Language'), as the object's own page names it
    when it differs (TYPED_FIELD_LABELS); unknown: as is."""
    label = TYPED_FIELD_LABELS.get((object_type or "", field)) or FIELD_LABELS.get(field)
    return str(label) if label is not None else field


def change_value(field: str, value: Any, object_type: str | None = None) -> str:
    """One side of a change as a reader sees it: None is '—', code values get their label
    ('zh_Hant' -> '繁體中文', 'org_admin' -> 'Organisation admin', True -> 'Yes'), dates and
    times are written the reader's way, the secret placeholders are translated, anything else
    is shown as stored."""
    if value is None:
        return "—"
    if isinstance(value, str) and value in PLACEHOLDERS:
        return str(PLACEHOLDERS[value])
    if field in DATE_FIELDS and isinstance(value, str):
        return _date_value(value)
    show = TYPED_VALUE_LABELS.get((object_type or "", field)) or VALUE_LABELS.get(field)
    if show is not None and isinstance(value, str | bool | int):
        return show(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)

