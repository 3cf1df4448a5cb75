"""Joint statements: list, editor, history, diff, blame, conflicts, comments, sign-on, publish;
and the public page of a published statement with its PDF, DOCX and Markdown."""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
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
from werkzeug.exceptions import Forbidden
from werkzeug.wrappers import Response

from coalition import i18n
from coalition.access import can, credit_organisations, guard, public
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error, choices
from coalition.core.inputs import int_arg, json_body, to_db_int
from coalition.core.markdown import render_markdown
from coalition.core.time import utcnow
from coalition.core.web import keeps_text_on_expired_form, render_error
from coalition.drafting import text as textlib
from coalition.drafting.views import (
    AUTOSAVE_SCHEMA,
    HEARTBEAT_SCHEMA,
    comment_of,
    posted_comment,
)
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.statements import exports, services
from coalition.statements.forms import (
    CommentForm,
    DetailsForm,
    DraftersForm,
    EditForm,
    OpenSignOnForm,
    ReopenForm,
    SignForm,
    StatementForm,
)
from coalition.statements.models import (
    MAX_TEXT_CHARS,
    Comment,
    ConflictCopy,
    Revision,
    Statement,
)

bp = Blueprint("statements", __name__)


def _load(statement_id: int, **_: object) -> Statement:
    return db.get_or_404(Statement, statement_id)


def _orgs_where(role_at_least: str) -> list[Organisation]:
    """Organisations the current user may act for (the coordinator: every active one)."""
    if current_user.is_coordinator:
        return list(db.session.scalars(select(Organisation).where(
            Organisation.active.is_(True)).order_by(Organisation.name)))
    ranks = {"viewer": 0, "editor": 1, "org_admin": 2}
    return sorted((m.organisation for m in current_user.memberships
                   if m.organisation.active and ranks[m.role] >= ranks[role_at_least]),
                  key=lambda o: o.name)


def _all_orgs() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).where(
        Organisation.active.is_(True)).order_by(Organisation.name)))


def _credited_org(statement: Statement) -> Organisation | None:
    """The organisation a restore or a resolved conflict is credited to: the first the user may
    save for (the policy's credit_organisations; the editor's "Saving for" offers the same)."""
    orgs = credit_organisations(current_user, statement)
    return orgs[0] if orgs else None


def _why_not_editable(statement: Statement) -> str | None:
    """Why the current user, who reads this statement, may not edit its text (None: they may,
    or the statement is past editing). The rule is coalition.access's `statement.edit`:
    editors and administrators of the drafting organisations edit."""
    if statement.status not in services.EDITABLE or can(current_user, "statement.edit",
                                                          statement):
        return None
    drafting = [m for m in current_user.memberships
                if m.organisation.active and m.organisation in statement.drafting_organisations]
    if drafting:
        return _("You are a viewer in %(organisation)s: its editors and administrators edit "
                 "this statement.", organisation=drafting[0].organisation.name)
    return _("Only drafting organisations edit this statement; ask %(lead)s (the lead "
             "organisation) to add yours.", lead=statement.lead_organisation.name)


@bp.errorhandler(Forbidden)
def _forbidden(error: Forbidden) -> tuple[str | Response, int]:
    """A refused edit says who may edit (the statement page says it too); other refusals as
    everywhere (coalition.core.web)."""
    detail = error.description if error.description != Forbidden.description else None
    if request.endpoint in {"statements.edit", "statements.restore"} and detail is None:
        statement = db.session.get(Statement, (request.view_args or {}).get("statement_id"))
        if statement is not None and can(current_user, "statement.view", statement):
            detail = _why_not_editable(statement)
    return render_error(403, detail)


def _comment_org(statement: Statement) -> Organisation | None:
    """The organisation a comment is shown under: one the user really belongs to, a drafting
    one first (the coordinator, in none, comments under no organisation)."""
    mine = [m.organisation for m in current_user.memberships if m.organisation.active]
    drafting = {o.id for o in statement.drafting_organisations}
    mine.sort(key=lambda o: (o.id not in drafting, not o.is_steering, o.name))
    return mine[0] if mine else None


