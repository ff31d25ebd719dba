"""The form behind a one-click survey link: the score (pre-selected from the e-mail) and a comment."""

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from ..i18n.forms import Form, optional_int
from .invitations import SCALES
from .models import SurveyKind
from .services import MAX_COMMENT

QUESTIONS = {
    SurveyKind.CASE_CSAT: _l("Were you satisfied with how we handled this?"),
    SurveyKind.NPS: _l("How likely are you to recommend us to a friend or colleague?"),
}
CSAT_LABELS = {
    1: _l("Very unsatisfied"),
    2: _l("Unsatisfied"),
    3: _l("Neutral"),
    4: _l("Satisfied"),
    5: _l("Very satisfied"),
}
ENDS = {
    SurveyKind.CASE_CSAT: (_l("1 = very unsatisfied"), _l("5 = very satisfied")),
    SurveyKind.NPS: (_l("0 = not at all likely"), _l("10 = extremely likely")),
}


class LinkAnswerForm(Form):
    """Score and comment; :func:`answer_form` sets the scale and question for the survey's kind."""

    score = RadioField(
        coerce=optional_int,
        validators=[InputRequired(message=_l("Choose a score."))],
        invalid_value_message=_l("Choose a score."),
        invalid_choice_message=_l("Choose a score."),
    )
    comment = TextAreaField(
        _l("Anything you would like to add? (optional)"),
        validators=[Length(max=MAX_COMMENT, message=_l("Keep the comment under %(max)d characters."))],
    )


def preset_score(kind: SurveyKind, raw: str | None) -> int | None:
    """The score from the e-mail link's ``?score=``, if it is on this survey's scale."""
    try:
        value = int(raw) if raw is not None and raw.isdigit() and len(raw) <= 2 else None
    except ValueError:
        return None
    return value if value in SCALES[kind] else None


def answer_form(kind: SurveyKind, preset: int | None = None) -> LinkAnswerForm:
    """The form for a survey of ``kind``; on GET the score chosen in the e-mail is pre-selected."""
    form = LinkAnswerForm(data={"score": preset} if preset is not None else None)
    form.score.label.text = QUESTIONS[kind]
    form.score.choices = [SelectChoice(n, str(n)) for n in SCALES[kind]]
    return form
