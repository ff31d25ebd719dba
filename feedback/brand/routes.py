"""The brand's public assets (logo, stylesheet) and the managers' Settings → Brand page."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug import Response

from ..auth.access import manager_required
from ..core.time import utcnow
from ..extensions import db
from . import services
from .colors import stylesheet
from .forms import BrandForm, LogoForm, RemoveLogoForm
from .logo import MAX_BYTES, MAX_SIDE
from .queries import current_brand, logo_png

bp = Blueprint("brand", __name__)
settings_bp = Blueprint("brand_settings", __name__, url_prefix="/settings/brand")

# A logo or stylesheet URL names its content (a digest): what it serves never changes.
FOREVER = "public, max-age=31536000, immutable"
# The body a logo upload may have: more than the logo's own limit, so a file somewhat over it
# gets the page's message rather than a bare 413; the same as the proxy's (deploy/nginx.conf).
UPLOAD_BODY_LIMIT = 1024 * 1024


@bp.route("/brand/logo/<digest>.png")
def logo(digest: str):
    """The logo. A URL naming an older logo (an e-mail sent before it changed) is sent on to
    the current one; with no logo at all, 404."""
    found = logo_png()
    if found is None:
        abort(404)
    current, png = found
    if digest != current:
        response = redirect(url_for("brand.logo", digest=current), 302)
        response.headers["Cache-Control"] = "no-cache"
        return response
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = FOREVER
    response.set_etag(current)
    return response.make_conditional(request)


@bp.route("/brand.css")
def stylesheet_file():
    """The stylesheet putting the brand colour into Bootstrap (404 without a colour). Cached
    for good when asked for by the current version (``?v=``), else revalidated."""
    brand = current_brand()
    if brand.color is None:
        abort(404)
    response = Response(stylesheet(brand.color), mimetype="text/css")
    current = request.args.get("v") == brand.stylesheet_version
    response.headers["Cache-Control"] = FOREVER if current else "no-cache"
    response.set_etag(brand.stylesheet_version)
    return response.make_conditional(request)


@settings_bp.url_value_preprocessor
def _raise_upload_limit(endpoint, values):
    # Runs before the CSRF check reads the body. The app-wide limit (64 KiB) is for the API;
    # only a signed-in manager may make the app read a logo-sized body.
    if endpoint == "brand_settings.upload_logo" and getattr(current_user, "is_manager", False):
        request.max_content_length = current_app.config.get("BRAND_UPLOAD_MAX_BYTES", UPLOAD_BODY_LIMIT)


def _brand_form() -> BrandForm:
    brand = current_brand()
    links = [{"label": link.label, "url": link.url} for link in brand.links]
    return BrandForm(
        formdata=None,
        data={
            "name": brand.name,
            "color": brand.color or "",
            "support_email": brand.support_email or "",
            "links": links + [{}] * (services.MAX_LINKS - len(links)),
            "show_powered_by": brand.show_powered_by,
        },
    )


def _page(brand_form: BrandForm | None = None, logo_form: LogoForm | None = None, status: int = 200):
    return render_template(
        "settings/brand.html",
        form=brand_form or _brand_form(),
        logo_form=logo_form or LogoForm(formdata=None),
        remove_form=RemoveLogoForm(formdata=None),
        max_kb=MAX_BYTES // 1024,
        max_side=MAX_SIDE,
    ), status


@settings_bp.route("/", methods=["GET", "POST"])
@manager_required
def edit():
    if request.method == "GET":
        return _page()
    form = BrandForm()
    valid = form.validate_on_submit()
    # The brand's own rules run even when a field is malformed, so every mistake shows at once.
    problems = services.brand_problems(form.values())
    for key, messages in problems.items():
        form.field_for(key).errors.extend(str(m) for m in messages)
    if valid and not problems:
        services.save_brand(form.values(), now=utcnow())
        db.session.commit()
        flash(_("Brand saved. Customers see it on every page and in every e-mail now."), "success")
        return redirect(url_for("brand_settings.edit"))
    return _page(brand_form=form, status=400)


@settings_bp.route("/logo", methods=["POST"])
@manager_required
def upload_logo():
    form = LogoForm()
    if not form.validate_on_submit():
        abort(400)
    upload = form.logo.data
    if upload is None or not getattr(upload, "filename", ""):
        form.logo.errors.append(_("Choose a PNG file to upload."))
        return _page(logo_form=form, status=400)
    try:
        services.set_logo(upload.stream.read(), now=utcnow())
    except services.BrandError as exc:
        form.logo.errors.extend(str(m) for m in exc.fields["logo"])
        return _page(logo_form=form, status=400)
    db.session.commit()
    flash(_("Logo saved."), "success")
    return redirect(url_for("brand_settings.edit"))


@settings_bp.route("/logo/remove", methods=["POST"])
@manager_required
def remove_logo():
    if not RemoveLogoForm().validate_on_submit():
        abort(400)
    services.remove_logo(now=utcnow())
    db.session.commit()
    flash(_("Logo removed: the name shows alone."), "success")
    return redirect(url_for("brand_settings.edit"))