@bp.route("/statements")
@guard("statement.view")
def index() -> str:
    """The statements the user may read (a visitor is sent to sign in, and the sign-in page
    links to the published ones)."""
    statements = db.session.scalars(select(Statement).order_by(Statement.created_at.desc()))
    visible = [s for s in statements if can(current_user, "statement.view", s)]
    return render_template("statements/index.html", statements=visible)


@bp.route("/statements/published")
@public
def published() -> str:
    """Published statements, newest first, for everyone: each one the policy opens to the
    public (coalition.access, "statement.read_public")."""
    rows = db.session.scalars(select(Statement).where(
        Statement.audience == "public", Statement.published_number.is_not(None),
        Statement.status != "withdrawn").order_by(Statement.published_at.desc(),
                                                   Statement.id.desc()))
    return render_template("statements/published.html",
                           statements=[s for s in rows
                                       if can(current_user, "statement.read_public", s)])


@bp.route("/statements/new", methods=["GET", "POST"])
@guard("statement.create")
def new() -> str | Response | tuple[str, int]:
    form = StatementForm()
    leads = _orgs_where("editor")
    form.lead.choices = choices({o.id: o.name for o in leads})
    # Co-drafters: every other organisation. One who may lead only one organisation never sees
    # it among them; with several, app.js hides the one chosen as lead (and the service drops
    # the lead from the co-drafters anyway).
    only_lead = {leads[0].id} if len(leads) == 1 else set()
    form.co_drafters.choices = choices({o.id: o.name for o in _all_orgs()
                                        if o.id not in only_lead})
    if form.validate_on_submit():
        lead = db.session.get(Organisation, form.lead.data)
        co = [db.session.get(Organisation, i) for i in form.co_drafters.data or []]
        if lead is None or not can(current_user, "statement.create", lead):
            abort(403)
        try:
            statement = services.create_statement(
                current_user, lead, form.title.data, form.occasion.data, form.kind.data,
                form.language.data, [o for o in co if o is not None], form.text.data or "")
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The statement is created."), "success")
            return redirect(url_for("statements.show", statement_id=statement.id))
    status = 400 if request.method == "POST" else 200
    return render_template("statements/new.html", form=form), status


@bp.route("/statements/<int:statement_id>")
@guard("statement.view", load=_load)
def show(statement: Statement, statement_id: int) -> str:
    head = services.head(statement)
    sign_form = SignForm(formdata=None)
    sign_orgs = _orgs_where("org_admin")
    sign_form.organisation.choices = choices({o.id: o.name for o in sign_orgs})
    signed = services.signed_revisions(statement)
    # Per organisation the user signs for: the revision it has signed (None: not signed), so
    # the page offers only what applies (sign, re-confirm, withdraw).
    sign_options = [(o, signed.get(o.id)) for o in sign_orgs]
    details = DetailsForm(formdata=None, obj=statement)
    drafters_form = None
    if can(current_user, "statement.manage_drafters", statement):
        drafters_form = DraftersForm(formdata=None)
        drafters_form.co_drafters.choices = _co_drafter_choices(statement)
        drafters_form.co_drafters.data = [o.id for o in statement.drafting_organisations
                                          if o.id != statement.lead_organisation_id]
    return render_template(
        "statements/show.html", statement=statement, head=head,
        html=services.revision_html(head), states=services.sign_on_states(statement),
        signatories=services.signatories(statement), threads=services.comment_threads(statement),
        conflicts=services.open_conflicts(statement), comment_form=CommentForm(formdata=None),
        sign_form=sign_form, sign_options=sign_options,
        unsigned=head.number not in signed.values(),
        why_not_editable=_why_not_editable(statement), action_form=ActionForm(formdata=None),
        open_form=OpenSignOnForm(formdata=None), reopen_form=ReopenForm(formdata=None),
        details_form=details, drafters_form=drafters_form, word_count=textlib.word_count(head.text))


