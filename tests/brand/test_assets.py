"""The logo and the colour stylesheet: what they serve, how long caches keep them, and that
pages link them only when there is something to show."""

import hashlib

from feedback.brand import services
from feedback.brand.colors import contrast_ratio, stylesheet
from feedback.brand.queries import current_brand
from feedback.extensions import db

from .conftest import png


def test_the_logo_is_served_as_a_png_named_by_its_content_and_cached_for_good(client, branded):
    url = f"/brand/logo/{branded.logo_sha256}.png"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert hashlib.sha256(response.data).hexdigest() == branded.logo_sha256
    again = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_a_signed_in_visitor_gets_the_same_cacheable_logo(client, branded, make, auth):
    auth.login(make.customer())
    response = client.get(f"/brand/logo/{branded.logo_sha256}.png")
    # Not the no-store every signed-in page gets: the logo is nobody's personal data.
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_old_logo_url_leads_to_the_current_logo(client, branded):
    old = branded.logo_sha256
    services.set_logo(png(60, 60, color=(0, 0, 0, 255)))
    db.session.commit()
    response = client.get(f"/brand/logo/{old}.png")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/brand/logo/{current_brand().logo_sha256}.png"
    assert response.headers["Cache-Control"] == "no-cache"


def test_no_logo_no_file(client):
    assert client.get(f"/brand/logo/{'0' * 64}.png").status_code == 404


def test_the_stylesheet_carries_the_colour_and_is_linked_from_every_page(client, branded):
    page = client.get("/login").get_data(as_text=True)
    version = current_brand().stylesheet_version
    link = f'<link rel="stylesheet" href="/brand.css?v={version}">'
    assert link in page
    # After app.css, so its rules win over ours and Bootstrap's.
    assert page.index("css/app.css") < page.index(link)
    css = client.get(f"/brand.css?v={version}")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    body = css.get_data(as_text=True)
    for rule in ("--bs-primary: #5b21b6;", "--bs-primary-rgb: 91, 33, 182;", "--bs-link-color: #5b21b6;"):
        assert rule in body
    assert ".btn-primary {" in body and ".btn-outline-primary {" in body and ".navbar.bg-primary {" in body
    # Without the current version (an old page's link) it is revalidated, not kept.
    assert client.get("/brand.css?v=old").headers["Cache-Control"] == "no-cache"


def test_a_new_colour_gets_a_new_stylesheet_url(client, branded):
    before = current_brand().stylesheet_version
    services.save_brand(services.BrandValues(name="Acme Hosting", color="#0f766e"))
    db.session.commit()
    assert current_brand().stylesheet_version != before
    assert f"/brand.css?v={current_brand().stylesheet_version}" in client.get("/login").get_data(as_text=True)


def test_without_a_colour_no_stylesheet_is_linked_or_served(client):
    assert "/brand.css" not in client.get("/login").get_data(as_text=True)
    assert client.get("/brand.css").status_code == 404


def test_the_hover_and_active_shades_stay_readable_under_white_text():
    # Bootstrap darkens a button on hover and press: darker than a colour that passed, so they pass too.
    css = stylesheet("#0f766e")
    hover = css.split("--bs-btn-hover-bg: ")[1][:7]
    active = css.split("--bs-btn-active-bg: ")[1][:7]
    base, on_hover, on_press = (contrast_ratio("#ffffff", c) for c in ("#0f766e", hover, active))
    assert base < on_hover <= on_press
