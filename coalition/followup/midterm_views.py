"""The mid-term assessment of a review (issue 11, item 7): its page, the statement draft, and
its Markdown and DOCX downloads. The work is coalition.followup.midterm's."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectField

from coalition.access import can, guard
from coalition.core.errors import ServiceError
from coalition.core.forms import Form, attach_error
from coalition.core.inputs import db_int
from coalition.core.markdown import render_markdown
from coalition.extensions import db
from coalition.followup import midterm
from coalition.organisations.models import Organisation
from coalition.reviews.models import Review
from coalition.reviews.services import review_from_slug

bp = Blueprint("midterm", __name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class MidtermForm(Form):
    organisation = SelectField(_l("Drafted by"), coerce=db_int)


def _load_review(slug: str, **_: object) -> Review:
    review = review_from_slug(slug)
    if review is None:
        abort(404)
    return review


def _form(submitted: bool = False) -> MidtermForm:
    """The draft form, offering the organisations the user drafts for; bound to the request's
    data when `submitted`."""
    form = MidtermForm() if submitted else MidtermForm(formdata=None)
    form.organisation.choices = [(o.id, o.name)
                                 for o in midterm.drafting_organisations(current_user)]
    return form


@bp.app_template_global("midterm_panel")
def midterm_panel(review: Review) -> dict[str, Any] | None:
    """What the review page shows of the mid-term assessment (None: nothing, for a reader who
    may not see follow-up): how many recommendations are tracked, and the draft form for who
    may generate it."""
    if not can(current_user, "followup.view"):
        return None
    generate = can(current_user, "midterm.generate")
    return {"count": midterm.count_tracked(review),
            "form": _form() if generate else None, **_existing(review, generate)}


def _existing(review: Review, generate: bool) -> dict[str, Any]:
    """The review's live draft, as the pages show it: `draft` (the statement, shown to who may
    read it or may generate one) and `draft_readable` (whether to link to it)."""
    draft = midterm.live_draft(review)
    readable = draft is not None and can(current_user, "statement.view", draft)
    return {"draft": draft if readable or generate else None, "draft_readable": readable}


def _page(review: Review, form: MidtermForm | None, status: int = 200) -> tuple[str, int]:
    report = midterm.build_report(review)
    preview = render_markdown(midterm.to_markdown(report)) if report.count else None
    return render_template("followup/midterm.html", review=review, report=report,
                           preview=preview, form=form,
                           **_existing(review, can(current_user, "midterm.generate"))), status


@bp.route("/reviews/<slug>/midterm-assessment")
@guard("followup.view", load=_load_review)
def show(review: Review, slug: str) -> tuple[str, int]:
    """The report as it stands: a preview, its downloads, and the draft form."""
    return _page(review, _form() if can(current_user, "midterm.generate") else None)


@bp.route("/reviews/<slug>/midterm-assessment", methods=["POST"])
@guard("midterm.generate", load=_load_review)
def generate(review: Review, slug: str) -> Response | tuple[str, int]:
    """Open the report as a joint-statement draft led by the chosen organisation, then show
    it; when the review's draft is already open (not withdrawn), show that one, saying so (or,
    to who may not read it, the report's page with the message). A refusal (nothing tracked,
    an organisation the user does not draft for) is a 400 with the page and its message;
    nothing is written."""
    form = _form(submitted=True)
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data)
        try:
            if organisation is None:
                raise ServiceError(_("Choose an organisation you draft for."), "organisation")
            draft = midterm.generate_draft(current_user, review, organisation)
        except ServiceError as error:
            attach_error(form, error)
        else:
            statement, count = draft.statement, draft.count
            if not draft.created:
                flash(_("The mid-term assessment of this review is already drafted, led by "
                        "%(org)s: this is that draft. To start afresh, withdraw it first.",
                        org=statement.lead_organisation.name), "info")
                if not can(current_user, "statement.view", statement):
                    return redirect(url_for("midterm.show", slug=review.slug))
                return redirect(url_for("statements.show", statement_id=statement.id))
            flash(ngettext("The mid-term assessment is drafted as a joint statement from "
                           "%(num)s tracked recommendation: edit it, then send it for review.",
                           "The mid-term assessment is drafted as a joint statement from "
                           "%(num)s tracked recommendations: edit it, then send it for review.",
                           count), "success")
            return redirect(url_for("statements.show", statement_id=statement.id))
    return _page(review, form, 400)


# The downloads: format -> (the report as bytes, its media type).
DOWNLOADS = {
    "md": (lambda report: midterm.to_markdown(report).encode(), "text/markdown"),
    "docx": (midterm.to_docx, DOCX_TYPE),
}


def _download(review: Review, extension: str) -> Response:
    """The report as a file; with nothing tracked, back to its page with a message."""
    report = midterm.build_report(review)
    if not report.count:
        flash(_("No recommendation of this review is tracked yet: there is no mid-term "
                "assessment to download."), "info")
        return redirect(url_for("midterm.show", slug=review.slug))
    make, mimetype = DOWNLOADS[extension]
    return send_file(io.BytesIO(make(report)), mimetype=mimetype, as_attachment=True,
                     download_name=f"midterm-assessment-{review.slug}.{extension}")


@bp.route("/reviews/<slug>/midterm-assessment.md")
@guard("followup.view", load=_load_review)
def markdown(review: Review, slug: str) -> Response:
    return _download(review, "md")


@bp.route("/reviews/<slug>/midterm-assessment.docx")
@guard("followup.view", load=_load_review)
def docx(review: Review, slug: str) -> Response:
    return _download(review, "docx")
