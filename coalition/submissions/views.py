"""Stakeholder submission pages (issue 12, item 1): the list with its filters, a new
submission, one submission (co-submitters, status, history) and its edit form."""

from __future__ import annotations

import io
from datetime import UTC, date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import defer, joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import can, guard, has_role, is_coordinator, role_in
from coalition.audit.services import history_query
from coalition.core import files
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error, choices
from coalition.core.inputs import int_arg, json_body
from coalition.core.pagination import paginate
from coalition.core.time import utcnow
from coalition.core.web import keeps_text_on_expired_form
from coalition.drafting import services as drafting
from coalition.drafting import text as textlib
from coalition.drafting.forms import CommentForm, TextForm
from coalition.drafting.models import Comment, ConflictCopy, Revision
from coalition.drafting.views import (
    AUTOSAVE_SCHEMA,
    HEARTBEAT_SCHEMA,
    comment_of,
    conflict_choices,
    epoch_ms,
    posted_comment,
)
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.reviews.models import Review, Theme
from coalition.submissions import ohchr, services
from coalition.submissions.forms import StatusForm, SubmissionFileForm, SubmissionForm
from coalition.submissions.models import (
    PARTICIPATION_STATES,
    SUBMISSION_FILE_KINDS,
    SUBMISSION_KINDS,
    SUBMISSION_STATUSES,
    SUBMISSION_VISIBILITIES,
    Submission,
    SubmissionFile,
    SubmissionParticipant,
)

bp = Blueprint("submissions", __name__, url_prefix="/submissions")
HISTORY_SHOWN = 30
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _load_submission(submission_id: int, **_: object) -> Submission:
    return db.get_or_404(Submission, submission_id)


def _load_participant(submission_id: int, participant_id: int,
                      **_: object) -> SubmissionParticipant:
    participant = db.get_or_404(SubmissionParticipant, participant_id)
    if participant.submission_id != submission_id:
        abort(404)
    return participant


def _active_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.active.is_(True)).order_by(Organisation.name)))


def _themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).where(Theme.kind == "ohchr")
                                   .order_by(Theme.code)))


def _lead_choices() -> list[Organisation]:
    """The organisations the current user may lead a submission for."""
    orgs = _active_organisations()
    if is_coordinator(current_user):
        return orgs
    return [o for o in orgs if has_role(current_user, o, "editor")]


def _fill(form: SubmissionForm, leads: list[Organisation]) -> SubmissionForm:
    form.review.choices = choices({"": _("Choose…"), **{
        r.id: r.display_title for r in services.reviews()}})
    form.lead.choices = choices({o.id: o.name for o in leads})
    # A lead is not also a co-submitter: with one lead to choose, it is not offered.
    only_lead = leads[0].id if len(leads) == 1 else None
    form.co_submitters.choices = choices({o.id: o.name for o in _active_organisations()
                                          if o.id != only_lead})
    form.themes.choices = choices({t.id: f"{t.code} {t.name}" for t in _themes()})
    return form


def _review(review_id: int | None) -> Review | None:
    return db.session.get(Review, review_id) if review_id else None


# --- the list ---------------------------------------------------------------------------------

@bp.route("/")
@guard("submission.list")
def index() -> str:
    """The list, with facets and counts like the tracker's (issue 12, item 5): per review,
    organisation (lead or co-submitter), theme, status and kind; each a URL parameter."""
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    filters = services.SubmissionFilters(
        review=int_arg("review", None, minimum=1),
        organisation=int_arg("organisation", None, minimum=1),
        theme=int_arg("theme", None, minimum=1),
        status=status if status in SUBMISSION_STATUSES else None,
        kind=kind if kind in SUBMISSION_KINDS else None)
    page = paginate(services.submissions_query(current_user, filters.review,
                                               filters.organisation, filters.theme,
                                               filters.status, filters.kind))
    return render_template(
        "submissions/index.html", page=page, filters=filters,
        facets=services.facet_counts(current_user, filters), facet_labels=FACET_LABELS,
        statuses=SUBMISSION_STATUSES, kinds=SUBMISSION_KINDS, review=_review(filters.review),
        organisation=db.session.get(Organisation, filters.organisation)
        if filters.organisation else None,
        deadline_words=services.deadline_words,
        may_create=can(current_user, "submission.create"))


