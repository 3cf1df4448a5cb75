"""Follow-up forms (issue 11). Organisation and person choices are filled by the views; the
services check every value again (an inactive organisation, a forbidden status jump)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coalition.core.forms import Form, MultiCheckboxField, choices
from coalition.core.inputs import to_db_int
from coalition.followup.models import ACTION_KINDS, PLAN_STATUSES, PRIORITIES


def _int_or_none(value: object) -> int | None:
    """An id the database can hold, or None (the service then names the field)."""
    return to_db_int(value)


class AssignForm(Form):
    """Assign one recommendation, or many (bulk), to a lead organisation."""

    lead = SelectField(_l("Lead organisation"), coerce=_int_or_none, validate_choice=False,
                       validators=[DataRequired(_l("Choose the lead organisation."))])
    supporting = MultiCheckboxField(_l("Supporting organisations"), coerce=_int_or_none,
                                    validate_choice=False)
    priority = SelectField(_l("Priority"), choices=choices(PRIORITIES), default="medium")
    due_on = DateField(_l("Due date"), validators=[Optional()])
    # Bulk only: "1" once the confirmation page was shown.
    confirm = HiddenField()


class PlanUpdateForm(Form):
    status = SelectField(_l("Status"), choices=choices(PLAN_STATUSES), validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    notes = TextAreaField(_l("Notes (Markdown)"), validators=[Length(max=20_000)])


class ActionForm(Form):
    """An advocacy action; the evidence file is optional (more can be added later)."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Give the action a title.")),
                                                 Length(max=200)])
    kind = SelectField(_l("Kind"), choices=choices(ACTION_KINDS), validate_choice=False)
    owner_organisation = SelectField(_l("Organisation"), coerce=_int_or_none,
                                     validate_choice=False)
    owner = SelectField(_l("Person responsible"), coerce=_int_or_none, validate_choice=False)
    due_on = DateField(_l("Due date"), validators=[Optional()])
    done_on = DateField(_l("Done on"), validators=[Optional()])
    outcome = TextAreaField(_l("Outcome (Markdown)"), validators=[Length(max=20_000)])
    links = TextAreaField(_l("Links, one per line"), validators=[Length(max=20_000)],
                          description=_l("Web addresses starting with http:// or https://."))
    file = FileField(_l("Evidence file (optional)"),
                     description=_l("PDF, Word, Excel, OpenDocument text, PNG, JPEG or plain "
                                    "text, up to the size limit."))


class EvidenceForm(Form):
    file = FileField(_l("Evidence file"), description=_l(
        "PDF, Word, Excel, OpenDocument text, PNG, JPEG or plain text, up to the size limit."))
