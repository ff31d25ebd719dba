"""Customer forms for the idea board. The rules on titles and lengths live in the services
(:func:`.services.post_idea`), so the pages, the API and the tests share one definition."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from ..i18n.forms import Form


class IdeaForm(Form):
    """A new idea: title, description, area, and whether other customers see who posted it."""

    title = StringField(_l("Title"), render_kw={"maxlength": 200, "autocomplete": "off"})
    description = TextAreaField(_l("Describe your idea"), render_kw={"maxlength": 5000})
    category = SelectField(_l("Area"), default="")
    anonymous = BooleanField(_l("Post anonymously to other customers"))


class ActionForm(Form):
    """One button (vote, unvote, follow, unfollow): the CSRF token and where to go back to."""

    next = HiddenField()
