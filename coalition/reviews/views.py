"""Reviews: list, page with counts, create and edit (steering committee)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from coalition.access import guard
from coalition.core.errors import ServiceError
from coalition.core.forms import attach_error
from coalition.extensions import db
from coalition.recommendations.models import (
    POSITIONS,
    Recommendation,
    recommendation_theme,
    recommending_state,
)
from coalition.reviews import services
from coalition.reviews.forms import ReviewForm
from coalition.reviews.models import Review, State, Theme

bp = Blueprint("reviews", __name__, url_prefix="/reviews")


def _load_review(slug: str, **_: object) -> Review:
    review = services.review_from_slug(slug)
    if review is None:
        abort(404)
    return review


@bp.route("")
@guard("tracker.view")
def index() -> str:
    return render_template("reviews/index.html", reviews=services.list_reviews())


@bp.route("/new", methods=["GET", "POST"])
@guard("tracker.manage")
def new() -> str | Response | tuple[str, int]:
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            review = services.create_review(
                current_user, form.state_code.data, form.cycle.data, form.session.data,
                form.review_date.data, form.report_symbol.data, form.responses_symbol.data,
                form.midterm_due.data, form.submission_deadline.data,
                form.presession_date.data, form.adoption_date.data, form.hrc_session.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The review %(title)s is created.", title=review.display_title), "success")
            return redirect(url_for("reviews.show", slug=review.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("reviews/form.html", form=form, review=None), status


@bp.route("/<slug>")
@guard("tracker.view", load=_load_review)
def show(review: Review, slug: str) -> str:
    in_review = Recommendation.review_id == review.id
    positions = dict(db.session.execute(select(Recommendation.position, func.count())
                                        .where(in_review).group_by(Recommendation.position)).all())
    by_theme = db.session.execute(
        select(Theme.id, Theme.code, Theme.name, func.count())
        .join(recommendation_theme, recommendation_theme.c.theme_id == Theme.id)
        .join(Recommendation, Recommendation.id == recommendation_theme.c.recommendation_id)
        .where(in_review, Theme.kind == "ohchr").group_by(Theme.id, Theme.code, Theme.name)
        .order_by(func.count().desc()).limit(15)).all()
    by_state = db.session.execute(
        select(State.code, State.name, func.count())
        .join(recommending_state, recommending_state.c.state_id == State.id)
        .join(Recommendation, Recommendation.id == recommending_state.c.recommendation_id)
        .where(in_review).group_by(State.code, State.name)
        .order_by(func.count().desc(), State.name).limit(15)).all()
    total = sum(positions.values())
    return render_template("reviews/show.html", review=review, positions=positions,
                           position_labels=POSITIONS, total=total, by_theme=by_theme,
                           by_state=by_state)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@guard("tracker.manage", load=_load_review)
def edit(review: Review, slug: str) -> str | Response | tuple[str, int]:
    form = ReviewForm(obj=review)
    del form.state_code  # a review's State never changes; create another review instead
    if form.validate_on_submit():
        try:
            services.update_review(current_user, review, cycle=form.cycle.data,
                                   session=form.session.data, review_date=form.review_date.data,
                                   report_symbol=form.report_symbol.data or None,
                                   responses_symbol=form.responses_symbol.data or None,
                                   midterm_due=form.midterm_due.data,
                                   submission_deadline=form.submission_deadline.data,
                                   presession_date=form.presession_date.data,
                                   adoption_date=form.adoption_date.data,
                                   hrc_session=form.hrc_session.data)
        except ServiceError as error:
            attach_error(form, error)
        else:
            flash(_("The review is saved."), "success")
            return redirect(url_for("reviews.show", slug=review.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("reviews/form.html", form=form, review=review), status
