"""Pagination of list pages, reading ?page= from the request."""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from coalition.core.inputs import int_arg, to_db_int
from coalition.extensions import db


def paginate(query: Select, per_page: int = 50) -> Pagination:
    """One page of `query`. ?page= mistyped (letters) shows the first page; a number past
    the database's integer range is a 400 naming `page` (its offset would overflow)."""
    raw = request.args.get("page", "").strip()
    if raw.lstrip("+-").isdigit() and to_db_int(raw) is None:
        int_arg("page", 1, minimum=1)  # aborts with the message
    page = to_db_int(raw) or 1
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False,
                       max_per_page=200)
