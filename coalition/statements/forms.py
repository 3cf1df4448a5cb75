"""Statement forms."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from coalition.core.forms import Form, MultiCheckboxField, choices
from coalition.core.inputs import db_int
from coalition.drafting.forms import CommentForm, TextForm  # noqa: F401  (shared)
from coalition.statements.models import LANGUAGES, MAX_TEXT_CHARS, STATEMENT_KINDS


class StatementForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    occasion = StringField(_l("Occasion"), validators=[Optional(), Length(max=300)],
                           description=_l("For example: HRC 40th session, item 6, adoption "
                                          "of China's UPR outcome."))
    kind = SelectField(_l("Kind"), choices=choices(STATEMENT_KINDS))
    language = SelectField(_l("Language"), choices=choices(LANGUAGES))
    lead = SelectField(_l("Lead organisation"), coerce=db_int)
    co_drafters = MultiCheckboxField(_l("Co-drafting organisations"), coerce=db_int,
                                     validators=[Optional()],
                                     description=_l("They edit the text with the lead "
                                                    "organisation."))
    text = TextAreaField(_l("First draft (Markdown)"),
                         validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
                         render_kw={"rows": 18})


class DetailsForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    occasion = StringField(_l("Occasion"), validators=[Optional(), Length(max=300)])
    kind = SelectField(_l("Kind"), choices=choices(STATEMENT_KINDS))
    language = SelectField(_l("Language"), choices=choices(LANGUAGES))


class DraftersForm(Form):
    co_drafters = MultiCheckboxField(_l("Co-drafting organisations"), coerce=db_int,
                                     validators=[Optional()])


class EditForm(TextForm):
    """The statement editor: the shared one, with "Saving for" (the organisation credited)."""

    organisation = SelectField(_l("Saving for"), coerce=db_int)


class SignForm(Form):
    organisation = SelectField(_l("Organisation"), coerce=db_int)


class OpenSignOnForm(Form):
    deadline = DateTimeLocalField(_l("Sign-on deadline (UTC)"), format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])


class ReopenForm(Form):
    note = TextAreaField(_l("What is being corrected?"), validators=[DataRequired(),
                                                                  Length(max=2000)])
