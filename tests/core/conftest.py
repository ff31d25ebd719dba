"""Shared by the access and CSRF tests: who may use each blueprint, and URLs for the app's rules."""

from werkzeug.routing.converters import AnyConverter, IntegerConverter

from feedback.auth.models import Role

# Who may use each blueprint's pages. The API has its own suite (tests/api).
ALLOWED = {
    "surveys": {Role.CUSTOMER},
    "followups": {Role.STAFF, Role.MANAGER},
    "reports": {Role.MANAGER},
    "settings": {Role.MANAGER},
    "outbox": {Role.MANAGER},
    "imports": {Role.MANAGER},
    "renewals": {Role.STAFF, Role.MANAGER},
    "notices": {Role.MANAGER},
}
# None: /static and /healthz; survey_links: e-mailed survey links; status: the public status page;
# i18n: the language switcher, for everyone (tests/i18n).
PUBLIC = {"auth", "api", "survey_links", "status", "i18n", None}


def rule_url(rule, ids: dict) -> str:
    """Fill the rule's arguments by hand: ``url_for`` would need a request context here."""
    path = rule.rule
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            value = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            value = ids.get(name, 1)
        else:
            value = "x"
        start = path.index("<")
        path = path[:start] + str(value) + path[path.index(">", start) + 1 :]
    return path
