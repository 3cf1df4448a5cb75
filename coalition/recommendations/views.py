"""The tracker, recommendation pages, responses, assessments and imports."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import (
    can,
    guard,
    readable_assessment_events,
    tracker_audience,
    visible_assessments,
)
from coalition.audit.services import history_query
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error, choices
from coalition.core.markdown import render_inline
from coalition.core.pagination import paginate
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations import jobs, repeats, saved_views, services, tracker
from coalition.recommendations.forms import (
    AssessmentForm,
    AssessmentVisibilityForm,
    ConfirmImportForm,
    ImportForm,
    ResponseForm,
    SavedViewEditForm,
    SavedViewForm,
    TerritoryForm,
)
from coalition.recommendations.models import (
    IMPORT_FORMATS,
    Assessment,
    ImportJob,
    Recommendation,
    SavedView,
    territory_label,
)
from coalition.recommendations.services import OUTCOMES, ImportReport
from coalition.reviews.models import Review, State
from coalition.search.services import searched_in_another_script

bp = Blueprint("recommendations", __name__)


bp.add_app_template_filter(territory_label, "territory_label")


@bp.app_template_filter("import_format")
def import_format_label(fmt: str) -> str:
    """A format code (``uhri``) as people name it, in their language."""
    return str(IMPORT_FORMATS.get(fmt, fmt))


def _load_recommendation(rec_id: int, **_: object) -> Recommendation:
    return db.get_or_404(Recommendation, rec_id)


def _load_job(job_id: int, **_: object) -> ImportJob:
    return db.get_or_404(ImportJob, job_id)


@bp.route("/tracker")
@guard("tracker.view")
def tracker_page() -> str | tuple[str, int]:
    try:
        filters = tracker.TrackerFilters.from_args(request.args)
    except tracker.FilterError as error:
        return render_template("recommendations/tracker.html", error=str(error),
                               filters=tracker.TrackerFilters(), page=None, facets={},
                               facet_labels=tracker.FACET_LABELS, sorts=tracker.SORTS), 400
    filters.audience = tracker_audience(current_user)
    filters.notices += tracker.members_only_notices(filters)
    page, facets = tracker.tracker_results(filters, tracker.page_number())
    if not page.total and searched_in_another_script(filters.q):
        filters.notices.append(_("The recommendations are in English, as the UN publishes "
                                 "them: search with English words, e.g. Hong Kong, refugees."))
    back = tracker.back_query(filters, page.page)
    return render_template("recommendations/tracker.html", filters=filters, page=page,
                           facets=facets,
                           facet_labels=tracker.FACET_LABELS, sorts=tracker.SORTS, error=None,
                           back=back, result_links=tracker.result_links(
                               [rec.id for rec in page.items], back))


@bp.route("/recommendations/<int:rec_id>")
@guard("tracker.view", load=_load_recommendation)
def show(rec: Recommendation, rec_id: int) -> str:
    return _recommendation_page(
        rec,
        response_form=ResponseForm(formdata=None) if can(current_user, "tracker.manage")
        else None,
        assessment_form=_assessment_form(formdata=None) if can(
            current_user, "assessment.create") else None,
        territory_form=TerritoryForm(formdata=None, territories=rec.territories)
        if can(current_user, "tracker.manage") else None)


def _recommendation_page(rec: Recommendation, response_form: ResponseForm | None = None,
                         assessment_form: AssessmentForm | None = None,
                         territory_form: TerritoryForm | None = None) -> str:
    timeline = services.timeline(rec, visible=visible_assessments(current_user))
    # The State's words are Markdown (as typed in a response form): shown rendered (issue 9,
    # 3.5), on request since they are short (up to 5,000 characters).
    words_html = {item.id: render_inline(item.words) for _when, kind, item in timeline
                  if kind == "response" and item.words}
    back = request.args.get("back")
    return render_template("recommendations/show.html", rec=rec,
                           repeated_in=repeats.repeated_in(rec),
                           timeline=timeline, response_form=response_form,
                           assessment_form=assessment_form, territory_form=territory_form,
                           position_words_html=render_inline(rec.position_words),
                           words_html=words_html, back=back,
                           audience=tracker_audience(current_user),
                           visibility_forms={
                               item.id: AssessmentVisibilityForm(
                                   formdata=None, prefix=f"a{item.id}",
                                   visibility=item.visibility)
                               for _when, kind, item in timeline if kind == "assessment"
                               and can(current_user, "assessment.set_visibility", item)},
                           back_url=tracker.back_url(back))


def _assessment_form(**kwargs: object) -> AssessmentForm:
    form = AssessmentForm(**kwargs)
    if current_user.is_coordinator:
        orgs = db.session.scalars(select(Organisation).where(Organisation.active.is_(True))
                                  .order_by(Organisation.name)).all()
    else:
        orgs = sorted((m.organisation for m in current_user.memberships
                       if m.role in ("editor", "org_admin") and m.organisation.active),
                      key=lambda o: o.name)
    form.organisation.choices = choices({o.id: o.name for o in orgs})
    if form.organisation.data is None:
        # The user's own organisation first (the coordinator may choose any active one, and
        # the first in the alphabet was taken by mistake in testing).
        own = [m.organisation_id for m in current_user.memberships
               if m.role in ("editor", "org_admin") and m.organisation.active]
        if own and any(o.id == own[0] for o in orgs):
            form.organisation.data = own[0]
    return form


@bp.route("/recommendations/<int:rec_id>/responses", methods=["POST"])
@guard("tracker.manage", load=_load_recommendation)
def add_response(rec: Recommendation, rec_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = ResponseForm()
    if form.validate_on_submit():
        try:
            services.add_response(current_user, rec, form.kind.data, form.position.data,
                                  form.responded_on.data, form.words.data, form.source.data,
                                  form.url.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The government's statement is recorded."), "success")
            return redirect(url_for("recommendations.show", rec_id=rec.id,
                                    back=request.args.get("back")) + "#timeline")
    return _recommendation_page(rec, response_form=form), 400


@bp.route("/recommendations/<int:rec_id>/assessments", methods=["POST"])
@guard("assessment.create", load=_load_recommendation)
def add_assessment(rec: Recommendation, rec_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = _assessment_form()
    if form.validate_on_submit():
        org = db.session.get(Organisation, form.organisation.data)
        if org is None or not can(current_user, "assessment.create", org):
            abort(403)
        try:
            services.add_assessment(current_user, rec, org, form.status.data,
                                    form.assessed_on.data, form.evidence.data,
                                    form.source_links.data, visibility=form.visibility.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("Your assessment is recorded."), "success")
            return redirect(url_for("recommendations.show", rec_id=rec.id,
                                    back=request.args.get("back")) + "#timeline")
    return _recommendation_page(rec, assessment_form=form), 400


def _load_assessment(assessment_id: int, **_: object) -> Assessment:
    return db.get_or_404(Assessment, assessment_id)


@bp.route("/assessments/<int:assessment_id>/visibility", methods=["POST"])
@guard("assessment.set_visibility", load=_load_assessment)
def set_assessment_visibility(assessment: Assessment,
                              assessment_id: int) -> WerkzeugResponse | tuple[str, int]:
    rec = assessment.recommendation
    form = AssessmentVisibilityForm(prefix=f"a{assessment.id}")
    if form.validate_on_submit():
        services.set_assessment_visibility(current_user, assessment, form.visibility.data)
        flash(_("Who may read the assessment is saved."), "success")
        return redirect(url_for("recommendations.show", rec_id=rec.id,
                                back=request.args.get("back")) + f"#assessment-{assessment.id}")
    flash(_("Choose who may read the assessment from the list."), "error")
    return redirect(url_for("recommendations.show", rec_id=rec.id,
                            back=request.args.get("back")) + f"#assessment-{assessment.id}")


@bp.route("/recommendations/<int:rec_id>/territories", methods=["POST"])
@guard("tracker.manage", load=_load_recommendation)
def set_territories(rec: Recommendation, rec_id: int) -> WerkzeugResponse:
    form = TerritoryForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_territories(current_user, rec, form.territories.data or [])
    flash(_("Territories saved."), "success")
    return redirect(url_for("recommendations.show", rec_id=rec.id))


@bp.route("/recommendations/<int:rec_id>/history")
@guard("recommendation.history", load=_load_recommendation)
def history(rec: Recommendation, rec_id: int) -> str:
    page = paginate(history_query("recommendation", rec.id).where(
        readable_assessment_events(current_user, rec.id)))
    return render_template("audit/history.html", page=page,
                           subject=_("recommendation %(number)s", number=rec.paragraph or rec.id),
                           back=url_for("recommendations.show", rec_id=rec.id))


# --- imports ----------------------------------------------------------------------------------

def _review_choices() -> list:
    reviews = db.session.scalars(select(Review).join(State).order_by(State.name,
                                                                     Review.cycle)).all()
    return choices({"": _("Named in the file"), **{str(r.id): r.display_title for r in reviews}})


@bp.route("/imports/new", methods=["GET", "POST"])
@guard("tracker.import")
def new_import() -> str | WerkzeugResponse | tuple[str, int]:
    form = ImportForm()
    form.review.choices = _review_choices()
    if form.validate_on_submit():
        upload = form.file.data
        review_id = int(form.review.data) if form.review.data else None
        try:
            job = jobs.create_job(current_user, upload.filename or "upload", upload.read(),
                                  review_id, form.new_review.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            db.session.commit()  # the background preview must see the job
            jobs.start(job.id, dry_run=True)
            return redirect(url_for("recommendations.show_import", job_id=job.id))
    status = 400 if request.method == "POST" else 200
    return render_template("recommendations/import_new.html", form=form), status


@bp.route("/imports/<int:job_id>")
@guard("import.view", load=_load_job)
def show_import(job: ImportJob, job_id: int) -> str:
    return import_job(job, job_id)


IMPORT_ROWS_PER_PAGE = 50
IMPORTS_PER_PAGE = 25


class _ListPage:
    """One page of a report's row list, shaped like the shared pager's Pagination."""

    def __init__(self, items: list, page: int, per_page: int) -> None:
        self.total = len(items)
        self.pages = max(1, -(-self.total // per_page))
        self.page = min(max(page, 1), self.pages)
        self.items = items[(self.page - 1) * per_page:self.page * per_page]
        self.has_prev, self.has_next = self.page > 1, self.page < self.pages
        self.prev_num, self.next_num = self.page - 1, self.page + 1


def import_job(job: ImportJob, job_id: int) -> str:
    db.session.refresh(job)
    jobs.expire_if_stale(job)
    report = ImportReport.from_dict(job.report) if job.report else None
    done, total = jobs.progress_of(job)
    outcome = request.args.get("outcome", "")
    if report is not None and outcome not in ("errors", *OUTCOMES):
        outcome = "errors" if report.errors else "created"
    rows = page = None
    if report is not None:
        rows = report.errors if outcome == "errors" else report.rows.get(outcome, [])
        page = _ListPage(rows, request.args.get("page", 1, type=int) or 1,
                         IMPORT_ROWS_PER_PAGE)
    return render_template("recommendations/import_job.html", job=job, report=report,
                           done=done, total=total, confirm_form=ConfirmImportForm(formdata=None),
                           retry_form=ActionForm(formdata=None), can_retry=jobs.can_retry(job),
                           outcome=outcome, page=page, outcomes=OUTCOMES)


@bp.route("/imports/")
@guard("tracker.import")
def imports_index() -> str:
    page = paginate(jobs.listed_for(current_user), per_page=IMPORTS_PER_PAGE)
    return render_template("recommendations/imports.html", page=page)


@bp.route("/imports/<int:job_id>/status")
@guard("import.view", load=_load_job)
def import_status(job: ImportJob, job_id: int) -> WerkzeugResponse:
    db.session.refresh(job)
    jobs.expire_if_stale(job)
    done, total = jobs.progress_of(job)
    return jsonify(status=job.status, done=done, total=total, error=job.error,
                   attempts=job.attempts)


@bp.route("/imports/<int:job_id>/confirm", methods=["POST"])
@guard("import.view", load=_load_job)
def confirm_import(job: ImportJob, job_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    if not jobs.confirm(current_user, job, skip_errors=form.skip_errors.data == "1"):
        flash(_("This import is not waiting for confirmation."), "error")
        return import_job(job, job_id), 400
    return redirect(url_for("recommendations.show_import", job_id=job.id))


@bp.route("/imports/<int:job_id>/retry", methods=["POST"])
@guard("import.view", load=_load_job)
def retry_import(job: ImportJob, job_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if not jobs.retry(current_user, job):
        flash(_("This import cannot be retried: it has not failed, or its file is no longer "
                "kept. Upload the file again."), "error")
        return import_job(job, job_id), 400
    flash(_("The import is running again, from its preview."), "info")
    return redirect(url_for("recommendations.show_import", job_id=job.id))


# --- saved views (issue 10) ---------------------------------------------------------------------
# A tracker filter saved under a name, private or shared with one of the owner's organisations.
# The tracker page shows the list and the "Save this view" form through the template global
# `saved_views_panel` (tracker_page itself is untouched); a refused save is shown on the
# tracker page again, with the typed name and the error.

def _load_saved_view(view_id: int, **_: object) -> SavedView:
    return db.get_or_404(SavedView, view_id)


def _share_choices(user: object, current: Organisation | None = None) -> list:
    orgs = saved_views.shareable_organisations(user)
    if current is not None and current not in orgs:
        orgs.append(current)  # shared with an organisation the owner has since left
    return choices({"": _("Only me (private)"), **{str(o.id): o.name for o in orgs}})


def _save_form(**kwargs: object) -> SavedViewForm:
    form = SavedViewForm(**kwargs)
    form.share_with.choices = _share_choices(current_user)
    return form


def _edit_form(view: SavedView, formdata: object = None) -> SavedViewEditForm:
    form = SavedViewEditForm(formdata=formdata, prefix=f"v{view.id}", name=view.name,
                             share_with=str(view.organisation_id or ""))
    form.share_with.choices = _share_choices(current_user, view.organisation)
    return form


def _chosen_organisation(value: str | None) -> Organisation | None:
    return db.session.get(Organisation, int(value)) if value else None


def _tracker_url(query: str) -> str:
    path = url_for("recommendations.tracker_page")
    return f"{path}?{query}" if query else path


@bp.app_template_global()
def saved_views_panel(filters: tracker.TrackerFilters) -> dict[str, object]:
    """What the tracker page shows of saved views: `{"views": [(SavedView, url, current)],
    "form": SavedViewForm | None (None: this user may not save), "query": str (the current
    filter, normalised; "" for none), "has_own": bool, "action": the save form's URL}`."""
    if not can(current_user, "saved_view.create"):
        return {"views": [], "form": None, "query": "", "has_own": False, "action": ""}
    args = filters.args()
    query = urlencode(args, doseq=True)
    views = [(view, _tracker_url(view.query), view.query == query)
             for view in saved_views.list_visible(current_user)]
    form = g.get("saved_view_form") or _save_form(formdata=None)
    return {"views": views, "form": form, "query": query,
            "has_own": any(view.owner_id == current_user.id for view, _url, _c in views),
            "action": url_for("recommendations.save_view", **args)}


@bp.route("/tracker/views")
@guard("saved_view.create")
def saved_views_page() -> str:
    return _saved_views_page()


def _saved_views_page(failed: SavedViewEditForm | None = None,
                      failed_id: int | None = None) -> str:
    own = saved_views.own_views(current_user)
    shared = [v for v in saved_views.list_visible(current_user)
              if v.owner_id != current_user.id]
    forms = {v.id: (failed if v.id == failed_id and failed is not None else _edit_form(v))
             for v in own}
    return render_template("recommendations/saved_views.html", own=own, shared=shared,
                           forms=forms, delete_form=ActionForm(formdata=None),
                           tracker_url=_tracker_url)


@bp.route("/tracker/views/new", methods=["POST"])
@guard("saved_view.create")
def save_view() -> WerkzeugResponse | tuple[str, int]:
    """Save the filter in this URL's query string (the tracker's) under the typed name."""
    form = _save_form()
    if form.validate_on_submit():
        organisation = _chosen_organisation(form.share_with.data)
        existing = saved_views.named(current_user, form.name.data)
        try:
            if existing is not None and not form.replace.data:
                raise ServiceError(_("You already have a view named “%(name)s”: choose another "
                                     "name, or tick “%(replace)s”.", name=existing.name,
                                     replace=form.replace.label.text), "name")
            view = saved_views.save(current_user, form.name.data, request.args, organisation,
                                    view=existing if form.replace.data else None)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The view “%(name)s” is saved.", name=view.name), "success")
            return redirect(_tracker_url(view.query))
    db.session.rollback()
    g.saved_view_form = form
    result = tracker_page()
    body = result[0] if isinstance(result, tuple) else result
    return body, 400


@bp.route("/tracker/views/<int:view_id>")
@guard("saved_view.view", load=_load_saved_view)
def apply_view(view: SavedView, view_id: int) -> WerkzeugResponse:
    """The tracker with the view's filter (a link that stays right if the view changes)."""
    return redirect(_tracker_url(view.query))


@bp.route("/tracker/views/<int:view_id>/edit", methods=["POST"])
@guard("saved_view.edit", load=_load_saved_view)
def edit_view(view: SavedView, view_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Rename a view, share it with one of the owner's organisations, or make it private."""
    form = _edit_form(view, formdata=request.form)
    if form.validate_on_submit():
        try:
            saved_views.save(current_user, form.name.data, view.query,
                             _chosen_organisation(form.share_with.data), view=view)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The view “%(name)s” is saved.", name=view.name), "success")
            return redirect(url_for("recommendations.saved_views_page") + f"#view-{view.id}")
    db.session.rollback()
    return _saved_views_page(failed=form, failed_id=view_id), 400


@bp.route("/tracker/views/<int:view_id>/delete", methods=["POST"])
@guard("saved_view.delete", load=_load_saved_view)
def delete_view(view: SavedView, view_id: int) -> WerkzeugResponse:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    name = view.name
    saved_views.delete(current_user, view)
    flash(_("The view “%(name)s” is deleted.", name=name), "success")
    return redirect(url_for("recommendations.saved_views_page"))
