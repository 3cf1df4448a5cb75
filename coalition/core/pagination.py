"""Pagination of list pages, reading ?page= from the request."""

from __future__ import annotations

from flask import request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from coalition.extensions import db


def paginate(query: Select, per_page: int = 50) -> Pagination:
    # A mistyped page number shows the first page rather than an error.
    page = request.args.get("page", 1, type=int) or 1
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False,
                       max_per_page=200)
