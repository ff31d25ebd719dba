"""Notice pages: managers publish; everyone reads the public status page."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    has_request_context,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..auth.access import manager_required
from ..core.pagination import paginate
from ..core.time import utcnow
from ..extensions import db
from ..i18n.forms import ConfirmForm
from . import queries, services
from .forms import KIND_LABELS, NoticeForm, ResolveForm, UpdateForm
from .models import Notice

bp = Blueprint("notices", __name__)
status_bp = Blueprint("status", __name__)


# Shared with every template (the banner in base.html, the e-mails).


@bp.app_template_global("downtime")
def downtime(minutes: int | None) -> str:
    """Expected downtime in words ("about 90 minutes", "about 2 hours"); empty when unknown."""
    if minutes is None:
        return ""
    if minutes == 0:
        return _("none")
    if minutes < 120 or minutes % 60:
        return ngettext("about %(num)s minute", "about %(num)s minutes", minutes)
    return ngettext("about %(num)s hour", "about %(num)s hours", minutes // 60)


bp.add_app_template_global(queries.banner_key, "banner_key")


@bp.record_once
def _kind_labels(state) -> None:
    # A global, not context: imported macros (templates/notices/_macros.html) see only globals.
    state.app.jinja_env.globals["NOTICE_KINDS"] = KIND_LABELS
    # The staff case page (followups, below notices) lists what affects the case's customer.
    state.app.jinja_env.globals["customer_notices"] = _customer_notices


def _customer_notices(customer) -> list[Notice]:
    """Published notices affecting ``customer`` that are on now or start within a week."""
    return queries.banner_notices(customer, utcnow())


@bp.app_context_processor
def _notice_banner():
    # A function, so only base.html pays for the query, not e-mails or other templates.
    return {"notice_banner": _banner}


def _banner() -> list[Notice]:
    if not has_request_context() or not current_user or not current_user.is_authenticated:
        return []
    if not current_user.is_customer:
        return []
    try:
        return queries.banner_notices(current_user, utcnow())
    except SQLAlchemyError:
        # A banner must never take the page down with it (e.g. the error page after a DB failure).
        current_app.logger.warning("Could not load the notice banner", exc_info=True)
        return []


# Public status page


@status_bp.route("/status", endpoint="page")
def status_page():
    now = utcnow()
    return render_template("notices/status.html", status=queries.status_page(now), now=now)


# Manager pages


def _notice_or_404(notice_id: int) -> Notice:
    notice = queries.get_notice(notice_id)
    if notice is None:
        abort(404)
    return notice


def _done(notice: Notice, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("notices.show", notice_id=notice.id))


def _copy_errors(form, exc: services.NoticeError, shown: bool = True) -> None:
    """Put each message under its field; flash what the page would not show there."""
    for name, message in exc.fields.items():
        target = getattr(form, name, None) if shown else None
        if target is not None and hasattr(target, "errors"):
            if message not in target.errors:
                target.errors.append(message)
        else:
            flash(message, "danger")


def _save(notice: Notice | None, form: NoticeForm) -> Notice | None:
    """Save the posted form; on refusal leave every problem on its field and return None."""
    valid = form.validate_on_submit()
    draft = form.draft(current_user.timezone)
    try:
        if not valid:
            # Also list the rule breaches, not just what could not be parsed.
            services.validate(draft)
            return None
        return services.save_notice(notice, current_user, draft, utcnow())
    except services.NoticeError as exc:
        fresh = {k: v for k, v in exc.fields.items() if not getattr(getattr(form, k, None), "errors", None)}
        _copy_errors(form, services.NoticeError(fresh), shown=notice is None or notice.resolved_at is None)
        return None


@bp.route("/")
@manager_required
def index():
    page = paginate(queries.manager_list())
    return render_template("notices/index.html", page=page, now=utcnow(), state=queries.state)


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new():
    form = NoticeForm()
    if form.is_submitted() and (notice := _save(None, form)) is not None:
        return _done(notice, _("Draft saved. Check it, then publish it."))
    status = 400 if form.is_submitted() else 200
    return render_template("notices/form.html", form=form, notice=None), status


def _is_open(notice: Notice) -> bool:
    """Published and not closed: the page shows the update and close forms."""
    return notice.published_at is not None and notice.resolved_at is None


def _show(notice: Notice, form=None, update_form=None, resolve_form=None, status=200):
    now = utcnow()
    return (
        render_template(
            "notices/show.html",
            notice=notice,
            now=now,
            state=queries.state(notice, now),
            reach=queries.audience_size(notice),
            form=form or NoticeForm.for_notice(notice, current_user.timezone),
            update_form=update_form or UpdateForm(prefix="update"),
            resolve_form=resolve_form or ResolveForm(prefix="resolve"),
            action_form=ConfirmForm(),
        ),
        status,
    )


@bp.route("/<int:notice_id>", methods=["GET", "POST"])
@manager_required
def show(notice_id: int):
    notice = _notice_or_404(notice_id)
    form = NoticeForm()
    if not form.is_submitted():
        return _show(notice)
    if _save(notice, form) is not None:
        return _done(notice, _("Notice saved."))
    return _show(notice, form=form, status=400)


@bp.route("/<int:notice_id>/publish", methods=["POST"])
@manager_required
def publish(notice_id: int):
    notice = _notice_or_404(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        affected = services.publish(notice, current_user, utcnow())
    except services.NoticeError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return redirect(url_for("notices.show", notice_id=notice.id))
    if notice.notified_at is not None:  # over already: nobody is told ahead of time
        return _done(notice, _("Published on the status page. It is over, so no e-mail goes out."))
    return _done(
        notice,
        ngettext(
            "Published. The %(num)s affected customer is being e-mailed now.",
            "Published. The %(num)s affected customers are being e-mailed now.",
            affected,
        ),
    )


@bp.route("/<int:notice_id>/updates", methods=["POST"])
@manager_required
def post_update(notice_id: int):
    notice = _notice_or_404(notice_id)
    form = UpdateForm(prefix="update")
    if form.validate_on_submit():
        try:
            services.add_update(notice, current_user, form.body.data, utcnow())
        except services.NoticeError as exc:
            db.session.rollback()
            _copy_errors(form, exc, shown=_is_open(notice))
        else:
            return _done(notice, _("Update posted."))
    return _show(notice, update_form=form, status=400)


@bp.route("/<int:notice_id>/resolve", methods=["POST"])
@manager_required
def resolve(notice_id: int):
    notice = _notice_or_404(notice_id)
    form = ResolveForm(prefix="resolve")
    if form.validate_on_submit():
        try:
            services.resolve_incident(notice, current_user, utcnow(), form.body.data or "")
        except services.NoticeError as exc:
            db.session.rollback()
            _copy_errors(form, exc, shown=_is_open(notice))
        else:
            return _done(notice, _("Notice closed."))
    return _show(notice, resolve_form=form, status=400)


@bp.route("/<int:notice_id>/delete", methods=["POST"])
@manager_required
def delete(notice_id: int):
    notice = _notice_or_404(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.delete_draft(notice)
    except services.NoticeError as exc:
        flash(str(exc), "danger")
        return redirect(url_for("notices.show", notice_id=notice.id))
    db.session.commit()
    flash(_("Draft deleted."), "success")
    return redirect(url_for("notices.index"))
