"""Organisation directory and pages, membership management, invitations."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response

from coalition.access import can, guard
from coalition.accounts import services as accounts
from coalition.accounts.models import Invitation
from coalition.audit.services import history_query
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error
from coalition.core.pagination import paginate
from coalition.extensions import db
from coalition.organisations import services
from coalition.organisations.forms import InviteForm, MemberRoleForm, OrganisationForm
from coalition.organisations.models import (
    MEMBER_ROLE_LABELS,
    ORG_KINDS,
    Membership,
    Organisation,
)

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


def _load_org(slug: str, **_: object) -> Organisation:
    org = services.get_by_slug(slug)
    if org is None:
        abort(404)
    return org


def _membership_of(org: Organisation, membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id:
        abort(404)
    return membership


@bp.route("")
@guard("directory.view")
def directory() -> str:
    q = request.args.get("q", "")
    kind = request.args.get("kind", "")
    steering = request.args.get("steering") == "1"
    include_inactive = can(current_user, "organisation.create") and request.args.get(
        "inactive") == "1"
    page = paginate(services.directory_query(q, kind, steering, include_inactive))
    return render_template("organisations/directory.html", page=page, q=q, kind=kind,
                           steering=steering, include_inactive=include_inactive,
                           kinds=ORG_KINDS, counts=services.member_counts())


@bp.route("/new", methods=["GET", "POST"])
@guard("organisation.create")
def new() -> str | Response | tuple[str, int]:
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            org = services.create_organisation(current_user, **_org_values(form))
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("%(organisation)s is added to the coalition.", organisation=org.name),
                  "success")
            return redirect(url_for("organisations.show", slug=org.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("organisations/form.html", form=form, org=None), status


def _org_values(form: OrganisationForm) -> dict[str, object]:
    return {f: getattr(form, f).data for f in services.ORG_FIELDS}


@bp.route("/<slug>")
@guard("organisation.view", load=_load_org)
def show(org: Organisation, slug: str) -> str:
    members = services.members_of(org) if can(current_user, "organisation.view_members",
                                              org) else None
    manage = can(current_user, "organisation.manage_members", org)
    return render_template(
        "organisations/show.html", org=org, members=members, manage=manage,
        invitations=accounts.pending_invitations(org) if manage else [],
        role_form=MemberRoleForm(formdata=None), action_form=ActionForm(formdata=None),
    )


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@guard("organisation.edit", load=_load_org)
def edit(org: Organisation, slug: str) -> str | Response | tuple[str, int]:
    form = OrganisationForm(obj=org)
    if form.validate_on_submit():
        try:
            services.update_organisation(current_user, org, **_org_values(form))
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The organisation is saved."), "success")
            return redirect(url_for("organisations.show", slug=org.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("organisations/form.html", form=form, org=org), status


@bp.route("/<slug>/invite", methods=["GET", "POST"])
@guard("organisation.manage_members", load=_load_org)
def invite(org: Organisation, slug: str) -> str | Response | tuple[str, int]:
    form = InviteForm()
    if form.validate_on_submit():
        replaced = accounts.pending_invitation(org, form.email.data)
        try:
            invitation, token = accounts.create_invitation(current_user, org, form.email.data,
                                                           form.role.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            if replaced is not None:
                flash(_("This replaces the pending invitation of %(email)s as %(role)s: its "
                        "link no longer works.", email=replaced.email,
                        role=MEMBER_ROLE_LABELS[replaced.role]), "info")
            link = url_for("accounts.accept_invitation", token=token, _external=True)
            if accounts.mail_configured():
                accounts.send_mail(invitation.email,
                                   _l("Join %(organisation)s on Coalition",
                                      organisation=org.name),
                                   "email/invitation.txt", invitation=invitation, link=link,
                                   inviter=current_user)
                flash(_("An invitation was emailed to %(email)s.", email=invitation.email),
                      "success")
                return redirect(url_for("organisations.show", slug=org.slug))
            return render_template("organisations/invitation_link.html", org=org,
                                   invitation=invitation, link=link)
    status = 400 if request.method == "POST" else 200
    return render_template("organisations/invite.html", form=form, org=org), status


@bp.route("/<slug>/members/<int:membership_id>/role", methods=["POST"])
@guard("organisation.manage_members", load=_load_org)
def change_role(org: Organisation, slug: str, membership_id: int) -> Response | tuple[str, int]:
    membership = _membership_of(org, membership_id)
    form = MemberRoleForm()
    if form.validate_on_submit():
        try:
            services.change_role(current_user, membership, form.role.data)
        except ServiceError as error:
            return _refused(org, error.message)
        flash(_("%(name)s is now %(role)s.", name=membership.user.display_name,
                role=membership.role_label), "success")
        return redirect(url_for("organisations.show", slug=org.slug))
    return _refused(org, _("Choose one of the listed roles."))


@bp.route("/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@guard("organisation.manage_members", load=_load_org)
def remove_member(org: Organisation, slug: str, membership_id: int) -> Response | tuple[str, int]:
    membership = _membership_of(org, membership_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    name = membership.user.display_name
    try:
        services.remove_member(current_user, membership)
    except ServiceError as error:
        return _refused(org, error.message)
    flash(_("%(name)s is no longer a member of %(organisation)s.", name=name,
            organisation=org.name), "success")
    return redirect(url_for("organisations.show", slug=org.slug))


@bp.route("/<slug>/invitations/<int:invitation_id>/link", methods=["POST"])
@guard("organisation.manage_members", load=_load_org)
def invitation_link(org: Organisation, slug: str, invitation_id: int) -> str | tuple[str, int]:
    """A pending invitation's link again, to copy (a new one: the earlier stops working)."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != org.id:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        token = accounts.renew_invitation_link(current_user, invitation)
    except ServiceError as error:
        return _refused(org, error.message)
    return render_template("organisations/invitation_link.html", org=org, invitation=invitation,
                           renewed=True,
                           link=url_for("accounts.accept_invitation", token=token,
                                        _external=True))


@bp.route("/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@guard("organisation.manage_members", load=_load_org)
def revoke_invitation(org: Organisation, slug: str, invitation_id: int) -> Response | tuple[
        str, int]:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != org.id:
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        accounts.revoke_invitation(current_user, invitation)
    except ServiceError as error:
        return _refused(org, error.message)
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("organisations.show", slug=org.slug))


def _refused(org: Organisation, message: str) -> tuple[str, int]:
    """Re-show the organisation page with the reason, status 400 (the request rolls back)."""
    manage = can(current_user, "organisation.manage_members", org)
    return render_template(
        "organisations/show.html", org=org, members=services.members_of(org), manage=manage,
        invitations=accounts.pending_invitations(org) if manage else [],
        role_form=MemberRoleForm(formdata=None), action_form=ActionForm(formdata=None),
        error=message,
    ), 400


@bp.route("/<slug>/history")
@guard("organisation.history", load=_load_org)
def history(org: Organisation, slug: str) -> str:
    page = paginate(history_query("organisation", org.id))
    return render_template("audit/history.html", page=page, subject=org.name,
                           back=url_for("organisations.show", slug=org.slug))
