"""Forms of the coalition position (issue 11, item 3). The dashboards take the tracker's GET
parameters, read by coalition.recommendations.tracker.TrackerFilters."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from coalition.core.forms import Form, choices
from coalition.followup.positions import REASON_MAX
from coalition.recommendations.forms import not_in_future
from coalition.recommendations.models import IMPLEMENTATION_STATUSES

OWN = "own"  # the "source" choice of a position the steering member writes


class PositionForm(Form):
    """Adopt a member assessment as the coalition position, or write the coalition's own.
    `source` is an assessment id (the choices: those the adopter may read) or OWN."""

    source = SelectField(_l("Coalition position"), validators=[InputRequired()],
                         description=_l("Adopt one of the member organisations' assessments, "
                                        "or write the coalition's own position."))
    status = SelectField(
        _l("Implementation status (for the coalition's own position)"),
        choices=[SelectChoice("", _l("Choose a status…")), *choices(IMPLEMENTATION_STATUSES)],
        default="", validators=[Optional()])
    adopted_on = DateField(_l("Adopted on"), validators=[InputRequired(), not_in_future],
                           default=date.today)
    reason = TextAreaField(_l("Reason (Markdown)"),
                           validators=[Optional(), Length(max=REASON_MAX)],
                           description=_l("Why the coalition takes this position: required "
                                          "for the coalition's own position."))