@bp.route("/statements/<int:statement_id>/details", methods=["POST"])
@guard("statement.edit", load=_load)
def details(statement: Statement, statement_id: int) -> Response:
    form = DetailsForm()
    if not form.validate_on_submit():
        flash(_("Check the statement's details: %(problems)s", problems="; ".join(
            f"{getattr(form, k).label.text}: {' '.join(v)}" for k, v in form.errors.items())),
              "error")
        return redirect(url_for("statements.show", statement_id=statement.id))
    try:
        services.update_details(current_user, statement, form.title.data, form.occasion.data,
                                form.kind.data, form.language.data)
    except ServiceError as error:
        abort(400, error.message)
    flash(_("Details saved."), "success")
    return redirect(url_for("statements.show", statement_id=statement.id))


def _co_drafter_choices(statement: Statement) -> list:
    return choices({o.id: o.name for o in _all_orgs() if o.id != statement.lead_organisation_id})


@bp.route("/statements/<int:statement_id>/drafters", methods=["POST"])
@guard("statement.manage_drafters", load=_load)
def drafters(statement: Statement, statement_id: int) -> Response:
    form = DraftersForm()
    form.co_drafters.choices = _co_drafter_choices(statement)
    if not form.validate_on_submit():
        flash(_("Check the co-drafting organisations: %(problems)s", problems="; ".join(
            " ".join(v) for v in form.errors.values())), "error")
        return redirect(url_for("statements.show", statement_id=statement.id))
    co = [db.session.get(Organisation, i) for i in form.co_drafters.data or []]
    try:
        services.set_co_drafters(current_user, statement, [o for o in co if o is not None])
    except ServiceError as error:
        abort(400, error.message)
    flash(_("Co-drafting organisations saved."), "success")
    return redirect(url_for("statements.show", statement_id=statement.id))


@bp.route("/statements/<int:statement_id>/edit", methods=["GET", "POST"])
@guard("statement.edit", load=_load)
def edit(statement: Statement, statement_id: int) -> str | Response | tuple[str, int]:
    head = services.head(statement)
    form = EditForm()
    # "Saving for": only what the policy lets this user credit (history and blame name it).
    orgs = credit_organisations(current_user, statement)
    acting = orgs[0] if orgs else None
    form.organisation.choices = choices({o.id: o.name for o in orgs})
    if request.method == "GET":
        if statement.status not in services.EDITABLE:
            flash(_("A %(status)s statement cannot be edited.",
                    status=statement.status_label.lower()), "info")
            return redirect(url_for("statements.show", statement_id=statement.id))
        draft = services.draft_of(current_user, statement)
        form.base_number.data = draft.base_number if draft else head.number
        form.text.data = draft.text if draft else head.text
        form.organisation.data = acting.id if acting else 0
        restored = draft is not None and draft.text != head.text
        return _editor(statement, head, form, restored_draft=restored,
                       server_text_at=max(head.created_at, draft.updated_at) if draft
                       else head.created_at)
    valid = form.validate_on_submit()
    org = db.session.get(Organisation, form.organisation.data or 0)
    if form.organisation.errors or (valid and not can(current_user, "statement.save_for",
                                                      (statement, org))):
        # A forged or stale choice: refused with the text kept in the form, nothing saved.
        form.organisation.errors = [str(_SAVE_FOR_ERROR)]
        valid = False
    if valid:
        try:
            outcome = services.save_text(current_user, statement, org, form.base_number.data,
                                         form.text.data or "", form.summary.data or "")
        except ServiceError as error:
            attach_error(form, error)
        else:
            if outcome.kind == "conflict":
                return redirect(url_for("statements.conflict", statement_id=statement.id,
                                        conflict_id=outcome.conflict.id))
            if outcome.kind == "merged":
                names = ", ".join(
                    _("%(number)s by %(organisation)s", number=r.number,
                      organisation=r.organisation.name if r.organisation else _("someone"))
                    for r in outcome.merged_with or [])
                flash(_("Saved as revision %(number)s, merged with revision %(names)s.",
                        number=outcome.revision.number, names=names), "success")
            elif outcome.kind == "unchanged":
                flash(_("Nothing had changed: no new revision."), "info")
            else:
                flash(_("Saved as revision %(number)s.", number=outcome.revision.number), "success")
            return redirect(url_for("statements.show", statement_id=statement.id))
    return _editor(statement, head, form), 400


