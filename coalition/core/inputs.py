"""Every value that comes in, made safe in one place (issue 7 item 16: bad input gets a 4xx,
never a 500, and never loses the text around it).

- Ids in URLs: the `int` converter is replaced app-wide by one bounded to the database's
  `integer` range, so `/s/<25 digits>` is a 404 without any view knowing; the string and path
  converters refuse (404) a segment with a NUL or another disallowed character.
- Text: every form value, query argument and JSON string loses its NUL bytes and the other
  characters no database column or XML document accepts (C0 controls but tab, newline and
  carriage return; DEL; lone surrogates; U+FFFE/U+FFFF). The text around them is kept.
- Integers in query strings and forms: `int_arg` and `to_db_int` answer a clear 400 (or None)
  outside the database's range; `IntegerField` (core.forms) does the same for WTForms.
- Dates in query strings: `date_arg` refuses dates whose next day does not exist.
- JSON bodies: `json_body(schema)` checks the body against a JSON Schema (jsonschema) and
  answers 400 JSON with a message naming what is wrong.
"""

from __future__ import annotations

import builtins
import datetime as dt
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, abort, g, jsonify, make_response
from flask import Request as FlaskRequest
from jsonschema import Draft202012Validator
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter, PathConverter, UnicodeConverter, ValidationError
from werkzeug.utils import cached_property

# PostgreSQL's `integer` (every id and number column); SQLite's INTEGER is wider, so the
# stricter bound holds on both.
DB_INT_MIN = -(2**31)
DB_INT_MAX = 2**31 - 1

# Characters a PostgreSQL text column (NUL) or an XML 1.0 document (the DOCX and PDF exports)
# refuses. Tab, newline and carriage return are text; everything else below U+0020 is not.
DISALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: str) -> str:
    """`value` without NULs, control characters (but tab, LF, CR), lone surrogates, U+FFFE/F."""
    return DISALLOWED.sub("", value)


def clean_json(value: Any) -> Any:
    """A parsed JSON value with every string (keys too) cleaned; other values unchanged."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_json(item) for item in value]
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    return value


# A query argument is a search term, a filter or a page number: none is longer than this, and
# SQLite refuses LIKE patterns past 50,000 bytes.
MAX_QUERY_ARG_CHARS = 2000


def _clean_multidict(data: MultiDict[str, Any], cls: type, limit: int | None = None) -> Any:
    return cls([(clean_text(k), clean_text(v)[:limit] if isinstance(v, str) else v)
                for k, v in data.items(multi=True)])


class Request(FlaskRequest):
    """Flask's request, with its query arguments, form values and JSON body cleaned."""

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return _clean_multidict(super().args, self.parameter_storage_class,
                                MAX_QUERY_ARG_CHARS)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean_multidict(form, self.parameter_storage_class)

    def get_json(self, force: bool = False, silent: bool = False,
                 cache: bool = True) -> Any:
        try:
            data = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            # {"text": [[[[... 100,000 deep: the parser's recursion limit, not a ValueError,
            # so `silent` does not catch it. A 400, as for any body that is not JSON.
            raise BadRequest("The JSON body is nested too deeply.") from None
        return clean_json(data)


