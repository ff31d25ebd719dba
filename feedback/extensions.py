"""Flask extensions, created unbound and initialised in ``create_app``."""

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
mail = Mail()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
# Security headers (CSP, HSTS, framing, referrer): core/headers.py binds a Talisman of its own to
# each app, as Talisman keeps its settings on the instance (a second app in the tests would
# change the first one's). This unbound one only marks views that need other options:
# ``@talisman(force_https=False)``.
talisman = Talisman()


def select_locale() -> str:
    """Pick the UI language: the user's saved choice (or, signed out, the one picked in the
    switcher this session), else the browser's, else English."""
    from flask import current_app, has_request_context, session
    from flask_login import current_user

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and worker: e-mails force their recipient's locale
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    for saved in (getattr(current_user, "locale", None), session.get("locale")):
        if saved in languages:
            return saved
    return request.accept_languages.best_match(languages) or "en"


def select_timezone() -> str:
    """Show times in the signed-in user's time zone."""
    from flask_login import current_user

    return getattr(current_user, "timezone", None) or "UTC"