FACET_LABELS = {"review": _l("Review"), "organisation": _l("Organisation"),
                "theme": _l("Theme"), "status": _l("Status"), "kind": _l("Kind")}


# --- new and edit -----------------------------------------------------------------------------

@bp.route("/new", methods=["GET", "POST"])
@guard("submission.create")
def new() -> WerkzeugResponse | tuple[str, int]:
    leads = _lead_choices()
    form = _fill(SubmissionForm(), leads)
    if request.method == "GET":
        form.review.data = int_arg("review", None, minimum=1)
        if leads:
            form.lead.data = leads[0].id
    if form.validate_on_submit():
        lead = db.session.get(Organisation, form.lead.data) if form.lead.data else None
        try:
            if lead is None or not can(current_user, "submission.create", lead):
                raise ServiceError(_("Choose the lead organisation from the list."), "lead")
            submission = services.create_submission(
                current_user, _review(form.review.data), form.title.data, form.kind.data,
                lead, form.co_submitters.data or [], form.themes.data or [],
                form.visibility.data, form.ohchr_reference.data)
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The submission is created."), "success")
            return redirect(url_for("submissions.show", submission_id=submission.id))
    status = 400 if request.method == "POST" else 200
    return render_template("submissions/form.html", form=form, submission=None), status


@bp.route("/<int:submission_id>/edit", methods=["GET", "POST"])
@guard("submission.edit", load=_load_submission)
def edit(submission: Submission, submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    if request.method == "POST":
        form = SubmissionForm()
    else:
        form = SubmissionForm(formdata=None, obj=submission, review=submission.review_id,
                              lead=submission.lead_organisation_id,
                              co_submitters=[p.organisation_id for p in submission.participants],
                              themes=[t.id for t in submission.themes])
    _fill(form, [submission.lead_organisation])
    form.lead.data = submission.lead_organisation_id  # the lead never changes
    if form.validate_on_submit():
        try:
            services.update_submission(
                current_user, submission, _review(form.review.data), form.title.data,
                form.kind.data, form.co_submitters.data or [], form.themes.data or [],
                form.visibility.data, form.ohchr_reference.data)
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The submission is saved."), "success")
            return redirect(url_for("submissions.show", submission_id=submission.id))
    status = 400 if request.method == "POST" else 200
    return render_template("submissions/form.html", form=form, submission=submission), status


# --- one submission ---------------------------------------------------------------------------

def _show(submission: Submission, status_form: StatusForm | None = None,
          code: int = 200, file_form: SubmissionFileForm | None = None) -> tuple[str, int]:
    may_edit = can(current_user, "submission.edit", submission)
    if status_form is None and may_edit:
        status_form = StatusForm(formdata=None)
        following = sorted(services.STATUS_TRANSITIONS[submission.status])
        status_form.status.data = following[-1] if following else submission.status
    if status_form is not None:
        following = services.STATUS_TRANSITIONS[submission.status]
        status_form.status.choices = choices({k: v for k, v in SUBMISSION_STATUSES.items()
                                              if k in following})
    if file_form is None and may_edit:
        file_form = SubmissionFileForm(formdata=None)
    events = db.session.scalars(history_query("submission", submission.id)
                                .limit(HISTORY_SHOWN)).all()
    answerable = {p.id for p in submission.participants
                  if can(current_user, "submission.answer", p)}
    return render_template(
        "submissions/show.html", submission=submission, status_form=status_form,
        may_edit=may_edit, answerable=answerable, events=events,
        kinds=SUBMISSION_KINDS, statuses=SUBMISSION_STATUSES,
        visibilities=SUBMISSION_VISIBILITIES, participation=PARTICIPATION_STATES,
        deadline=services.deadline_words(submission.review), today=date.today(),
        file_form=file_form, file_kinds=SUBMISSION_FILE_KINDS,
        file_limit=files.size_label(services.max_file_bytes())), code


@bp.route("/<int:submission_id>")
@guard("submission.view", load=_load_submission)
def show(submission: Submission, submission_id: int) -> tuple[str, int]:
    return _show(submission)


# --- files (issue 12, item 3) -----------------------------------------------------------------

def _load_file(submission_id: int, file_id: int, **_: object) -> SubmissionFile:
    kept = db.get_or_404(SubmissionFile, file_id)
    if kept.submission_id != submission_id:
        abort(404)
    return kept


@bp.route("/<int:submission_id>/files", methods=["POST"])
@guard("submission.edit", load=_load_submission)
def upload_file(submission: Submission,
                submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    """Attach a file: the request's size is checked before its body is read; a refused
    file leaves nothing behind (coalition.core.files)."""
    try:
        files.check_request_size(services.max_file_bytes())
    except files.FileRefused as error:
        form = SubmissionFileForm(formdata=None)
        attach_error(form, error)
        return _show(submission, code=error.status, file_form=form)
    form = SubmissionFileForm()
    status = 400
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            attach_error(form, ServiceError(_("Choose a file."), "file"))
        else:
            try:
                _kept, stored = services.add_file(current_user, submission, upload.stream,
                                                  upload.filename, form.kind.data)
            except ServiceError as error:
                db.session.rollback()
                attach_error(form, error)
                status = getattr(error, "status", 400)
            else:
                files.commit_or_discard(stored)
                flash(_("The file is attached."), "success")
                return redirect(url_for("submissions.show", submission_id=submission_id)
                                + "#files")
    submission = db.session.get(Submission, submission_id)
    return _show(submission, code=status, file_form=form)


@bp.route("/<int:submission_id>/files/<int:file_id>")
@guard("submission.download_file", load=_load_file)
def download_file(kept: SubmissionFile, submission_id: int, file_id: int) -> WerkzeugResponse:
    """The file, for whoever may read the submission (a draft's files stay its own)."""
    return files.download(kept)


@bp.route("/<int:submission_id>/files/<int:file_id>/remove", methods=["POST"])
@guard("submission.remove_file", load=_load_file)
def remove_file(kept: SubmissionFile, submission_id: int,
                file_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _show(kept.submission, code=400)
    name = kept.filename
    sha256 = services.remove_file(current_user, kept)
    db.session.commit()
    files.discard_unreferenced(sha256)
    flash(_("The file %(name)s is removed.", name=name), "success")
    return redirect(url_for("submissions.show", submission_id=submission_id) + "#files")


# --- end files

@bp.route("/<int:submission_id>/status", methods=["POST"])
@guard("submission.edit", load=_load_submission)
def change_status(submission: Submission,
                  submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = StatusForm()
    if form.validate_on_submit():
        try:
            services.change_status(current_user, submission, form.status.data, form.on.data,
                                   text=services.current_text(submission),
                                   override_reason=form.override_reason.data or "")
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("The status is changed."), "success")
            return redirect(url_for("submissions.show", submission_id=submission.id))
    return _show(submission, form, 400)


@bp.route("/<int:submission_id>/docx")
@guard("submission.view", load=_load_submission)
def docx(submission: Submission, submission_id: int) -> WerkzeugResponse:
    """ohchr (issue 12, item 2): the submission as a Word document in OHCHR's format."""
    data = ohchr.docx_bytes(submission, services.current_text(submission))
    response = send_file(io.BytesIO(data), mimetype=DOCX_MIMETYPE, as_attachment=True,
                         download_name=f"submission-{submission.id}.docx")
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:submission_id>/participants/<int:participant_id>/confirm", methods=["POST"],
          defaults={"answer": "confirm"})
@bp.route("/<int:submission_id>/participants/<int:participant_id>/decline", methods=["POST"],
          defaults={"answer": "decline"})
@guard("submission.answer", load=_load_participant)
def answer(participant: SubmissionParticipant, submission_id: int, participant_id: int,
           answer: str) -> WerkzeugResponse | tuple[str, int]:
    form = ActionForm()
    submission = participant.submission
    if not form.validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _show(submission, code=400)
    try:
        services.answer(current_user, participant,
                        "confirmed" if answer == "confirm" else "declined")
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _show(submission, code=400)
    if answer == "confirm":
        flash(_("%(organisation)s confirmed its participation.",
                organisation=participant.organisation.name), "success")
    else:
        flash(_("%(organisation)s declined to take part.",
                organisation=participant.organisation.name), "success")
    return redirect(url_for("submissions.show", submission_id=submission_id))


# --- the submission's text (issue 12, item 2): drafted with coalition.drafting ---------------
# The same editor, autosave, merge, conflict page, history, diff, restore and comments as a
# joint statement (templates/drafting/_macros.html). Its editors are those of the lead and the
# confirmed co-submitters while it is a draft ("submission.draft"); its readers read it.

def _text_organisation(submission: Submission) -> Organisation | None:
    return services.drafting_organisation(current_user, submission)


def _load_text(submission_id: int, **_: object) -> Submission:
    return db.get_or_404(Submission, submission_id)


def _text_editor(submission: Submission, form: TextForm, head: Revision, *,
                 restored_draft: bool = False, expired_form: bool = False,
                 code: int = 200) -> tuple[str, int]:
    # OHCHR's word count of the text in the editor, kept live by ohchr-wordcount.js.
    word_count = {"count": ohchr.count_words(form.text.data or ""),
                  "limit": ohchr.word_limit(submission)}
    return render_template(
        "submissions/text_edit.html", submission=submission, form=form, head=head,
        organisation=_text_organisation(submission), restored_draft=restored_draft,
        expired_form=expired_form, server_text_at=epoch_ms(head.created_at),
        server_now=epoch_ms(utcnow()), word_count=word_count), code


@keeps_text_on_expired_form("submissions.text_edit")
def _text_edit_after_expired_form() -> tuple[str, int] | None:
    """A Save refused by the CSRF check (the page was open longer than its token lives): the
    editor again with the user's text and a fresh token; nothing written. None when the user
    may not write this text (the generic page then echoes it)."""
    submission = db.session.get(Submission, (request.view_args or {}).get("submission_id"))
    if (submission is None or submission.document is None
            or not can(current_user, "submission.draft", submission)):
        return None
    head = drafting.head(submission.document)
    form = TextForm()  # the submitted values; its csrf field renders a fresh token
    form.base_number.errors = []
    if (form.base_number.data is None
            or drafting.revision(submission.document, form.base_number.data) is None):
        form.base_number.data = head.number
    return _text_editor(submission, form, head, expired_form=True, code=400)


@bp.route("/<int:submission_id>/text", methods=["GET", "POST"])
@guard("submission.draft", load=_load_text)
def text_edit(submission: Submission,
              submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    organisation = _text_organisation(submission)
    document = services.document_of(current_user, submission, organisation)
    head = drafting.head(document)
    form = TextForm()
    if request.method == "GET":
        draft = drafting.draft_of(current_user, document)
        form.base_number.data = draft.base_number if draft else head.number
        form.text.data = draft.text if draft else head.text
        return _text_editor(submission, form, head,
                            restored_draft=draft is not None and draft.text != head.text)
    if form.validate_on_submit():
        try:
            outcome = services.save_text(current_user, submission, organisation,
                                         form.base_number.data, form.text.data or "",
                                         form.summary.data or "")
        except ServiceError as error:
            attach_error(form, error)
        else:
            if outcome.kind == "conflict":
                return redirect(url_for("submissions.text_conflict",
                                        submission_id=submission.id,
                                        conflict_id=outcome.conflict.id))
            if outcome.kind == "merged":
                flash(_("Saved as revision %(number)s, merged with the revisions saved "
                        "meanwhile.", number=outcome.revision.number), "success")
            elif outcome.kind == "unchanged":
                flash(_("Nothing had changed: no new revision."), "info")
            else:
                flash(_("Saved as revision %(number)s.", number=outcome.revision.number),
                      "success")
            return redirect(url_for("submissions.text", submission_id=submission.id))
    return _text_editor(submission, form, head, code=400)


@bp.route("/<int:submission_id>/text/autosave", methods=["POST"])
@guard("submission.draft", load=_load_text)
@json_body(AUTOSAVE_SCHEMA)
def text_autosave(submission: Submission,
                  submission_id: int) -> tuple[WerkzeugResponse, int] | WerkzeugResponse:
    """Keep the user's unsaved text as their draft (400 JSON when refused)."""
    document = services.document_of(current_user, submission, _text_organisation(submission))
    try:
        draft = drafting.autosave(current_user, document, g.json["base_number"], g.json["text"])
    except ServiceError as error:
        return jsonify(error="Not kept", message=error.message, status=400), 400
    db.session.flush()
    return jsonify(saved_at=draft.updated_at.astimezone(UTC).strftime("%H:%M:%S UTC"))


@bp.route("/<int:submission_id>/text/heartbeat", methods=["POST"])
@guard("submission.draft", load=_load_text)
@json_body(HEARTBEAT_SCHEMA)
def text_heartbeat(submission: Submission, submission_id: int) -> WerkzeugResponse:
    document = services.document_of(current_user, submission, _text_organisation(submission))
    return jsonify(editing=drafting.heartbeat(current_user, document),
                   head=document.head_number)


@bp.route("/<int:submission_id>/text/read")
@guard("submission.view", load=_load_text)
def text(submission: Submission, submission_id: int) -> str:
    """The current text with its comments (and the comment form for who may comment)."""
    document = submission.document
    head = drafting.head(document) if document is not None else None
    return render_template(
        "submissions/text.html", submission=submission, head=head,
        html=drafting.revision_html(head) if head is not None else "",
        threads=drafting.comment_threads(document) if document is not None else [],
        comment_form=CommentForm(formdata=None),
        may_draft=can(current_user, "submission.draft", submission),
        may_comment=can(current_user, "submission.comment", submission))


@bp.route("/<int:submission_id>/text/history")
@guard("submission.view", load=_load_text)
def text_history(submission: Submission, submission_id: int) -> str:
    revisions = []
    if submission.document_id is not None:
        revisions = db.session.scalars(
            select(Revision).where(Revision.document_id == submission.document_id)
            .options(defer(Revision.text), joinedload(Revision.author),
                     joinedload(Revision.organisation))
            .order_by(Revision.number.desc())).all()
    return render_template(
        "submissions/text_history.html", submission=submission, revisions=revisions,
        head_number=submission.document.head_number if submission.document else 0,
        may_restore=can(current_user, "submission.draft", submission),
        restore_url=lambda number: url_for("submissions.text_restore",
                                           submission_id=submission.id, number=number))


@bp.route("/<int:submission_id>/text/diff")
@guard("submission.view", load=_load_text)
def text_diff(submission: Submission, submission_id: int) -> str:
    document = submission.document
    if document is None:
        abort(404)
    b = int_arg("b")
    a = int_arg("a")
    if a is None or b is None:
        b = document.head_number
        a = max(1, b - 1)
    old, new = drafting.revision(document, a), drafting.revision(document, b)
    if old is None or new is None:
        abort(404)
    return render_template("submissions/text_diff.html", submission=submission, old=old,
                           new=new, inline=textlib.diff_html(old.text, new.text),
                           rows=textlib.side_by_side(old.text, new.text))


@bp.route("/<int:submission_id>/text/restore/<int:number>", methods=["POST"])
@guard("submission.draft", load=_load_text)
def text_restore(submission: Submission, submission_id: int,
                 number: int) -> WerkzeugResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outcome = services.restore(current_user, submission, number,
                                   _text_organisation(submission))
    except ServiceError as error:
        abort(400, error.message)
    if outcome.kind == "conflict":
        return redirect(url_for("submissions.text_conflict", submission_id=submission.id,
                                conflict_id=outcome.conflict.id))
    flash(_("Revision %(number)s is restored as revision %(head)s.", number=number,
            head=submission.document.head_number), "success")
    return redirect(url_for("submissions.text_history", submission_id=submission.id))


@bp.route("/<int:submission_id>/text/conflicts/<int:conflict_id>", methods=["GET", "POST"])
@guard("submission.draft", load=_load_text)
def text_conflict(submission: Submission, submission_id: int,
                  conflict_id: int) -> WerkzeugResponse | tuple[str, int]:
    copy = db.get_or_404(ConflictCopy, conflict_id)
    if submission.document_id is None or copy.document_id != submission.document_id:
        abort(404)
    result = drafting.conflict_view(copy)
    error = None
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        choices_made, error = conflict_choices(result)
        if error is None and copy.resolved_at is None:
            try:
                outcome = services.resolve_conflict(current_user, submission, copy,
                                                    choices_made,
                                                    _text_organisation(submission))
            except ServiceError as exc:
                error = exc.message
            else:
                if outcome.kind == "conflict":
                    flash(_("The text changed again while you resolved: please look once more."),
                          "info")
                    return redirect(url_for("submissions.text_conflict",
                                            submission_id=submission.id,
                                            conflict_id=outcome.conflict.id))
                flash(_("Conflict resolved."), "success")
                return redirect(url_for("submissions.text", submission_id=submission.id))
        elif copy.resolved_at is not None:
            error = _("This conflict has already been resolved.")
    return render_template("submissions/text_conflict.html", submission=submission, copy=copy,
                           result=result, error=error, diff_sides=textlib.diff_sides,
                           action_form=ActionForm(formdata=None)), 400 if error else 200


def _comment_organisation(submission: Submission) -> Organisation | None:
    """The organisation a comment is shown under: a drafting one the user belongs to."""
    orgs = [submission.lead_organisation, *(p.organisation for p in submission.participants
                                            if p.state == "confirmed")]
    return next((o for o in orgs if role_in(current_user, o) is not None), None)


@bp.route("/<int:submission_id>/text/comments", methods=["POST"])
@guard("submission.comment", load=_load_text)
def text_comment(submission: Submission, submission_id: int) -> WerkzeugResponse:
    form, parent = posted_comment()
    try:
        services.add_comment(current_user, submission, _comment_organisation(submission),
                             form.body.data, form.quote.data or "", parent)
    except ServiceError as error:
        abort(400, error.message)
    flash(_("Comment added."), "success")
    return redirect(url_for("submissions.text", submission_id=submission.id) + "#comments")


def _load_text_comment(submission_id: int, comment_id: int, **_: object) -> Comment:
    submission = db.session.get(Submission, submission_id)
    return comment_of(submission.document_id if submission else None, comment_id)


@bp.route("/<int:submission_id>/text/comments/<int:comment_id>/resolve", methods=["POST"])
@guard("submission.comment", load=_load_text)
def text_resolve_comment(submission: Submission, submission_id: int,
                         comment_id: int) -> WerkzeugResponse:
    item = _load_text_comment(submission_id, comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.resolve_comment(current_user, submission, item)
    except ServiceError as error:
        abort(400, error.message)
    return redirect(url_for("submissions.text", submission_id=submission.id) + "#comments")


@bp.route("/<int:submission_id>/text/comments/<int:comment_id>/remove", methods=["POST"])
@guard("submission.remove_comment", load=_load_text_comment)
def text_remove_comment(item: Comment, submission_id: int,
                        comment_id: int) -> WerkzeugResponse:
    if not ActionForm().validate_on_submit():
        abort(400)
    submission = db.get_or_404(Submission, submission_id)
    try:
        services.remove_comment(current_user, submission, item)
    except ServiceError as error:
        abort(400, error.message)
    flash(_("The comment is removed."), "success")
    return redirect(url_for("submissions.text", submission_id=submission_id) + "#comments")


@bp.app_template_global()
def submission_text_summary(submission: Submission) -> dict[str, Any]:
    """What the submission page says of its text (templates/submissions/_text.html)."""
    document = submission.document
    head = drafting.head(document) if document is not None else None
    text = head.text if head is not None else ""
    return {"head": head, "conflicts": len(drafting.open_conflicts(document)) if document else 0,
            "comments": len(drafting.comment_threads(document)) if document else 0,
            "may_draft": can(current_user, "submission.draft", submission),
            # OHCHR's rules on the saved text (issue 12, item 2).
            "words": ohchr.count_words(text), "limit": ohchr.word_limit(submission),
            "warnings": ohchr.section_warnings(text, submission) if head is not None else []}
# --- end the submission's text
