"""Tracker forms: import, responses, assessments, territories."""

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from coalition.core.forms import Form, choices
from coalition.core.inputs import db_int
from coalition.recommendations.models import (
    ASSESSMENT_VISIBILITIES,
    IMPLEMENTATION_STATUSES,
    POSITIONS,
    RESPONSE_KINDS,
    TERRITORY_LABELS,
)


def not_in_future(form: FlaskForm, field: DateField) -> None:
    if field.data and field.data > date.today():
        raise ValidationError(_l("The date cannot be in the future."))


class ImportForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to import."))],
                     description=_l("OHCHR's matrix of recommendations (.docx), a UPR Info "
                                    "database export (old or current, .csv or .xlsx), a "
                                    "Universal Human Rights Index export (.xlsx or .csv), or "
                                    "an export of this platform (.csv, .xlsx or data package "
                                    ".zip)."))
    review = SelectField(_l("Review"), validators=[Optional()],
                         description=_l("Required for an OHCHR matrix that does not name its "
                                        "review; a UPR Info export names its own."))
    new_review = StringField(
        _l("Not in the list: State code and cycle"), validators=[Optional(), Length(max=20)],
        description=_l("The State's three-letter code and the cycle, e.g. egy-2: the import "
                       "creates this review."))

    def validate_new_review(self, field: StringField) -> None:
        if field.data and self.review.data:
            raise ValidationError(_l("Choose a review from the list, or name a new one: not both."))


class ConfirmImportForm(Form):
    """The preview's confirmation; skip_errors "1" is the user's choice to import the good rows
    and skip the problem rows."""

    skip_errors = HiddenField(default="")


class ResponseForm(Form):
    kind = SelectField(_l("Kind of statement"), choices=choices(RESPONSE_KINDS))
    # InputRequired, not DataRequired: the latter would replace "Not a valid date value"
    # with "This field is required" for a malformed date.
    responded_on = DateField(_l("Date"), validators=[InputRequired(), not_in_future])
    position = SelectField(_l("Position"), choices=choices(POSITIONS))
    words = TextAreaField(_l("The State's words"), validators=[Optional(), Length(max=5000)])
    source = StringField(_l("Source document"), validators=[Optional(), Length(max=300)],
                         description=_l("A symbol or title, e.g. A/HRC/40/6/Add.1 or LegCo paper."))
    url = URLField(_l("Link"), validators=[Optional(), URL(), Length(max=500)])


class AssessmentForm(Form):
    organisation = SelectField(_l("On behalf of"), coerce=db_int)
    # No status is preselected: the user chooses one (issue 9, 3.7); the empty first choice is
    # refused with a message, and the rest of the form (evidence) comes back as typed.
    status = SelectField(
        _l("Implementation status"),
        choices=[SelectChoice("", _l("Choose a status…")), *choices(IMPLEMENTATION_STATUSES)],
        default="",
        validators=[DataRequired(_l("Choose the implementation status.")),
                    AnyOf(list(IMPLEMENTATION_STATUSES),
                          message=_l("Choose one of the statuses listed."))])
    assessed_on = DateField(_l("Assessed on"), validators=[InputRequired(), not_in_future],
                            default=date.today)
    evidence = TextAreaField(_l("Evidence (Markdown)"), validators=[Optional(), Length(max=50_000)])
    source_links = TextAreaField(_l("Source links, one per line"),
                                 validators=[Optional(), Length(max=5000)])
    visibility = SelectField(
        _l("Who may read it"), choices=choices(ASSESSMENT_VISIBILITIES), default="coalition",
        validators=[AnyOf(list(ASSESSMENT_VISIBILITIES),
                          message=_l("Choose who may read the assessment from the list."))],
        description=_l("Public assessments appear in exports, the API and the public tracker; "
                       "researchers see only those."))

    def validate_source_links(self, field: TextAreaField) -> None:
        for line in (field.data or "").splitlines():
            line = line.strip()
            if line and not line.startswith(("http://", "https://")):
                raise ValidationError(_("Not a web link: %(link)s", link=line[:80]))


class AssessmentVisibilityForm(Form):
    visibility = SelectField(
        _l("Who may read it"), choices=choices(ASSESSMENT_VISIBILITIES),
        validators=[AnyOf(list(ASSESSMENT_VISIBILITIES),
                          message=_l("Choose who may read the assessment from the list."))])


class TerritoryForm(Form):
    territories = SelectMultipleField(_l("Territories"),
                                      choices=choices(TERRITORY_LABELS))


class SavedViewForm(Form):
    """Save the tracker's current filter under a name (issue 10). `share_with`'s choices are
    set by the view: "" (private) and the user's organisations."""

    name = StringField(
        _l("Name of the view"),
        validators=[DataRequired(message=_l("Give the view a name.")),
                    Length(max=120, message=_l("A view's name is at most %(max)s characters."))],
        filters=[lambda value: " ".join(value.split()) if value else value])
    share_with = SelectField(_l("Share with"), choices=[], validate_choice=True)
    replace = BooleanField(_l("Replace the filter of my view of the same name"))


class SavedViewEditForm(Form):
    """Rename a saved view, share it or make it private (prefix "v<id>")."""

    name = StringField(
        _l("Name of the view"),
        validators=[DataRequired(message=_l("Give the view a name.")),
                    Length(max=120, message=_l("A view's name is at most %(max)s characters."))],
        filters=[lambda value: " ".join(value.split()) if value else value])
    share_with = SelectField(_l("Share with"), choices=[], validate_choice=True)
