"""Follow-up pages (issue 11): the plans list, a plan with its advocacy actions, assigning one
recommendation or many (from the tracker), evidence files."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import can, guard, has_role
from coalition.core import files
from coalition.core.errors import ServiceError
from coalition.core.forms import attach_error, choices
from coalition.core.inputs import int_arg, to_db_int
from coalition.core.pagination import paginate
from coalition.extensions import db
from coalition.followup import services
from coalition.followup.forms import ActionForm, AssignForm, EvidenceForm, PlanUpdateForm
from coalition.followup.models import (
    PLAN_STATUSES,
    PRIORITIES,
    AdvocacyAction,
    EvidenceFile,
    FollowUpPlan,
)
from coalition.organisations.models import Membership, Organisation
from coalition.recommendations import tracker
from coalition.recommendations.models import Recommendation

bp = Blueprint("followup", __name__, url_prefix="/followup")
NEW_ACTION = "new"  # the prefix of the plan page's "log an action" form


def _load_plan(plan_id: int, **_: object) -> FollowUpPlan:
    return db.get_or_404(FollowUpPlan, plan_id)


def _load_action(action_id: int, **_: object) -> AdvocacyAction:
    return db.get_or_404(AdvocacyAction, action_id)


def _load_evidence(file_id: int, **_: object) -> EvidenceFile:
    return db.get_or_404(EvidenceFile, file_id)


def _load_recommendation(rec_id: int, **_: object) -> Recommendation:
    return db.get_or_404(Recommendation, rec_id)


def _active_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.active.is_(True)).order_by(Organisation.name)))


def _org(org_id: int | None) -> Organisation | None:
    return db.session.get(Organisation, org_id) if org_id else None


# --- the list ---------------------------------------------------------------------------------

@bp.route("/")
@guard("followup.view")
def index() -> str:
    status = request.args.get("status", "")
    status = status if status in PLAN_STATUSES else ""
    lead_id = int_arg("lead", None, minimum=1)
    overdue = request.args.get("overdue") == "1"
    page = paginate(services.plans_query(status or None, lead_id, overdue))
    return render_template("followup/index.html", page=page, status=status, lead_id=lead_id,
                           overdue=overdue, statuses=PLAN_STATUSES,
                           organisations=_active_organisations(), today=date.today())


# --- one plan ----------------------------------------------------------------------------------

def _assign_form(formdata: Any = None, plan: FollowUpPlan | None = None) -> AssignForm:
    data = {}
    if plan is not None and formdata is None:
        data = {"lead": plan.lead_organisation_id, "priority": plan.priority,
                "due_on": plan.due_on,
                "supporting": [o.id for o in plan.supporting_organisations]}
    form = AssignForm(formdata=formdata, **data) if formdata is not None else AssignForm(
        formdata=None, **data)
    orgs = _active_organisations()
    form.lead.choices = choices({"": _("Choose…"), **{o.id: o.name for o in orgs}})
    form.supporting.choices = choices({o.id: o.name for o in orgs})
    return form


def _update_form(plan: FollowUpPlan, formdata: Any = None) -> PlanUpdateForm:
    # Prefixed: the plan page also holds the action form (ids must be unique on the page).
    if formdata is not None:
        return PlanUpdateForm(formdata=formdata, prefix="plan")
    return PlanUpdateForm(formdata=None, prefix="plan", status=plan.status, due_on=plan.due_on,
                          notes=plan.notes)


def _owner_organisations(plan: FollowUpPlan) -> list[Organisation]:
    """The organisations the current user may log an action for: the plan's (lead and
    supporters) in which they are an editor; all of them for the steering committee."""
    orgs = services.plan_organisations(plan)
    if can(current_user, "followup.assign"):
        return orgs
    return [o for o in orgs if has_role(current_user, o, "editor")]


def _action_form(plan: FollowUpPlan, formdata: Any = None, action: AdvocacyAction | None = None,
                 prefix: str = "") -> ActionForm:
    if formdata is None and action is not None:
        form = ActionForm(formdata=None, prefix=prefix, obj=action,
                          owner_organisation=action.owner_organisation_id,
                          owner=action.owner_id)
    elif formdata is None:
        form = ActionForm(formdata=None, prefix=prefix)
    else:
        form = ActionForm(formdata=formdata, prefix=prefix)
    orgs = _owner_organisations(plan)
    if action is not None and action.owner_organisation not in orgs:
        orgs = [action.owner_organisation, *orgs]
    form.owner_organisation.choices = choices({o.id: o.name for o in orgs})
    people = db.session.execute(select(Membership).where(
        Membership.organisation_id.in_([o.id for o in orgs]))).scalars().all()
    form.owner.choices = choices({"": _("Nobody in particular"), **{
        m.user_id: f"{m.user.display_name} ({m.organisation.name})" for m in people
        if m.user.active}})
    if formdata is None and action is None and current_user.is_authenticated:
        mine = [m for m in people if m.user_id == current_user.id]
        if mine:
            form.owner.data = current_user.id
            form.owner_organisation.data = mine[0].organisation_id
    return form


def _plan_page(plan: FollowUpPlan, status: int = 200, **forms: Any) -> tuple[str, int]:
    assign_form = forms.get("assign_form")
    if assign_form is None and can(current_user, "followup.assign"):
        assign_form = _assign_form(plan=plan)
    update_form = forms.get("update_form")
    if update_form is None and can(current_user, "followup.update", plan):
        update_form = _update_form(plan)
    action_form = forms.get("action_form")
    if action_form is None and can(current_user, "followup.add_action", plan):
        action_form = _action_form(plan, prefix=NEW_ACTION)
    evidence_forms = {a.id: EvidenceForm(formdata=None, prefix=f"e{a.id}") for a in plan.actions
                      if can(current_user, "followup.edit_action", a)}
    if forms.get("evidence_form") is not None:
        evidence_forms[forms["evidence_action_id"]] = forms["evidence_form"]
    return render_template("followup/plan.html", plan=plan, rec=plan.recommendation,
                           assign_form=assign_form, update_form=update_form,
                           action_form=action_form, evidence_forms=evidence_forms,
                           today=date.today(), max_bytes=files.max_bytes(),
                           size_label=files.size_label), status


@bp.route("/plans/<int:plan_id>")
@guard("followup.view", load=_load_plan)
def show_plan(plan: FollowUpPlan, plan_id: int) -> tuple[str, int]:
    return _plan_page(plan)


@bp.route("/recommendations/<int:rec_id>/assign", methods=["GET", "POST"])
@guard("followup.assign", load=_load_recommendation)
def assign(rec: Recommendation, rec_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Create the recommendation's plan, or reassign it."""
    plan = services.plan_of(rec)
    form = _assign_form(request.form if request.method == "POST" else None, plan)
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.assign(current_user, [rec.id], _org(form.lead.data), form.priority.data,
                            form.due_on.data, [_org(i) for i in form.supporting.data or []])
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The follow-up is assigned."), "success")
            return redirect(url_for("followup.show_plan", plan_id=services.plan_of(rec).id))
    status = 400 if request.method == "POST" else 200
    return render_template("followup/assign.html", rec=rec, plan=plan, form=form), status


