"""Staff action forms."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..i18n.forms import Form


class MessageForm(Form):
    """A public reply or an internal note."""

    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=10_000)])


class ReplyForm(MessageForm):
    """A public reply: the customer sees it."""

    body = TextAreaField(_l("Reply to the customer"), validators=[DataRequired(), Length(max=10_000)])


class NoteForm(MessageForm):
    """An internal note: staff only."""

    body = TextAreaField(_l("Internal note"), validators=[DataRequired(), Length(max=10_000)])


class AssignForm(Form):
    """Pick an assignee (empty: unassigned)."""

    assignee = SelectField(_l("Assignee"), coerce=str)


class ActionForm(Form):
    """A bare action button (claim, wait, resume, resolve, reopen): only the CSRF token."""


class SaveViewForm(Form):
    """Save the queue's current filters under a name (saved_views.py checks the name)."""

    name = StringField(_l("Name"))


class BulkForm(Form):
    """The queue's bulk bar: only the CSRF token here; the selected cases, the action and the
    assignee are read by the view (queue_routes.py)."""
