"""Organisation and membership forms."""

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from coalition.core.forms import Form, choices
from coalition.organisations.models import MEMBER_ROLE_LABELS, ORG_KINDS

ROLE_CHOICES = choices(MEMBER_ROLE_LABELS)


class OrganisationForm(Form):
    name = StringField(lazy_pgettext("organisation", "Name"),
                       validators=[DataRequired(), Length(max=200)])
    short_name = StringField(_l("Short name"), validators=[Optional(), Length(max=50)])
    slug = StringField(_l("Address name (slug)"), validators=[Optional(), Length(max=80)],
                       description=_l("Used in the page address; made from the name if empty."))
    kind = SelectField(_l("Kind"), choices=choices(ORG_KINDS))
    is_steering = BooleanField(_l("Steering-committee member"))
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    active = BooleanField(_l("Active"), default=True)
    share_member_emails = BooleanField(
        _l("Show its members' e-mail addresses to every member of the coalition"),
        description=_l("Otherwise only its own members and the coordinator see them."))


class InviteForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="viewer")


class MemberRoleForm(Form):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