def _editor(statement: Statement, head: Revision, form: EditForm, *,
            restored_draft: bool = False, expired_form: bool = False,
            server_text_at: Any = None) -> str:
    """The editor page. `server_text_at`: when the server last had this user's text (their
    draft or the head): app.js offers the browser's local copy only if it is newer."""
    return render_template("statements/edit.html", statement=statement, head=head, form=form,
                           restored_draft=restored_draft, expired_form=expired_form,
                           server_text_at=_epoch_ms(server_text_at or utcnow()),
                           server_now=_epoch_ms(utcnow()))


def _epoch_ms(moment: Any) -> int:
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)


@keeps_text_on_expired_form("statements.edit")
def _edit_after_expired_form() -> tuple[str, int] | None:
    """A Save refused by the CSRF check (the page was open longer than the token lives): the
    editor again, with the user's text, base and summary in it and a fresh token, and nothing
    saved (the request failed its CSRF check). None when the user may not edit it (the
    generic page then echoes the text)."""
    statement = db.session.get(Statement, (request.view_args or {}).get("statement_id"))
    if (statement is None or statement.status not in services.EDITABLE
            or not can(current_user, "statement.edit", statement)):
        return None
    head = services.head(statement)
    form = EditForm()  # the submitted values; its csrf field renders a fresh token
    # The same "Saving for" choices as the editor itself (the policy's credit_organisations).
    form.organisation.choices = choices({o.id: o.name for o in
                                         credit_organisations(current_user, statement)})
    form.base_number.errors = []
    if form.base_number.data is None or services.revision(statement,
                                                          form.base_number.data) is None:
        form.base_number.data = head.number
    return _editor(statement, head, form, expired_form=True), 400


PREVIEW_SCHEMA = {"type": "object",
                  "properties": {"text": {"type": "string", "maxLength": MAX_TEXT_CHARS}}}


_SAVE_FOR_ERROR = _l("Choose an organisation you may save for: one drafting this statement in "
                   "which you are an editor (or, for a reviewer, your steering organisation).")


@bp.route("/statements/<int:statement_id>/autosave", methods=["POST"])
@guard("statement.edit", load=_load)
@json_body(AUTOSAVE_SCHEMA)
def autosave(statement: Statement, statement_id: int) -> tuple[Response, int] | Response:
    """Keep the user's unsaved text as their draft. Refused: 400 JSON {error, message}, and
    the editor says so (the text stays in the page and in the browser's local copy)."""
    data = g.json
    try:
        draft = services.autosave(current_user, statement, data["base_number"], data["text"])
    except ServiceError as error:
        return jsonify(error="Not kept", message=error.message, status=400), 400
    db.session.flush()  # a first draft gets its updated_at (a column default) on flush
    return jsonify(saved_at=draft.updated_at.astimezone(UTC).strftime("%H:%M:%S UTC"))


@bp.route("/statements/<int:statement_id>/heartbeat", methods=["POST"])
@guard("statement.edit", load=_load)
@json_body(HEARTBEAT_SCHEMA)
def heartbeat(statement: Statement, statement_id: int) -> Response:
    others = services.heartbeat(current_user, statement)
    return jsonify(editing=others, head=statement.head_number)


@bp.route("/statements/preview", methods=["POST"])
@guard("statement.create")
@json_body(PREVIEW_SCHEMA)
def preview() -> Response:
    return jsonify(html=str(render_markdown(g.json.get("text", ""))))


@bp.route("/statements/<int:statement_id>/history")
@guard("statement.view", load=_load)
def history(statement: Statement, statement_id: int) -> str:
    # Hundreds of revisions: their texts (up to 200 KB each) are not loaded, and each row's
    # author and organisation come with it in one query.
    revs = db.session.scalars(select(Revision).where(Revision.document_id == statement.document_id)
                              .options(defer(Revision.text), joinedload(Revision.author),
                                       joinedload(Revision.organisation))
                              .order_by(Revision.number.desc())).all()
    may_restore = (statement.status in services.EDITABLE
                   and can(current_user, "statement.edit", statement))
    return render_template(
        "statements/history.html", statement=statement, revisions=revs,
        may_restore=may_restore, action_form=ActionForm(formdata=None),
        restore_url=lambda number: url_for("statements.restore", statement_id=statement.id,
                                           number=number))


