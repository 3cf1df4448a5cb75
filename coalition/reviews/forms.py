"""Review forms."""

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from coalition.core.forms import Form, IntegerField, choices
from coalition.reviews import reference


class ReviewForm(Form):
    state_code = SelectField(_l("State under review"), validators=[DataRequired()])
    cycle = IntegerField(_l("UPR cycle"), validators=[DataRequired(), NumberRange(1, 9)])
    session = IntegerField(_l("Working Group session"), validators=[Optional(),
                                                                NumberRange(1, 200)])
    review_date = DateField(_l("Date of the review"), validators=[Optional()])
    report_symbol = StringField(_l("Working Group report"), validators=[Optional(), Length(max=40)],
                                description=_l("For example A/HRC/40/6."))
    responses_symbol = StringField(_l("Addendum with the State's responses"),
                                   validators=[Optional(), Length(max=40)],
                                   description=_l("For example A/HRC/40/6/Add.1."))
    midterm_due = DateField(_l("Mid-term report due"), validators=[Optional()])
    submission_deadline = DateField(_l("Deadline for stakeholder submissions"),
                                    validators=[Optional()])
    presession_date = DateField(_l("Pre-session"), validators=[Optional()],
                                description=_l("UPR Info's pre-session in Geneva, about a "
                                               "month before the review."))
    adoption_date = DateField(_l("Adoption of the outcome"), validators=[Optional()],
                              description=_l("The day the Human Rights Council adopts the "
                                             "review's outcome."))
    hrc_session = IntegerField(_l("Human Rights Council session"),
                               validators=[Optional(), NumberRange(1, 200)],
                               description=_l("The session that adopts the outcome, for "
                                              "example 40."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.state_code.choices = choices(
            {s.code: s.name for s in sorted(reference.load_states(), key=lambda s: s.name)})
