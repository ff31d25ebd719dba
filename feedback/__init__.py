"""Kontento: customer feedback and satisfaction for web hosts."""

import logging
import os

from flask import Flask
from flask_babel import gettext

from config import CONFIGS, Config

from .i18n.marks import N_


def create_app(config: type[Config] | Config | dict | None = None) -> Flask:
    """Build the application. ``config`` overrides the class chosen by ``FLASK_CONFIG``."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    chosen = CONFIGS[os.environ.get("FLASK_CONFIG", "development")]
    app.config.from_object(chosen() if chosen.__name__ == "ProductionConfig" else chosen)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    os.makedirs(app.instance_path, exist_ok=True)

    trust_proxies(app)
    register_extensions(app)
    compile_catalogs_if_stale()
    register_blueprints(app)
    register_signal_receivers()
    register_template_helpers(app)
    register_errors(app)
    register_commands(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` reverse proxies, take the client's address and scheme from
    their X-Forwarded-For and X-Forwarded-Proto (werkzeug's ProxyFix): ``request.remote_addr``,
    which every rate limit keys on, becomes the client's rather than the proxy's."""
    from werkzeug.middleware.proxy_fix import ProxyFix

    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops > 0:
        # The Host header is passed through by the documented proxies (deploy/), so only the
        # address and the scheme are taken from forwarded headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def compile_catalogs_if_stale() -> None:
    """Build any missing or stale `.mo` (they are not committed); without them every page
    would silently be English. A read-only install logs why and serves what it has."""
    from .i18n.catalogs import compile_catalogs

    try:
        compile_catalogs(only_if_stale=True)
    except OSError:
        logging.getLogger(__name__).warning("could not compile the message catalogues", exc_info=True)


def register_extensions(app: Flask) -> None:
    """Bind the extensions in ``extensions.py`` to this app."""
    from . import models  # noqa: F401  (every model known to metadata and migrations)
    from .auth import sessions
    from .extensions import (
        babel,
        csrf,
        db,
        limiter,
        login_manager,
        mail,
        migrate,
        select_locale,
        select_timezone,
    )

    db.init_app(app)
    from .core.fulltext import include_name

    # The search indexes (core/fulltext.py) are the migrations' alone: the models do not describe them.
    migrate.init_app(
        app,
        db,
        directory=os.path.join(os.path.dirname(app.root_path), "migrations"),
        include_name=include_name,
    )
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    from .core import limit_strategy  # noqa: F401  (registers RATELIMIT_STRATEGY's class)

    limiter.init_app(app)
    mail.init_app(app)

    from .worker import backend

    backend.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    # Flask-Login's own "Please log in to access this page." would stay English: ours, translated
    # when flashed (a plain string in the session, not a lazy one).
    login_manager.login_message = N_("Please sign in to see this page.")
    login_manager.localize_callback = gettext

    from .core import headers

    headers.init_app(app)

    # The cookie names a server-side session (auth/sessions.py), resolved before the view runs.
    login_manager.user_loader(sessions.load_user)
    app.before_request(sessions.load_before_the_view)


