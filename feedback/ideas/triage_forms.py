"""Forms of the staff's idea pages (triage list and one idea) and the managers' label page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..followups.reference import case_reference, parse_case_reference
from ..i18n.forms import Form, optional_int
from .labels import MAX_LABEL, status_labels
from .models import STATUSES
from .services import MAX_NOTE, MAX_TEXT, MAX_TITLE

MAX_ID = 2**31 - 1  # an id beyond the database's integer is no row (and no overflow)


def _id_field(label):
    return IntegerField(label, validators=[InputRequired(), NumberRange(min=1, max=MAX_ID)])


def _with_statuses(form):
    form.status.choices = [SelectChoice(value, label) for value, label in status_labels().items()]
    return form


class BulkStatusForm(Form):
    """Several ideas to one status (a reason when declining)."""

    ideas = SelectMultipleField(_l("Ideas"), coerce=int, validate_choice=False)
    status = SelectField(_l("New status"), validators=[DataRequired(message=_l("Choose a status."))])
    reason = TextAreaField(_l("Reason (needed to decline)"), validators=[Length(max=MAX_TEXT)])

    @classmethod
    def build(cls, **kwargs) -> "BulkStatusForm":
        """The form with the statuses under their current labels, none chosen at first (a
        stray click must not move the ticked ideas back to "new")."""
        form = _with_statuses(cls(**kwargs))
        form.status.choices = [SelectChoice("", _l("Choose…")), *form.status.choices]
        return form


class StatusForm(Form):
    """One idea to a status; a reason to decline, what changed when done."""

    status = SelectField(_l("Status"))
    reason = TextAreaField(
        _l("Reason (needed to decline; followers read it)"), validators=[Length(max=MAX_TEXT)]
    )
    changelog = TextAreaField(
        _l("What changed (for the changelog, when done)"), validators=[Length(max=MAX_TEXT)]
    )

    @classmethod
    def build(cls, **kwargs) -> "StatusForm":
        """The form with the statuses under their current labels."""
        return _with_statuses(cls(**kwargs))


class AnswerForm(Form):
    """The official answer, public; empty removes it."""

    answer = TextAreaField(_l("Official answer"), validators=[Length(max=MAX_TEXT)])


class NoteForm(Form):
    """An internal note."""

    note = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=MAX_NOTE)])


class EditForm(Form):
    """The idea's wording (the text before is kept in the trail)."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=MAX_TITLE)])
    description = TextAreaField(_l("Description"), validators=[Length(max=MAX_TEXT)])


class MoveForm(Form):
    """Another category (or none)."""

    category = SelectField(_l("Category"), coerce=optional_int, validators=[Optional()])


class MergeForm(Form):
    """The idea to keep when merging this one into it."""

    keep = _id_field(_l("Idea to keep (number)"))


class _ReferenceField(StringField):
    """A case's reference (``K-220``) or a plain number (``220``, ``#220``); ``data`` is the id,
    None when the text names none."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = parse_case_reference(self.data)


def _names_a_row(form, field):
    if field.data is None:
        example = case_reference(220)
        raise ValidationError(
            _("Enter a case reference such as %(example)s, or a notice's number.", example=example)
        )


class LinkForm(Form):
    """A case or a notice to link: the case's reference or either one's number."""

    target = SelectField(
        _l("Link to"),
        choices=[SelectChoice("case", _l("Case (follow-up)")), SelectChoice("notice", _l("Notice"))],
    )
    target_id = _ReferenceField(_l("Reference or number"), validators=[InputRequired(), _names_a_row])


class UnlinkForm(Form):
    """The link to remove."""

    link_id = _id_field(_l("Link"))


class ActionForm(Form):
    """A bare action button (lock, unlock, hide, show, undo merge): only the CSRF token."""


class LabelsForm(Form):
    """One label per status; empty means the default."""

    @classmethod
    def build(cls, data=None) -> "LabelsForm":
        """A form with one field per status, named by its value (the posted data, if any)."""

        class _Labels(cls):
            pass

        for status in STATUSES:
            setattr(_Labels, status.value, StringField(status.value, validators=[Length(max=MAX_LABEL)]))
        return _Labels(data=data)


def first_error(form) -> str:
    """The form's first error, after its field's label ("Title: This field is required.")."""
    for field in form:
        if field.errors and field.name != "csrf_token":
            return f"{field.label.text}: {field.errors[0]}"
    return ""
