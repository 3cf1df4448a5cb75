"""Form pieces shared by every domain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import SelectChoice, widgets
from wtforms import fields as wtf_fields

from coalition.core.errors import ServiceError
from coalition.core.inputs import DB_INT_MAX, DB_INT_MIN


class IntegerField(wtf_fields.IntegerField):
    """WTForms' IntegerField, refusing (as a field error) a number the database cannot hold:
    every integer form field of the site is one of these."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        if self.data is not None and not DB_INT_MIN <= self.data <= DB_INT_MAX:
            self.data = None
            raise ValueError(f"Enter a number between {DB_INT_MIN} and {DB_INT_MAX}.")


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


class MultiCheckboxField(wtf_fields.SelectMultipleField):
    """A multiple choice shown as a list of checkboxes (WTForms' documented pattern): no
    Ctrl-click, every option visible. Render it with templates/_macros/checkboxes.html."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()