class BoundedIntegerConverter(IntegerConverter):
    """`<int:...>` limited to the database's integer range: beyond it, the URL matches nothing
    (404) instead of reaching a query that overflows (500 on PostgreSQL and SQLite)."""

    def __init__(self, map: Any, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        low = DB_INT_MIN if signed else 0
        super().__init__(map, fixed_digits=fixed_digits,
                         min=low if min is None else builtins.max(min, low),
                         max=DB_INT_MAX if max is None else builtins.min(max, DB_INT_MAX),
                         signed=signed)


class CleanStringConverter(UnicodeConverter):
    """`<slug>`, `<token>`: a segment holding a NUL or another disallowed character matches
    nothing (404) instead of reaching a query (PostgreSQL refuses NUL: 500)."""

    def to_python(self, value: str) -> str:
        if DISALLOWED.search(value):
            raise ValidationError()
        return value


class CleanPathConverter(PathConverter):
    def to_python(self, value: str) -> str:
        if DISALLOWED.search(value):
            raise ValidationError()
        return value


def in_db_range(value: int) -> bool:
    return DB_INT_MIN <= value <= DB_INT_MAX


def db_int(raw: Any) -> int:
    """`coerce` for every SelectField of ids: like `int`, but a value the database cannot hold
    is a ValueError, which WTForms turns into a field error ("Not a valid choice") instead of a
    query that overflows (500). Raises ValueError."""
    value = to_db_int(raw)
    if value is None:
        raise ValueError("not an id the database can hold")
    return value


def to_db_int(raw: Any) -> int | None:
    """An integer the database can hold, from a form or query value; None if it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if in_db_range(raw) else None
    text = str(raw or "").strip()
    if not re.fullmatch(r"[+-]?\d{1,12}", text):
        return None
    value = int(text)
    return value if in_db_range(value) else None


def int_arg(name: str, default: int | None = None, *, minimum: int = DB_INT_MIN,
            source: MultiDict[str, str] | None = None) -> int | None:
    """The query argument `name` as an integer, `default` if absent or empty.

    Not a number, or outside [minimum, the database's integer maximum]: abort(400) with a
    message naming the argument."""
    from flask import request

    raw = (source if source is not None else request.args).get(name, "")
    if raw.strip() == "":
        return default
    value = to_db_int(raw)
    if value is None or value < minimum:
        abort(400, f"{name}: {raw[:40]!r} is not a number between {minimum} and "
                   f"{DB_INT_MAX}.")
    return value


def int_list_arg(values: list[str], name: str) -> list[int]:
    """Every value of a repeated integer argument (tracker facets); 400 naming it otherwise."""
    out = []
    for raw in values:
        if raw.strip() == "":
            continue
        value = to_db_int(raw)
        if value is None:
            abort(400, f"{name}: {raw[:40]!r} is not a number between {DB_INT_MIN} and "
                       f"{DB_INT_MAX}.")
        out.append(value)
    return out


# Far enough for any real filter, near enough that the day after still exists.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(9000, 12, 31)


def parse_date(raw: str) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) between 1900 and 9000, else None."""
    raw = raw.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
        return None
    try:
        value = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return value if DATE_MIN <= value <= DATE_MAX else None


def date_arg(name: str) -> tuple[dt.date | None, str | None]:
    """The query argument `name` as a date: (date, None), (None, None) when absent, or
    (None, message naming the argument) when it is not a date this site can filter on."""
    from flask import request

    raw = request.args.get(name, "").strip()
    if not raw:
        return None, None
    value = parse_date(raw)
    if value is None:
        return None, (f"{name.capitalize()}: use a date like 2026-11-23 (between "
                      f"{DATE_MIN.year} and {DATE_MAX.year}).")
    return value, None


def json_body(schema: dict[str, Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """View decorator: the request's JSON body must match `schema` (a JSON Schema), else
    400 JSON `{"error", "message", "status"}`. The checked body is in `g.json`.

    The view carries `json_schema` so the hostile-input walk finds every JSON endpoint."""
    validator = Draft202012Validator(schema)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            from flask import request

            data = request.get_json(silent=True)
            if data is None and not request.is_json:
                message = "Send a JSON body (Content-Type: application/json)."
            elif data is None:
                message = "The body is not valid JSON."
            else:
                error = next(iter(sorted(validator.iter_errors(data),
                                         key=lambda e: list(e.path))), None)
                message = _describe(error) if error is not None else None
            if message is not None:
                abort(make_response(jsonify(error="Bad request", message=message,
                                            status=400), 400))
            g.json = data
            return view(*args, **kwargs)

        wrapped.json_schema = schema  # type: ignore[attr-defined]
        return wrapped

    return decorator


def _describe(error: Any) -> str:
    where = ".".join(str(p) for p in error.absolute_path) or "the body"
    kind = error.validator
    if kind == "type":
        return f"{where}: expected {error.validator_value}."
    if kind == "required":
        return f"{where}: {error.message.split(' is a required')[0]} is required."
    if kind in ("maximum", "minimum"):
        return f"{where}: out of range."
    if kind == "maxLength":
        return f"{where}: too long (at most {error.validator_value} characters)."
    return f"{where}: {error.message[:200]}"


def init_app(app: Flask) -> None:
    """Install the cleaning request class and the bounded `int` converter. Call before any
    blueprint is registered: rules take their converter when they are added."""
    app.request_class = Request
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.url_map.converters["default"] = CleanStringConverter
    app.url_map.converters["string"] = CleanStringConverter
    app.url_map.converters["path"] = CleanPathConverter
