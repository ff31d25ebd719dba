"""Forms for Settings → Brand. The brand's own rules (contrast, link addresses) are checked by
:mod:`.services`; these forms check the shape of what was posted and carry the messages."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, EmailField, FieldList, FormField, StringField
from wtforms import Form as SubForm

from ..i18n.forms import CATALOGUE_FIRST, Form
from .services import MAX_LINK_LABEL, MAX_LINK_URL, MAX_LINKS, MAX_NAME, BrandValues


class LinkForm(SubForm):
    """One footer link (part of :class:`BrandForm`, which carries the CSRF token)."""

    class Meta:
        def get_translations(self, form):
            return CATALOGUE_FIRST

    label = StringField(_l("Label"), render_kw={"maxlength": MAX_LINK_LABEL, "dir": "auto"})
    url = StringField(
        _l("Address"),
        render_kw={"maxlength": MAX_LINK_URL, "inputmode": "url", "placeholder": "https://", "dir": "ltr"},
    )


class BrandForm(Form):
    """The host's name, colour, support address, footer links and "Powered by"."""

    name = StringField(_l("Name"), render_kw={"maxlength": MAX_NAME, "autocomplete": "organization"})
    color = StringField(
        _l("Brand colour"),
        render_kw={"maxlength": 7, "placeholder": "#0b5ed7", "dir": "ltr", "spellcheck": "false"},
    )
    support_email = EmailField(_l("Support e-mail"), render_kw={"dir": "ltr", "maxlength": 254})
    links = FieldList(FormField(LinkForm), min_entries=MAX_LINKS, max_entries=MAX_LINKS)
    show_powered_by = BooleanField(_l("Show “Powered by Kontento” in the footer"))

    def values(self) -> BrandValues:
        """What was posted, trimmed (an empty colour or address means none)."""
        return BrandValues(
            name=(self.name.data or "").strip(),
            color=(self.color.data or "").strip().lower() or None,
            support_email=(self.support_email.data or "").strip() or None,
            links=tuple(
                ((entry.form.label.data or "").strip(), (entry.form.url.data or "").strip())
                for entry in self.links
            ),
            show_powered_by=bool(self.show_powered_by.data),
        )

    def field_for(self, key: str):
        """The field a :class:`~.services.BrandError` key names (``links-2-url`` → that input)."""
        if key.startswith("links-"):
            _prefix, index, part = key.split("-", 2)
            return self.links[int(index)][part]
        return self._fields.get(key, self.name)


class LogoForm(Form):
    """A PNG to use as the logo."""

    logo = FileField(_l("Logo (PNG)"), render_kw={"accept": "image/png"})


class RemoveLogoForm(Form):
    """The "Remove logo" button: only the CSRF token."""