@bp.route("/plans/<int:plan_id>/update", methods=["POST"])
@guard("followup.update", load=_load_plan)
def update_plan(plan: FollowUpPlan, plan_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = _update_form(plan, request.form)
    if form.validate_on_submit():
        try:
            services.update_plan(current_user, plan, form.status.data, form.due_on.data,
                                 form.notes.data)
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The plan is saved."), "success")
            return redirect(url_for("followup.show_plan", plan_id=plan.id))
    plan = db.session.get(FollowUpPlan, plan_id)
    return _plan_page(plan, 400, update_form=form)


def _refused(form: Any, error: ServiceError) -> int:
    """Undo what the request wrote, show the refusal on its field; the status to answer (a
    refused file's own: 413 for one too large)."""
    db.session.rollback()
    attach_error(form, error)
    return getattr(error, "status", 400)


def _kept(stored: files.StoredFile | None, message: str, url: str) -> WerkzeugResponse:
    """Commit (removing the kept file if that fails), say so, go to `url`."""
    files.commit_or_discard(stored)
    flash(message, "success")
    return redirect(url)


@bp.route("/plans/<int:plan_id>/actions", methods=["POST"])
@guard("followup.add_action", load=_load_plan)
def add_action(plan: FollowUpPlan, plan_id: int) -> WerkzeugResponse | tuple[str, int]:
    try:
        files.check_request_size(files.max_bytes())
    except files.FileRefused as error:
        form = _action_form(plan, prefix=NEW_ACTION)
        attach_error(form, error)
        return _plan_page(plan, error.status, action_form=form)
    form = _action_form(plan, CombinedMultiDict([request.form, request.files]),
                        prefix=NEW_ACTION)
    status = 400
    if form.validate_on_submit():
        org = _org(form.owner_organisation.data)
        if org is not None and org not in _owner_organisations(plan):
            abort(403)
        upload = form.file.data
        try:
            _action, stored = services.add_action(
                current_user, plan, title=form.title.data, kind=form.kind.data,
                owner_organisation=org, owner=_person(form.owner.data),
                due_on=form.due_on.data, done_on=form.done_on.data, outcome=form.outcome.data,
                links=form.links.data,
                upload=upload.stream if upload and upload.filename else None,
                upload_name=upload.filename if upload else None)
        except ServiceError as error:
            status = _refused(form, error)
        else:
            return _kept(stored, _("The action is logged."),
                         url_for("followup.show_plan", plan_id=plan.id) + "#actions")
    plan = db.session.get(FollowUpPlan, plan_id)
    return _plan_page(plan, status, action_form=form)


def _person(user_id: int | None) -> Any:
    from coalition.accounts.models import User

    return db.session.get(User, user_id) if user_id else None


@bp.route("/actions/<int:action_id>/edit", methods=["GET", "POST"])
@guard("followup.edit_action", load=_load_action)
def edit_action(action: AdvocacyAction, action_id: int) -> WerkzeugResponse | tuple[str, int]:
    plan = action.plan
    form = _action_form(plan, request.form if request.method == "POST" else None, action)
    if request.method == "POST" and form.validate_on_submit():
        org = _org(form.owner_organisation.data)
        if org is not None and org.id != action.owner_organisation_id and org not in \
                _owner_organisations(plan):
            abort(403)
        try:
            services.edit_action(current_user, action, title=form.title.data,
                                 kind=form.kind.data, owner_organisation=org,
                                 owner=_person(form.owner.data), due_on=form.due_on.data,
                                 done_on=form.done_on.data, outcome=form.outcome.data,
                                 links=form.links.data)
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The action is saved."), "success")
            return redirect(url_for("followup.show_plan", plan_id=plan.id)
                            + f"#action-{action.id}")
        action = db.session.get(AdvocacyAction, action_id)
    status = 400 if request.method == "POST" else 200
    return render_template("followup/action_edit.html", action=action, plan=action.plan,
                           form=form), status


@bp.route("/actions/<int:action_id>/evidence", methods=["POST"])
@guard("followup.edit_action", load=_load_action)
def add_evidence(action: AdvocacyAction, action_id: int) -> WerkzeugResponse | tuple[str, int]:
    prefix = f"e{action.id}"
    try:
        files.check_request_size(files.max_bytes())
    except files.FileRefused as error:
        form = EvidenceForm(formdata=None, prefix=prefix)
        attach_error(form, error)
        return _plan_page(action.plan, error.status, evidence_form=form,
                          evidence_action_id=action.id)
    form = EvidenceForm(prefix=prefix)
    status = 400
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            attach_error(form, ServiceError(_("Choose a file."), "file"))
        else:
            try:
                _evidence, stored = services.add_evidence(current_user, action, upload.stream,
                                                          upload.filename)
            except ServiceError as error:
                status = _refused(form, error)
            else:
                return _kept(stored, _("The file is attached."),
                             url_for("followup.show_plan", plan_id=action.plan_id)
                             + f"#action-{action.id}")
    action = db.session.get(AdvocacyAction, action_id)
    return _plan_page(action.plan, status, evidence_form=form, evidence_action_id=action.id)


@bp.route("/evidence/<int:file_id>")
@guard("followup.download_evidence", load=_load_evidence)
def download_evidence(evidence: EvidenceFile, file_id: int) -> WerkzeugResponse:
    """The file, as an attachment of its stored media type, never sniffed by the browser."""
    return files.download(evidence)


# --- bulk assignment from the tracker -----------------------------------------------------------

FILTER_LEAD = "filter_lead"  # the tracker's `lead` filter, within the bulk assignment's pages


class BulkTargets:
    """The recommendations a bulk assignment names: the ticked rows (`rec`), or every row of
    the tracker's filter (`scope=all`), read from the query string (GET) or the form (POST)."""

    def __init__(self, source: MultiDict[str, str]) -> None:
        self.scope = "all" if source.get("scope") == "all" else "selected"
        # The tracker's "lead" filter travels as FILTER_LEAD: `lead` is the assignment form's
        # field (the organisation to assign), not a filter.
        args = MultiDict([(k, v) for k, v in source.items(multi=True) if k != "lead"]
                         + [("lead", v) for v in source.getlist(FILTER_LEAD)])
        self.filters = tracker.TrackerFilters.from_args(args)
        self.filters.audience = "coalition"
        self.ticked = sorted({v for v in (to_db_int(r) for r in source.getlist("rec"))
                              if v is not None})

    def hidden(self) -> list[tuple[str, Any]]:
        """The name/value pairs that carry this selection through the confirmation."""
        pairs: list[tuple[str, Any]] = [("scope", self.scope)]
        for name, value in self.filters.args().items():
            for item in value if isinstance(value, list) else [value]:
                pairs.append((FILTER_LEAD if name == "lead" else name, item))
        if self.scope == "selected":
            pairs += [("rec", rec_id) for rec_id in self.ticked]
        return pairs

    def count(self) -> int:
        if self.scope == "selected":
            return db.session.scalar(select(func.count()).select_from(Recommendation).where(
                Recommendation.id.in_(self.ticked))) if self.ticked else 0
        return db.session.scalar(select(func.count()).select_from(
            tracker.filtered_ids(self.filters).subquery())) or 0

    def ids(self) -> list[int]:
        if self.scope == "selected":
            return list(db.session.scalars(select(Recommendation.id).where(
                Recommendation.id.in_(self.ticked))))
        return list(db.session.scalars(tracker.filtered_ids(self.filters)))


def _bulk_page(targets: BulkTargets, form: AssignForm, count: int, status: int = 200,
               counts: services.BulkCounts | None = None, refusal: str | None = None,
               ) -> tuple[str, int]:
    return render_template("followup/bulk.html", targets=targets, form=form, count=count,
                           counts=counts, refusal=refusal, cap=services.bulk_assign_max(),
                           priorities=PRIORITIES,
                           lead=_org(form.lead.data) if counts else None,
                           supporters=[_org(i) for i in (form.supporting.data or [])]
                           if counts else [],
                           back=tracker.back_url(tracker.back_query(targets.filters, None))
                           ), status


@bp.route("/bulk", methods=["GET", "POST"])
@guard("followup.assign")
def bulk_assign() -> WerkzeugResponse | tuple[str, int]:
    """Assign many recommendations: choose (GET), confirm with the counts (POST), do it in one
    transaction (POST with confirm=1). More than BULK_ASSIGN_MAX: refused (400), nothing done."""
    source = request.args if request.method == "GET" else request.form
    try:
        targets = BulkTargets(source)
    except tracker.FilterError as error:
        abort(400, str(error))
    form = _assign_form(request.form if request.method == "POST" else None)
    count = targets.count()
    cap = services.bulk_assign_max()
    if count > cap:
        return _bulk_page(targets, form, count, 400,
                          refusal=services.too_many_message(count, cap))
    if count == 0:
        return _bulk_page(targets, form, count, 400 if request.method == "POST" else 200,
                          refusal=_("No recommendation is selected: tick rows in the tracker, "
                                    "or choose all the rows of a filter."))
    if request.method == "GET" or not form.validate_on_submit():
        return _bulk_page(targets, form, count, 200 if request.method == "GET" else 400)
    ids = targets.ids()
    lead = _org(form.lead.data)
    supporters = [_org(i) for i in form.supporting.data or []]
    try:
        if form.confirm.data != "1":
            # Check now what the service would refuse, then show what would change.
            services.check_lead(lead)
            services.check_supporters(supporters, lead)
            services.check_due(form.due_on.data, services.latest_review_date(ids))
            form.confirm.data = "1"
            return _bulk_page(targets, form, count, counts=services.bulk_counts(ids, lead))
        counts = services.assign(current_user, ids, lead, form.priority.data,
                                 form.due_on.data, supporters, keep_blank=True)
    except ServiceError as error:
        db.session.rollback()
        form.confirm.data = ""
        attach_error(form, error)
        return _bulk_page(targets, form, count, 400)
    flash(_("%(new)s plans created and %(reassigned)s reassigned to %(organisation)s "
            "(%(unchanged)s already led by it).", new=counts.new, reassigned=counts.reassigned,
            unchanged=counts.unchanged, organisation=lead.name), "success")
    return redirect(url_for("followup.index", lead=lead.id))


# --- on other pages ----------------------------------------------------------------------------

@bp.app_template_global()
def followup_plan_of(rec: Recommendation) -> FollowUpPlan | None:
    """The recommendation's follow-up plan, for its page (None without one, or when the
    current user may not see follow-up)."""
    if not can(current_user, "followup.view"):
        return None
    return services.plan_of(rec)


@bp.app_template_global()
def followup_led_by(org: Organisation) -> dict[str, int] | None:
    """What an organisation's page shows of the follow-up it leads: {"led", "overdue"}; None
    for a reader who may not see follow-up (researchers, the public)."""
    if not can(current_user, "followup.view"):
        return None
    led, overdue = services.led_counts(org)
    return {"led": led, "overdue": overdue}


@bp.app_template_global()
def followup_today() -> date:
    """Today, against which overdue plans and actions are marked."""
    return date.today()


@bp.app_template_global()
def bulk_assign_panel() -> bool:
    """Whether the tracker shows the bulk-assignment controls (the steering committee)."""
    return can(current_user, "followup.assign")