def register_blueprints(app: Flask) -> None:
    """Mount every feature's blueprint."""
    from .account.routes import bp as account_bp
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .auth.session_routes import bp as sessions_bp
    from .auth.token_routes import bp as tokens_bp
    from .auth.two_factor.login_routes import bp as two_factor_login_bp
    from .auth.two_factor.routes import bp as two_factor_bp
    from .brand.routes import bp as brand_bp
    from .brand.routes import settings_bp as brand_settings_bp
    from .followups.queue_routes import bp as queue_tools_bp
    from .followups.reference import CaseReferenceConverter, check_prefix
    from .followups.routes import bp as followups_bp
    from .i18n.routes import bp as i18n_bp
    from .ideas.routes import bp as ideas_bp
    from .ideas.settings_routes import bp as idea_settings_bp
    from .ideas.triage_routes import bp as idea_triage_bp
    from .lifecycle.routes import bp as imports_bp
    from .mailer.inbox import bp as demo_inbox_bp
    from .mailer.routes import bp as outbox_bp
    from .notices.routes import bp as notices_bp
    from .notices.routes import status_bp
    from .oidc.routes import bp as oidc_bp
    from .renewals.routes import bp as renewals_bp
    from .reports.people_routes import bp as people_report_bp
    from .reports.routes import bp as reports_bp
    from .settings.canned_routes import bp as canned_settings_bp
    from .settings.customer_routes import bp as customer_settings_bp
    from .settings.routes import bp as settings_bp
    from .settings.sla_routes import bp as sla_settings_bp
    from .settings.team_routes import bp as team_settings_bp
    from .settings.token_routes import bp as token_settings_bp
    from .signup.routes import bp as signup_bp
    from .surveys.links import bp as survey_links_bp
    from .surveys.routes import bp as surveys_bp

    # Before any rule is added: <case:followup_id> URLs name a case by its reference (K-220).
    check_prefix(app.config["CASE_REFERENCE_PREFIX"])
    app.url_map.converters["case"] = CaseReferenceConverter
    app.register_blueprint(auth_bp)
    app.register_blueprint(sessions_bp, url_prefix="/sessions")
    app.register_blueprint(tokens_bp)  # /account/tokens: your API tokens
    app.register_blueprint(two_factor_login_bp)  # /login/two-factor: the sign-in's second step
    # /account/two-factor, and the guard sending managers there before any other page
    app.register_blueprint(two_factor_bp, url_prefix="/account/two-factor")
    app.register_blueprint(signup_bp)  # /signup, /account/…: sign-up and e-mailed account links
    app.register_blueprint(oidc_bp)  # /login/sso…: sign in with the billing panel (404 unless OIDC_ISSUER)
    app.register_blueprint(account_bp, url_prefix="/account")  # profile and password
    app.register_blueprint(surveys_bp)
    app.register_blueprint(followups_bp, url_prefix="/queue")
    app.register_blueprint(queue_tools_bp)  # /queue/views, /queue/bulk: saved views, bulk actions
    app.register_blueprint(settings_bp, url_prefix="/settings")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(people_report_bp)  # /reports/people: staff see their own figures
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(outbox_bp, url_prefix="/outbox")
    app.register_blueprint(demo_inbox_bp, url_prefix="/inbox")  # 404 unless DEMO_INBOX
    app.register_blueprint(notices_bp, url_prefix="/notices")
    app.register_blueprint(status_bp)
    app.register_blueprint(survey_links_bp)
    app.register_blueprint(imports_bp, url_prefix="/imports")
    app.register_blueprint(renewals_bp, url_prefix="/renewals")
    app.register_blueprint(i18n_bp)
    app.register_blueprint(ideas_bp)  # /ideas: the customers' idea board
    app.register_blueprint(idea_triage_bp)  # /staff/ideas
    app.register_blueprint(idea_settings_bp)  # /settings/ideas
    app.register_blueprint(customer_settings_bp)  # /settings/customers
    app.register_blueprint(canned_settings_bp)  # /settings/canned-replies
    app.register_blueprint(sla_settings_bp)  # /settings/sla
    app.register_blueprint(team_settings_bp)  # /settings/teams
    app.register_blueprint(token_settings_bp)  # /settings/tokens
    app.register_blueprint(brand_bp)  # /brand/logo/…, /brand.css: public, pages and e-mails use them
    app.register_blueprint(brand_settings_bp)  # /settings/brand

    from .core.health import healthz

    app.add_url_rule("/healthz", view_func=healthz)


def register_signal_receivers() -> None:
    """Let features act on each other's signals (resolving a case sends its survey)."""
    from .account import signals as account_signals
    from .surveys import signals as surveys_signals

    surveys_signals.connect()
    account_signals.connect()  # two-factor changes are mailed to the account's owner


def register_template_helpers(app: Flask) -> None:
    """Filters and globals the templates share, and the input guard every page shares."""
    from .auth.passwords import MIN_LENGTH
    from .brand import templating as brand_templating
    from .core import templating
    from .core.security import reject_nul_bytes
    from .followups.defaults import rule_name
    from .followups.reference import case_reference
    from .ideas import templating as idea_templating
    from .oidc.client import button_label
    from .signup.queries import signup_open
    from .surveys import templating as survey_templating
    from .surveys.labels import category_name

    templating.init_app(app)
    idea_templating.init_app(app)
    brand_templating.init_app(app)
    survey_templating.init_app(app)
    app.jinja_env.filters["category_name"] = category_name
    app.jinja_env.filters["rule_name"] = rule_name
    app.jinja_env.filters["case_ref"] = case_reference  # {{ followup_id|case_ref }}: K-220
    app.jinja_env.globals["PASSWORD_MIN_LENGTH"] = MIN_LENGTH  # the forms that choose one say it
    app.jinja_env.globals["signup_open"] = signup_open  # the sign-in page and menu hide sign-up when off
    app.jinja_env.globals["sso_button_label"] = button_label  # None: no "Sign in with …" button
    app.before_request(reject_nul_bytes)


def register_errors(app: Flask) -> None:
    """HTML error pages (the API blueprint answers JSON on its own)."""
    from .core import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """CLI groups: users, tokens, sla, demo, jobs, import, reports, translate."""
    from .auth.cli import tokens_cli, users_cli
    from .demo.cli import demo_command
    from .followups.cli import sla_cli
    from .i18n.cli import translate_cli
    from .lifecycle.cli import import_cli
    from .renewals.cli import renewals_cli
    from .reports.cli import reports_cli
    from .worker.cli import jobs_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(sla_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(renewals_cli)
    app.cli.add_command(translate_cli)
