"""The notification settings form (digest frequency, kinds the digest carries)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from coalition.core.forms import Form, MultiCheckboxField, choices
from coalition.notifications.models import DIGEST_FREQUENCIES, NOTIFICATION_KINDS


class SettingsForm(Form):
    digest = SelectField(_l("E-mail digest"), choices=choices(DIGEST_FREQUENCIES),
                         description=_l("One e-mail listing what is new since the last one."))
    kinds = MultiCheckboxField(_l("What the digest tells you of"),
                               choices=choices(NOTIFICATION_KINDS), validate_choice=True,
                               description=_l("The bell in the header always shows every "
                                              "kind."))
