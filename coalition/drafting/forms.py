"""The drafting forms: the editor (without "Saving for", which only statements offer) and a
comment. Shared by statements and submissions."""

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from coalition.core.forms import Form, IntegerField
from coalition.drafting.models import MAX_TEXT_CHARS


class TextForm(Form):
    """The editor: the revision it started from, the text, what changed."""

    base_number = IntegerField(_l("Base revision"), validators=[InputRequired()])
    text = TextAreaField(_l("Text (Markdown)"), validators=[Length(max=MAX_TEXT_CHARS)])
    summary = StringField(_l("What did you change?"), validators=[Optional(), Length(max=300)])


class CommentForm(Form):
    quote = TextAreaField(_l("Passage you comment on (optional, copied from the text)"),
                          validators=[Optional(), Length(max=2000)])
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=20_000)])
    parent_id = HiddenField()
