"""Sign-in, profile, invitations, password reset, and the coordinator's user pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from coalition import i18n
from coalition.access import guard, public
from coalition.accounts import services
from coalition.accounts.forms import (
    AcceptInvitationForm,
    ForgotPasswordForm,
    LoginForm,
    NewUserForm,
    PasswordForm,
    ProfileForm,
    ResetPasswordForm,
    UserForm,
)
from coalition.accounts.models import COALITION_ROLES, User
from coalition.audit.services import history_query
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error
from coalition.core.pagination import paginate
from coalition.core.safety import safe_next_url
from coalition.extensions import db

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = LoginForm(email=request.args.get("email", ""))
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data,
                                       request.remote_addr)
        if result.user is not None:
            # The language chosen with the switch before signing in (the sign-in page was
            # shown in it) stays: it becomes the profile's, audited like any change.
            chosen = i18n.signed_out_choice()
            if chosen is not None and chosen != result.user.locale:
                services.update_profile(result.user, result.user.display_name, chosen)
            services.start_session(result.user, bool(form.remember.data),
                                   request.user_agent.string, request.remote_addr)
            login_user(result.user, remember=form.remember.data)
            flash(_("Welcome, %(name)s.", name=result.user.display_name), "success")
            response = redirect(safe_next_url(request.args.get("next")) or url_for("core.home"))
            response.delete_cookie(i18n.CHOSEN_SIGNED_OUT)
            return response
        form.form_errors.append(result.error)
        if result.wait_seconds:
            status = 429
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    form = ActionForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            services.end_session(current_user)  # the cookies end on the server too
        logout_user()
        flash(_("You are signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/profile", methods=["GET", "POST"])
@guard("profile.edit")
def profile() -> str | Response | tuple[str, int]:
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        try:
            services.update_profile(current_user, form.display_name.data, form.locale.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Your profile is saved."), "success")
            # The device's language follows the profile's, so the two never disagree.
            return i18n.remember_locale(redirect(url_for("accounts.profile")), form.locale.data)
    status = 400 if form.errors or form.form_errors else 200
    return _profile_page(form, status)


def _profile_page(form: ProfileForm, status: int, error: str | None = None) -> tuple[str, int]:
    return render_template("accounts/profile.html", form=form,
                           password_form=PasswordForm(formdata=None),
                           sessions=services.active_sessions(current_user),
                           current_session=current_user.current_session,
                           action_form=ActionForm(formdata=None), error=error), status


@bp.route("/profile/sessions/<int:session_id>/end", methods=["POST"])
@guard("profile.edit")
def end_session(session_id: int) -> Response | tuple[str, int]:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.end_other_session(current_user, session_id)
    except ServiceError as error:
        return _profile_page(ProfileForm(obj=current_user, formdata=None), 400, error.message)
    flash(_("That session is signed out."), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/sessions/end-others", methods=["POST"])
@guard("profile.edit")
def end_other_sessions() -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    ended = services.end_other_sessions(current_user)
    flash(ngettext("Signed out everywhere else (%(num)d other session).",
                   "Signed out everywhere else (%(num)d other sessions).", ended), "success")
    return redirect(url_for("accounts.profile"))


@bp.route("/profile/password", methods=["GET", "POST"])
@guard("profile.edit")
def change_password() -> str | Response | tuple[str, int]:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data,
                                     form.new_password.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Your password is changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/password.html", form=form), status


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password() -> str | Response | tuple[str, int]:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if services.mail_configured():
            services.request_password_reset(
                form.email.data,
                lambda token: url_for("accounts.reset_password", token=token, _external=True))
            # The same answer whether or not the address has an account.
            flash(_("If an account uses that address, a link to reset its password is on its "
                  "way."), "info")
        else:
            flash(_("This coalition does not send email. Ask your coordinator for a password "
                  "reset link."), "info")
        return redirect(url_for("accounts.login"))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/forgot.html", form=form,
                           mail=services.mail_configured(),
                           contact=current_app.config.get("COALITION_CONTACT") or ""), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str) -> str | Response | tuple[str, int]:
    try:
        user = services.reset_user_from_token(token)
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.new_password.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Your password is set. Sign in with it now."), "success")
            return redirect(url_for("accounts.login", email=user.email))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/reset.html", form=form, user=user), status


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str) -> str | Response | tuple[str, int]:
    try:
        invitation = services.resolve_invitation(token)
    except ServiceError as error:
        return render_template("accounts/link_invalid.html", message=error.message), 400
    existing = services.get_by_email(invitation.email)
    form = ActionForm() if existing is not None else AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            data = {} if existing is not None else {
                "display_name": form.display_name.data, "password": form.new_password.data}
            user = services.accept_invitation(
                token, current_user if current_user.is_authenticated else None, **data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("You have joined %(organisation)s.", organisation=invitation.organisation.name),
                  "success")
            if existing is not None:
                return redirect(url_for("organisations.show", slug=invitation.organisation.slug))
            flash(_("Your account is ready: sign in with your new password."), "info")
            return redirect(url_for("accounts.login", email=user.email,
                                    next=url_for("organisations.show",
                                                 slug=invitation.organisation.slug)))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation,
                           existing=existing, token=token), status


# --- coordinator: users -----------------------------------------------------------------------

def _load_user(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users")
@guard("user.manage")
def users() -> str:
    q = request.args.get("q", "")
    role = request.args.get("role", "")
    active = request.args.get("active", "")
    page = paginate(services.users_query(q, role, active))
    return render_template("accounts/users.html", page=page, q=q, role=role, active=active,
                           roles=COALITION_ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@guard("user.manage")
def new_user() -> str | Response | tuple[str, int]:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = services.create_user(
                current_user, form.email.data, form.display_name.data,
                form.new_password.data or None, form.coalition_role.data,
                active=form.active.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Account created for %(email)s.", email=user.email), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/user_form.html", form=form, user=None), status


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@guard("user.manage", load=_load_user)
def edit_user(user: User, user_id: int) -> str | Response | tuple[str, int]:
    form = UserForm(obj=user)
    if form.validate_on_submit():
        try:
            services.update_user(current_user, user, email=form.email.data,
                                 display_name=form.display_name.data,
                                 coalition_role=form.coalition_role.data,
                                 active=form.active.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The account is saved."), "success")
            return redirect(url_for("accounts.edit_user", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    return render_template("accounts/user_form.html", form=form, user=user,
                           reset_form=ActionForm(formdata=None)), status


@bp.route("/users/<int:user_id>/reset-link", methods=["POST"])
@guard("user.manage", load=_load_user)
def user_reset_link(user: User, user_id: int) -> str | Response | tuple[str, int]:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    token = services.record_reset_link(current_user, user)
    link = url_for("accounts.reset_password", token=token, _external=True)
    if services.mail_configured():
        services.send_mail(user.email, _l("Set your Coalition password"),
                           "email/password_reset.txt", locale=user.locale, user=user, link=link)
        flash(_("A password link was emailed to %(email)s.", email=user.email), "success")
        return redirect(url_for("accounts.edit_user", user_id=user.id))
    return render_template("accounts/reset_link.html", user=user, link=link)


@bp.route("/users/<int:user_id>/history")
@guard("user.history", load=_load_user)
def user_history(user: User, user_id: int) -> str:
    page = paginate(history_query("user", user.id))
    return render_template("audit/history.html", page=page, subject=user.display_name,
                           back=url_for("accounts.profile") if user.id == current_user.id
                           else url_for("accounts.edit_user", user_id=user.id))
