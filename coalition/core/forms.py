"""Form pieces shared by every domain."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from babel import support
from flask import has_request_context
from flask_wtf import FlaskForm
from wtforms import SelectChoice, widgets
from wtforms import fields as wtf_fields
from wtforms.i18n import messages_path

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


@lru_cache(maxsize=8)
def _wtforms_catalogue(name: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [name], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("This field is required.", "Not a valid date value.") in the
    reader's language and script. Flask-WTF loads WTForms' catalogue for Babel's locale, and
    for zh_Hant gettext falls back to "zh", which is Simplified Chinese ("该字段是必填字段"):
    WTForms names its Traditional Chinese catalogue "zh_TW"."""

    CATALOGUES = {"zh_Hant": "zh_TW"}

    def _catalogue(self) -> support.NullTranslations:
        if not has_request_context():
            return support.NullTranslations()
        from coalition.i18n import current_locale

        code = current_locale()
        return _wtforms_catalogue(self.CATALOGUES.get(code, code))

    def gettext(self, string: str) -> str:
        return self._catalogue().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalogue().ungettext(singular, plural, n)


WTFORMS_MESSAGES = _WTFormsMessages()


class Form(FlaskForm):
    """Every form of the site: Flask-WTF's (CSRF), with WTForms' own messages in the reader's
    language and script (`_WTFormsMessages`)."""

    class Meta:
        def get_translations(self, form: Any) -> _WTFormsMessages:
            return WTFORMS_MESSAGES


class ActionForm(Form):
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
