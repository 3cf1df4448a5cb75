"""The form that makes a personal API token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from coalition.api.models import TOKEN_SCOPES
from coalition.core.forms import Form, choices


def _lifetime(raw: object) -> int:
    """`coerce` of the lifetime: a whole number of days (ValueError: "Not a valid choice")."""
    return int(str(raw))

class TokenForm(Form):
    name = StringField(_l("Token name"), validators=[
        DataRequired(_l("Give the token a name, to recognise it later.")), Length(max=80)],
        description=_l("What the token is for, e.g. \"Thesis data\" or \"Monthly report\"."))
    scope = SelectField(_l("Allows"), choices=choices(TOKEN_SCOPES), default="read",
                        description=_l("A read token only reads; a read and write token can "
                                       "also record assessments and responses as you."))
    lifetime = SelectField(_l("Expires after"), coerce=_lifetime, default=90, choices=choices({
        "7": _l("7 days"), "30": _l("30 days"), "90": _l("90 days"), "365": _l("1 year")}))
    # A random value per form shown: the same form sent twice (a reload of the answer, a
    # double click) makes one token, not two (see api.views.tokens).
    once = HiddenField()
