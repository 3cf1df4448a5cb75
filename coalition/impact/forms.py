"""Forms for asks and their links (issue 12, item 4). Theme choices are filled by the views;
the services check every value again."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from coalition.core.forms import Form
from coalition.core.inputs import to_db_int
from coalition.impact.services import MAX_ASK_LENGTH


def _int_or_none(value: object) -> int | None:
    return to_db_int(value)


class AskForm(Form):
    # The length is checked by the service (a form error naming the field, the text kept).
    text = TextAreaField(_l("Ask"), description=_l(
        "What the State should do, as the submission words it."))
    themes = SelectMultipleField(_l("Themes"), coerce=_int_or_none, validate_choice=False,
                                 description=_l("Optional: the submission's themes count "
                                                "for an ask without its own."))


class PasteForm(Form):
    pasted = TextAreaField(_l("Paste a list of asks"), description=_l(
        "One ask per line, or one per paragraph with a blank line between them. Numbers and "
        "bullets at the start are taken off."))


class LinkForm(Form):
    reference = StringField(_l("Recommendation"), validators=[Optional(), Length(max=40)],
                            description=_l("Its paragraph number, e.g. 28.343."))


__all__ = ["MAX_ASK_LENGTH", "AskForm", "LinkForm", "PasteForm"]
