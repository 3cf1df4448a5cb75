"""Submission forms (issue 12). Review, organisation and theme choices are filled by the views;
the services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from coalition.core.forms import Form, MultiCheckboxField, choices
from coalition.core.inputs import to_db_int
from coalition.submissions.models import (
    SUBMISSION_FILE_KINDS,
    SUBMISSION_KINDS,
    SUBMISSION_STATUSES,
    SUBMISSION_VISIBILITIES,
)


def _int_or_none(value: object) -> int | None:
    return to_db_int(value)


class SubmissionForm(FlaskForm):
    review = SelectField(_l("Review"), coerce=_int_or_none, validate_choice=False,
                         validators=[DataRequired(_l("Choose the review."))])
    title = StringField(_l("Title"), validators=[
        DataRequired(_l("Give the submission a title.")), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=choices(SUBMISSION_KINDS), validate_choice=False)
    lead = SelectField(_l("Lead organisation"), coerce=_int_or_none, validate_choice=False,
                       validators=[DataRequired(_l("Choose the lead organisation."))])
    co_submitters = MultiCheckboxField(
        _l("Co-submitting organisations"), coerce=_int_or_none, validate_choice=False,
        description=_l("Joint submissions only. Each organisation confirms or declines."))
    themes = SelectMultipleField(_l("Themes"), coerce=_int_or_none, validate_choice=False)
    visibility = SelectField(_l("Who may read it"), choices=choices(SUBMISSION_VISIBILITIES),
                             default="organisation", validate_choice=False)
    ohchr_reference = StringField(
        _l("OHCHR reference"), validators=[Optional(), Length(max=40)],
        description=_l("As in OHCHR's summary of stakeholders' submissions, e.g. JS3."))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"), choices=choices(SUBMISSION_STATUSES),
                         validate_choice=False)
    on = DateField(_l("On (date)"), validators=[Optional()],
                   description=_l("Leave empty for today."))
    # ohchr (issue 12, item 2): shown to steering members only (submissions/_override.html).
    override_reason = TextAreaField(
        _l("Reason for sending it over OHCHR's word limit"),
        validators=[Optional(), Length(max=500)],
        description=_l("Steering committee only: a text over the limit is sent only with a "
                       "reason, recorded in the history."))


class SubmissionFileForm(Form):
    """Upload a file of the submission (issue 12, item 3); checked by its content."""

    file = FileField(_l("File"), description=_l(
        "Word (.docx), PDF or OpenDocument text (.odt), up to the size limit."))
    kind = SelectField(_l("Kind of file"), choices=choices(SUBMISSION_FILE_KINDS),
                       default="final", validate_choice=False)
