"""Asks and impact pages (issue 12, item 4): a submission's asks with the links the platform
proposes and members decide, and the impact page of a review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from coalition.access import can, guard
from coalition.core.errors import ServiceError
from coalition.core.forms import ActionForm, attach_error, choices
from coalition.extensions import db
from coalition.impact import services, similarity
from coalition.impact.forms import AskForm, LinkForm, PasteForm
from coalition.impact.models import LINK_STATES, Ask, AskLink
from coalition.recommendations.models import IMPLEMENTATION_STATUSES, POSITIONS, Recommendation
from coalition.reviews.models import Review, Theme
from coalition.reviews.services import review_from_slug
from coalition.submissions.models import Submission

bp = Blueprint("impact", __name__)


def _load_submission(submission_id: int, **_: object) -> Submission:
    return db.get_or_404(Submission, submission_id)


def _ask(submission: Submission, ask_id: int) -> Ask:
    ask = db.get_or_404(Ask, ask_id)
    if ask.submission_id != submission.id:
        abort(404)
    return ask


def _load_for_ask(submission_id: int, ask_id: int, **_: object) -> Submission:
    """The submission of an ask that belongs to it (404 otherwise): rules are on submissions."""
    submission = db.get_or_404(Submission, submission_id)
    _ask(submission, ask_id)
    return submission


def _load_for_link(submission_id: int, link_id: int, **_: object) -> Submission:
    submission = db.get_or_404(Submission, submission_id)
    link = db.get_or_404(AskLink, link_id)
    if link.ask.submission_id != submission.id:
        abort(404)
    return submission


def _load_review(slug: str, **_: object) -> Review:
    review = review_from_slug(slug)
    if review is None:
        abort(404)
    return review


def _theme_choices(form: AskForm) -> AskForm:
    form.themes.choices = choices({t.id: f"{t.code} {t.name}" for t in db.session.scalars(
        select(Theme).where(Theme.kind == "ohchr").order_by(Theme.code))})
    return form


def _posted() -> bool:
    return request.method == "POST"


def _page(submission: Submission, ask_form: AskForm | None = None,
          paste_form: PasteForm | None = None, link_forms: dict[int, LinkForm] | None = None,
          code: int = 200) -> tuple[str, int]:
    may_edit = can(current_user, "submission.asks", submission)
    may_link = can(current_user, "submission.link_asks", submission)
    asks = services.asks_of(submission)
    if may_edit:
        ask_form = _theme_choices(ask_form or AskForm(formdata=None))
        paste_form = paste_form or PasteForm(formdata=None)
    forms = dict(link_forms or {})
    if may_link:
        for ask in asks:
            forms.setdefault(ask.id, LinkForm(formdata=None, prefix=f"l{ask.id}"))
    return render_template(
        "impact/asks.html", submission=submission, asks=asks, may_edit=may_edit,
        may_link=may_link, ask_form=ask_form, paste_form=paste_form, link_forms=forms,
        link_states=LINK_STATES, highlight=similarity.highlight,
        threshold=similarity.THRESHOLD, top_n=similarity.TOP_N), code


def _back(submission: Submission, anchor: str | None = None) -> WerkzeugResponse:
    return redirect(url_for("impact.asks", submission_id=submission.id,
                            _anchor=anchor or "asks"))


@bp.route("/submissions/<int:submission_id>/asks")
@guard("submission.view", load=_load_submission)
def asks(submission: Submission, submission_id: int) -> tuple[str, int]:
    return _page(submission)


@bp.route("/submissions/<int:submission_id>/asks", methods=["POST"])
@guard("submission.asks", load=_load_submission)
def add(submission: Submission, submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = _theme_choices(AskForm())
    if form.validate_on_submit():
        try:
            ask = services.add_ask(current_user, submission, form.text.data or "",
                                   form.themes.data or [])
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Ask %(number)s is added.", number=ask.number), "success")
            return _back(submission, f"ask-{ask.id}")
    return _page(submission, ask_form=form, code=400)


@bp.route("/submissions/<int:submission_id>/asks/paste", methods=["POST"])
@guard("submission.asks", load=_load_submission)
def paste(submission: Submission, submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    form = PasteForm()
    if form.validate_on_submit():
        try:
            added = services.add_pasted_asks(current_user, submission, form.pasted.data or "")
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("%(num)s asks are added.", num=len(added)), "success")
            return _back(submission)
    return _page(submission, paste_form=form, code=400)


@bp.route("/submissions/<int:submission_id>/asks/<int:ask_id>/edit", methods=["GET", "POST"])
@guard("submission.asks", load=_load_for_ask)
def edit(submission: Submission, submission_id: int,
         ask_id: int) -> WerkzeugResponse | tuple[str, int]:
    ask = _ask(submission, ask_id)
    form = AskForm() if _posted() else AskForm(formdata=None, text=ask.text,
                                               themes=[t.id for t in ask.themes])
    _theme_choices(form)
    if form.validate_on_submit():
        try:
            services.update_ask(current_user, ask, form.text.data or "", form.themes.data or [])
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Ask %(number)s is saved.", number=ask.number), "success")
            return _back(submission, f"ask-{ask.id}")
    code = 400 if _posted() else 200
    return render_template("impact/ask_form.html", submission=submission, ask=ask,
                           form=form), code


@bp.route("/submissions/<int:submission_id>/asks/<int:ask_id>/delete", methods=["POST"])
@guard("submission.asks", load=_load_for_ask)
def delete(submission: Submission, submission_id: int,
           ask_id: int) -> WerkzeugResponse | tuple[str, int]:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _page(submission, code=400)
    ask = _ask(submission, ask_id)
    number = ask.number
    services.remove_ask(current_user, ask)
    flash(_("Ask %(number)s is removed.", number=number), "success")
    return _back(submission)


@bp.route("/submissions/<int:submission_id>/asks/<int:ask_id>/up", methods=["POST"],
          defaults={"direction": "up"})
@bp.route("/submissions/<int:submission_id>/asks/<int:ask_id>/down", methods=["POST"],
          defaults={"direction": "down"})
@guard("submission.asks", load=_load_for_ask)
def move(submission: Submission, submission_id: int, ask_id: int,
         direction: str) -> WerkzeugResponse | tuple[str, int]:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _page(submission, code=400)
    ask = _ask(submission, ask_id)
    services.move_ask(current_user, ask, direction)
    return _back(submission, f"ask-{ask.id}")


@bp.route("/submissions/<int:submission_id>/asks/propose", methods=["POST"])
@guard("submission.link_asks", load=_load_submission)
def propose(submission: Submission, submission_id: int) -> WerkzeugResponse | tuple[str, int]:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _page(submission, code=400)
    count = services.refresh_proposals(current_user, submission.review, submission)
    if count:
        flash(_("%(num)s links are proposed: confirm or reject each.", num=count), "success")
    else:
        flash(_("No recommendation of this review is close enough to an ask."), "info")
    return _back(submission)


@bp.route("/submissions/<int:submission_id>/asks/links/<int:link_id>/confirm",
          methods=["POST"], defaults={"state": "confirmed"})
@bp.route("/submissions/<int:submission_id>/asks/links/<int:link_id>/reject",
          methods=["POST"], defaults={"state": "rejected"})
@guard("submission.link_asks", load=_load_for_link)
def decide(submission: Submission, submission_id: int, link_id: int,
           state: str) -> WerkzeugResponse | tuple[str, int]:
    if not ActionForm().validate_on_submit():
        flash(_("The form expired: try again."), "error")
        return _page(submission, code=400)
    link = db.get_or_404(AskLink, link_id)
    services.decide(current_user, link, state)
    if state == "confirmed":
        flash(_("The link is confirmed."), "success")
    else:
        flash(_("The link is rejected: it will not be proposed again."), "success")
    return _back(submission, f"ask-{link.ask_id}")


@bp.route("/submissions/<int:submission_id>/asks/<int:ask_id>/link", methods=["POST"])
@guard("submission.link_asks", load=_load_for_ask)
def link(submission: Submission, submission_id: int,
         ask_id: int) -> WerkzeugResponse | tuple[str, int]:
    ask = _ask(submission, ask_id)
    form = LinkForm(prefix=f"l{ask.id}")
    if form.validate_on_submit():
        try:
            services.link_by_hand(current_user, ask, form.reference.data or "")
        except ServiceError as error:
            db.session.rollback()
            attach_error(form, error)
        else:
            flash(_("Ask %(number)s is linked.", number=ask.number), "success")
            return _back(submission, f"ask-{ask.id}")
    return _page(submission, link_forms={ask.id: form}, code=400)


@bp.route("/reviews/<slug>/impact")
@guard("impact.view", load=_load_review)
def review_impact(review: Review, slug: str) -> str:
    return render_template("impact/review.html", review=review,
                           impact=services.impact(current_user, review),
                           positions=POSITIONS, statuses=IMPLEMENTATION_STATUSES)


# --- on other pages ----------------------------------------------------------------------------

@bp.app_template_global()
def submission_asks(submission: Submission) -> list[Ask]:
    """A submission's asks, for its page (templates/impact/_asks.html)."""
    return services.asks_of(submission)


@bp.app_template_global()
def asked_for_by(rec: Recommendation) -> list[tuple[Submission, list[int]]]:
    """The submissions the current user may read that asked for `rec`
    (templates/impact/_asked_for.html)."""
    return services.asked_for(current_user, rec)