@bp.route("/statements/<int:statement_id>/diff")
@guard("statement.view", load=_load)
def compare(statement: Statement, statement_id: int) -> str:
    a = int_arg("a")
    b = int_arg("b")
    if a is None or b is None:
        b = statement.head_number
        a = max(1, b - 1)
    old, new = services.revision(statement, a), services.revision(statement, b)
    if old is None or new is None:
        abort(404)
    return render_template("statements/diff.html", statement=statement, old=old, new=new,
                           inline=textlib.diff_html(old.text, new.text),
                           rows=textlib.side_by_side(old.text, new.text),
                           numbers=range(1, statement.head_number + 1))


@bp.route("/statements/<int:statement_id>/blame")
@guard("statement.view", load=_load)
def blame(statement: Statement, statement_id: int) -> str:
    config = current_app.config
    result = services.who_wrote_what(
        statement, config.get("BLAME_STEPS_PER_REQUEST", services.BLAME_STEPS),
        config.get("BLAME_SECONDS_PER_REQUEST", services.BLAME_SECONDS))
    keys = {key for _, key in result.passages}
    names = {o.id: o.name for o in db.session.scalars(select(Organisation).where(
        Organisation.id.in_([k for k in keys if k is not None])))}
    # Colours in order of first appearance: the first six organisations never share one.
    colours: dict[Any, int] = {}
    for _text, key in result.passages:
        colours.setdefault(key, len(colours) % 6)
    return render_template("statements/blame.html", statement=statement, result=result,
                           colours=colours,
                           passages=[(text, names.get(key, "unknown"), key)
                                     for text, key in result.passages])


