"""Form pieces shared by every domain."""

from __future__ import annotations

from collections.abc import Mapping

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from coalition.core.errors import ServiceError


class ActionForm(FlaskForm):
    """A form with nothing but its CSRF token: for buttons that change something."""


def attach_error(form: FlaskForm, error: ServiceError) -> None:
    """Show a service's refusal on the field it names, or on the whole form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*list(field.errors), error.message]
    else:
        form.form_errors.append(error.message)


def choices(options: Mapping[str, str]) -> list[SelectChoice]:
    """Select options from a {value: label} mapping."""
    return [SelectChoice(value, label) for value, label in options.items()]
