"""Sign-in, profile, password, invitation and user-administration forms."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from coalition.accounts.models import COALITION_ROLES, LOCALES
from coalition.accounts.services import MIN_PASSWORD_LENGTH
from coalition.core.forms import Form, choices


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))


class ProfileForm(Form):
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=choices(LOCALES))


def _new_password(label: str | None = None) -> PasswordField:
    return PasswordField(label or _l("New password"),
                         validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
                         description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH))


def _confirm(target: str) -> PasswordField:
    return PasswordField(_l("Repeat the password"), validators=[
        DataRequired(), EqualTo(target, message=_l("The two passwords do not match."))])


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = _new_password()
    confirm = _confirm("new_password")


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class ResetPasswordForm(Form):
    new_password = _new_password()
    confirm = _confirm("new_password")


class AcceptInvitationForm(Form):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)])
    new_password = _new_password(_l("Choose a password"))
    confirm = _confirm("new_password")


class UserForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    coalition_role = SelectField(_l("Coalition role"), choices=choices(COALITION_ROLES),
                                 description=_l("Coordinator: the secretariat, with every right. "
                                                "Researcher: reads and exports tracker data."))
    active = BooleanField(_l("Active (may sign in)"), default=True)


class NewUserForm(UserForm):
    new_password = PasswordField(
        "Initial password", validators=[Length(max=200)],
        description=_l("Leave empty and send a password link instead."))