@bp.route("/statements/<int:statement_id>/restore/<int:number>", methods=["POST"])
@guard("statement.edit", load=_load)
def restore(statement: Statement, statement_id: int, number: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        outcome = services.restore(current_user, statement, number, _credited_org(statement))
    except ServiceError as error:
        abort(400, error.message)
    if outcome.kind == "conflict":
        return redirect(url_for("statements.conflict", statement_id=statement.id,
                                conflict_id=outcome.conflict.id))
    flash(_("Revision %(number)s is restored as revision %(head)s.", number=number,
            head=statement.head_number), "success")
    return redirect(url_for("statements.history", statement_id=statement.id))


@bp.route("/statements/<int:statement_id>/conflicts/<int:conflict_id>",
          methods=["GET", "POST"])
@guard("statement.edit", load=_load)
def conflict(statement: Statement, statement_id: int,
             conflict_id: int) -> str | Response | tuple[str, int]:
    copy = db.get_or_404(ConflictCopy, conflict_id)
    if copy.document_id != statement.document_id:
        abort(404)
    result = services.conflict_view(copy)
    error = None
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        choices_made = []
        for conflict_item in result.conflicts:
            choice = request.form.get(f"choice-{conflict_item.index}", "")
            if choice == "custom":
                choice = request.form.get(f"custom-{conflict_item.index}", "")
                choice = choice if choice.strip() else "both"
            elif choice not in {"theirs", "mine", "both"}:
                error = _("Choose a version for every passage.")
                break
            choices_made.append(choice)
        if error is None and copy.resolved_at is None:
            try:
                outcome = services.resolve_conflict(current_user, copy, choices_made,
                                                    _credited_org(statement))
            except ServiceError as exc:
                error = exc.message
            else:
                if outcome.kind == "conflict":
                    flash(_("The text changed again while you resolved: please look once more."),
                          "info")
                    return redirect(url_for("statements.conflict", statement_id=statement.id,
                                            conflict_id=outcome.conflict.id))
                flash(_resolution_summary(outcome, choices_made, copy.head_number), "success")
                return redirect(url_for("statements.show", statement_id=statement.id))
        elif copy.resolved_at is not None:
            error = _("This conflict has already been resolved.")
    return render_template("statements/conflict.html", statement=statement, copy=copy,
                           result=result, error=error, diff_sides=textlib.diff_sides,
                           action_form=ActionForm(formdata=None)), 400 if error else 200


def _resolution_summary(outcome: Any, choices_made: list[str], head_number: int) -> str:
    """What a resolved conflict saved, passage by passage: "Conflict resolved: saved as
    revision 5 (passage 1: both wordings (theirs, then yours))."."""
    words = {"theirs": _("their wording (revision %(number)s)", number=head_number),
             "mine": _("your wording"), "both": _("both wordings (theirs, then yours)")}
    parts = "; ".join(_("passage %(number)s: %(choice)s", number=i + 1,
                        choice=words.get(choice, _("your new wording")))
                      for i, choice in enumerate(choices_made))
    if outcome.kind == "unchanged" and outcome.revision is not None:
        return _("Conflict resolved, nothing new to save: revision %(number)s stays the text "
                 "(%(parts)s).", number=outcome.revision.number, parts=parts)
    if outcome.revision is None:
        return _("Conflict resolved (%(parts)s).", parts=parts)
    return _("Conflict resolved: saved as revision %(number)s (%(parts)s).",
             number=outcome.revision.number, parts=parts)


@bp.route("/statements/<int:statement_id>/comments", methods=["POST"])
@guard("statement.comment", load=_load)
def comment(statement: Statement, statement_id: int) -> Response:
    form, parent = posted_comment()
    try:
        services.add_comment(current_user, statement, _comment_org(statement), form.body.data,
                             form.quote.data or "", parent)
    except ServiceError as error:
        abort(400, error.message)
    flash(_("Comment added."), "success")
    return redirect(url_for("statements.show", statement_id=statement.id) + "#comments")


@bp.route("/statements/<int:statement_id>/comments/<int:comment_id>/resolve",
          methods=["POST"])
@guard("statement.comment", load=_load)
def resolve_comment(statement: Statement, statement_id: int, comment_id: int) -> Response:
    item = comment_of(statement.document_id, comment_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    if item.author_id != current_user.id and not can(current_user, "statement.edit",
                                                      statement):
        abort(403)
    try:
        services.resolve_comment(current_user, item)
    except ServiceError as error:
        abort(400, error.message)
    return redirect(url_for("statements.show", statement_id=statement.id) + "#comments")


def _load_comment(statement_id: int, comment_id: int, **_: object) -> Comment:
    statement = db.session.get(Statement, statement_id)
    return comment_of(statement.document_id if statement else None, comment_id)


@bp.route("/statements/<int:statement_id>/comments/<int:comment_id>/remove",
          methods=["POST"])
@guard("statement.remove_comment", load=_load_comment)
def remove_comment(item: Comment, statement_id: int, comment_id: int) -> Response:
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.remove_comment(current_user, item)
    except ServiceError as error:
        abort(400, error.message)
    flash(_("The comment is removed."), "success")
    return redirect(url_for("statements.show", statement_id=statement_id) + "#comments")


@bp.route("/statements/<int:statement_id>/status/<action>", methods=["POST"])
@guard("statement.view", load=_load)
def change_status(statement: Statement, statement_id: int, action: str) -> Response:
    if action not in services.TRANSITIONS:
        abort(404)
    # Drafters send their draft to review; the steering committee does the rest (any of its
    # members, for a statement that reached it: moving it is not editing its text).
    needed = "statement.edit" if action in {"submit", "back_to_draft"} else "statement.manage"
    if not (can(current_user, needed, statement)
            or can(current_user, "statement.manage", statement)):
        abort(403)
    deadline, note = None, ""
    if action == "open_signon":
        form = OpenSignOnForm()
        if not form.validate_on_submit():
            abort(400, _("Set a valid sign-on deadline."))
        deadline = form.deadline.data.replace(tzinfo=UTC)
    elif action == "reopen":
        form = ReopenForm()
        if not form.validate_on_submit():
            abort(400, _("Say what is being corrected."))
        note = form.note.data
    elif not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.transition(current_user, statement, action, deadline, note,
                            confirm_unsigned=request.form.get("confirm_unsigned") == "y")
    except ServiceError as error:
        if error.field != "confirm_unsigned":
            abort(400, error.message)
        flash(error.message, "error")  # asked again on the statement page, with the box
        return redirect(url_for("statements.show", statement_id=statement.id) + "#workflow")
    flash(_("The statement is now %(status)s.", status=statement.status_label.lower()),
          "success")
    return redirect(url_for("statements.show", statement_id=statement.id))


def _sign_org() -> Organisation:
    form = SignForm()
    form.organisation.choices = choices({o.id: o.name for o in _orgs_where("org_admin")})
    org = db.session.get(Organisation, to_db_int(request.form.get("organisation")) or 0)
    if org is None:
        abort(400, _("Choose an organisation."))
    if not can(current_user, "statement.sign_for", org):
        abort(403)
    if not form.validate_on_submit():
        abort(400)
    return org


def _signature(statement: Statement, act: Any, done: str) -> Response:
    """Sign or withdraw for the organisation chosen in the form, then back to the sign-on list.
    A refusal of the service (a form from another tab: signed already, never signed, the
    deadline passed) is said on the statement page, never as an error page."""
    if not can(current_user, "statement.view", statement):
        abort(403)
    org = _sign_org()
    try:
        act(current_user, statement, org)
    except ServiceError as error:
        flash(error.message, "error")
    else:
        flash(done % {"org": org.name, "revision": statement.head_number}, "success")
    return redirect(url_for("statements.show", statement_id=statement.id) + "#sign-on")


@bp.route("/statements/<int:statement_id>/sign", methods=["POST"])
@guard("statement.sign", load=_load)
def sign(statement: Statement, statement_id: int) -> Response:
    return _signature(statement, services.sign,
                      _("%(org)s has signed revision %(revision)s."))


@bp.route("/statements/<int:statement_id>/withdraw-signature", methods=["POST"])
@guard("statement.sign", load=_load)
def withdraw_signature(statement: Statement, statement_id: int) -> Response:
    return _signature(statement, services.withdraw_signature,
                      _("%(org)s's signature is withdrawn (it stays in the history)."))


# --- public -----------------------------------------------------------------------------------

def _published_revision(statement_id: int) -> tuple[Statement, Revision]:
    statement = db.session.get(Statement, statement_id)
    # While a correction is prepared, the last published text stays public; a withdrawn
    # statement is no longer published (the policy's "statement.read_public").
    if not can(current_user, "statement.read_public", statement):
        abort(404)
    rev = services.revision(statement, statement.published_number)
    assert rev is not None
    return statement, rev


def _published(statement_id: int) -> tuple[Statement, str]:
    statement, rev = _published_revision(statement_id)
    return statement, rev.text


@bp.route("/s/<int:statement_id>")
@public
def public_page(statement_id: int) -> str:
    """The published statement, for everyone, in the statement's own language: its title,
    dates and headings as its PDF has them, whatever the reader's (issue 9)."""
    statement, rev = _published_revision(statement_id)
    with i18n.translated(statement.language):
        return render_template("statements/public.html", statement=statement,
                               html=services.revision_html(rev),
                               signatories=services.signatories(statement))


@bp.route("/s/<int:statement_id>.pdf")
@public
def public_pdf(statement_id: int) -> Response:
    statement, rev = _published_revision(statement_id)
    pdf = exports.to_pdf(statement, services.revision_html(rev), services.signatories(statement))
    return send_file(io.BytesIO(pdf), mimetype="application/pdf",
                     download_name=f"statement-{statement.id}.pdf")


@bp.route("/s/<int:statement_id>.docx")
@public
def public_docx(statement_id: int) -> Response:
    statement, rev = _published_revision(statement_id)
    data = exports.to_docx(statement, services.revision_html(rev),
                           services.signatories(statement))
    return send_file(io.BytesIO(data), download_name=f"statement-{statement.id}.docx",
                     mimetype="application/vnd.openxmlformats-officedocument."
                              "wordprocessingml.document")


@bp.route("/s/<int:statement_id>.md")
@public
def public_markdown(statement_id: int) -> Response:
    statement, text = _published(statement_id)
    return Response(text, mimetype="text/markdown; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="statement-{statement.id}.md"'})
