"""Statement forms."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coalition.core.forms import IntegerField, MultiCheckboxField, choices
from coalition.core.inputs import db_int
from coalition.statements.models import LANGUAGES, MAX_TEXT_CHARS, STATEMENT_KINDS


class StatementForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    occasion = StringField("Occasion", validators=[Optional(), Length(max=300)],
                           description="For example: HRC 40th session, item 6, adoption of "
                                       "China's UPR outcome.")
    kind = SelectField("Kind", choices=choices(STATEMENT_KINDS))
    language = SelectField("Language", choices=choices(LANGUAGES))
    lead = SelectField("Lead organisation", coerce=db_int)
    co_drafters = MultiCheckboxField(_l("Co-drafting organisations"), coerce=db_int,
                                     validators=[Optional()],
                                     description=_l("They edit the text with the lead "
                                                    "organisation."))
    text = TextAreaField(_l("First draft (Markdown)"),
                         validators=[Optional(), Length(max=MAX_TEXT_CHARS)],
                         render_kw={"rows": 18})


class DetailsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=300)])
    occasion = StringField("Occasion", validators=[Optional(), Length(max=300)])
    kind = SelectField("Kind", choices=choices(STATEMENT_KINDS))
    language = SelectField("Language", choices=choices(LANGUAGES))


class DraftersForm(FlaskForm):
    co_drafters = MultiCheckboxField(_l("Co-drafting organisations"), coerce=db_int,
                                     validators=[Optional()])


class EditForm(FlaskForm):
    base_number = IntegerField("Base revision", validators=[InputRequired()])
    organisation = SelectField("Saving for", coerce=db_int)
    text = TextAreaField("Text (Markdown)", validators=[Length(max=MAX_TEXT_CHARS)])
    summary = StringField("What did you change?", validators=[Optional(), Length(max=300)])


class CommentForm(FlaskForm):
    quote = TextAreaField("Passage you comment on (optional, copied from the text)",
                          validators=[Optional(), Length(max=2000)])
    body = TextAreaField("Comment", validators=[DataRequired(), Length(max=20_000)])
    parent_id = HiddenField()


class SignForm(FlaskForm):
    organisation = SelectField("Organisation", coerce=db_int)


class OpenSignOnForm(FlaskForm):
    deadline = DateTimeLocalField("Sign-on deadline (UTC)", format="%Y-%m-%dT%H:%M",
                                  validators=[DataRequired()])


class ReopenForm(FlaskForm):
    note = TextAreaField("What is being corrected?", validators=[DataRequired(),
                                                                  Length(max=2000)])
