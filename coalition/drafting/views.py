"""View helpers shared by the owners of drafted texts (statements, submissions): the JSON
schemas of the editor's autosave and heartbeat, the editor's clock, and reading the choices
of the conflict page. Each owner has its own routes and access rules; the pages are the
macros in templates/drafting/_macros.html."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import abort, request
from flask_babel import gettext as _

from coalition.core.inputs import DB_INT_MAX, to_db_int
from coalition.drafting.forms import CommentForm
from coalition.drafting.models import MAX_TEXT_CHARS, Comment
from coalition.drafting.text import MergeResult
from coalition.extensions import db

AUTOSAVE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "base_number": {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX},
        "text": {"type": "string", "maxLength": MAX_TEXT_CHARS},
    },
    "required": ["base_number", "text"],
}
HEARTBEAT_SCHEMA: dict[str, Any] = {"type": "object"}


def epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch (what app.js compares its local copy's time with)."""
    return int(moment.replace(tzinfo=moment.tzinfo or UTC).timestamp() * 1000)


def comment_of(document_id: int | None, comment_id: int) -> Comment:
    """The comment `comment_id` of the document `document_id`; 404 when there is none, or it
    belongs to another text (a comment id is never read under another owner's URL)."""
    item = db.get_or_404(Comment, comment_id)
    if document_id is None or item.document_id != document_id:
        abort(404)
    return item


def posted_comment() -> tuple[CommentForm, Comment | None]:
    """The comment form of this POST, validated, and the comment it answers (None for a new
    thread). Aborts 400 "Write a comment." when the form is empty or its token is bad, 404 when
    it answers a comment that does not exist (the service refuses one of another text)."""
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400, _("Write a comment."))
    parent = None
    if form.parent_id.data:
        parent_id = to_db_int(form.parent_id.data)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        if parent is None:
            abort(404)
    return form, parent


def conflict_choices(result: MergeResult) -> tuple[list[str], str | None]:
    """The choices posted on the conflict page, one per clash ("theirs", "mine", "both" or a
    new wording; an empty new wording keeps both), and the error if one is missing."""
    made: list[str] = []
    for item in result.conflicts:
        choice = request.form.get(f"choice-{item.index}", "")
        if choice == "custom":
            choice = request.form.get(f"custom-{item.index}", "")
            choice = choice if choice.strip() else "both"
        elif choice not in {"theirs", "mine", "both"}:
            return made, _("Choose a version for every passage.")
        made.append(choice)
    return made, None
