"""Settings → Brand as a manager uses it: what is saved, what is refused and why, and that a
refused form keeps everything else that was typed."""

import io
import re

import pytest
from PIL import Image

from feedback.brand.models import BrandSettings
from feedback.brand.queries import current_brand, logo_png
from feedback.extensions import db

from .conftest import noise_png, png

PAGE = "/settings/brand/"


@pytest.fixture
def manager(make, auth):
    user = make.manager()
    auth.login(user)
    return user


def form(**changes) -> dict:
    data = {
        "name": "Acme Hosting",
        "color": "#5b21b6",
        "support_email": "help@acme.example",
        "links-0-label": "Terms",
        "links-0-url": "https://acme.example/terms",
        "show_powered_by": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def field_value(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{re.escape(name)}"', page
    )
    return match.group(1) if match else ""


def upload(client, data: bytes, filename: str = "logo.png"):
    return client.post(
        "/settings/brand/logo",
        data={"logo": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def test_the_page_starts_from_the_product_name_and_is_a_settings_tab(client, manager):
    page = client.get(PAGE).get_data(as_text=True)
    assert field_value(page, "name") == "Kontento"
    assert 'href="/settings/brand/"' in page and ">Brand<" in page
    assert "No logo yet" in page


def test_a_manager_saves_the_brand_and_customers_see_it(client, manager):
    saved = client.post(
        PAGE,
        data=form(
            **{"links-1-label": "Blog", "links-1-url": "http://blog.acme.example/", "show_powered_by": "y"}
        ),
    )
    assert saved.status_code == 302 and saved.headers["Location"] == PAGE
    row = db.session.get(BrandSettings, 1)
    assert (row.name, row.primary_color, row.support_email, row.show_powered_by) == (
        "Acme Hosting",
        "#5b21b6",
        "help@acme.example",
        True,
    )
    assert row.footer_links == [
        {"label": "Terms", "url": "https://acme.example/terms"},
        {"label": "Blog", "url": "http://blog.acme.example/"},
    ]
    page = client.get(PAGE).get_data(as_text=True)
    assert "Brand saved" in page
    assert field_value(page, "links-1-url") == "http://blog.acme.example/"
    assert "Powered by Kontento" in page  # the footer, now that it is turned on


def test_a_colour_too_light_is_refused_with_its_measured_contrast_and_nothing_is_lost(client, manager):
    response = client.post(PAGE, data=form(color="#ffff00", name="Sunny Hosting"))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The colour is isolated left to right (U+2066 … U+2069), for the Arabic page.
    assert (
        "White text on \u2066#ffff00\u2069 (the navigation bar and buttons) has a contrast of only 1.07:1"
        in page
    )
    assert (
        "\u2066#ffff00\u2069 as link text on the light page background has a contrast of only 1.01:1" in page
    )
    assert "at least 4.5:1" in page
    # Everything typed is still there, and nothing was saved.
    assert field_value(page, "name") == "Sunny Hosting"
    assert field_value(page, "color") == "#ffff00"
    assert field_value(page, "support_email") == "help@acme.example"
    assert field_value(page, "links-0-url") == "https://acme.example/terms"
    assert db.session.get(BrandSettings, 1) is None


def test_bootstrap_blue_passes_under_white_text_but_not_as_a_link_on_the_grey_page(client, manager):
    page = client.post(PAGE, data=form(color="#0d6efd")).get_data(as_text=True)
    assert "White text on" not in page
    assert (
        "\u2066#0d6efd\u2069 as link text on the light page background has a contrast of only 4.26:1" in page
    )


def test_the_contrast_is_told_in_the_page_language(client, manager):
    client.post("/language", data={"language": "eo", "next": PAGE})
    page = client.post(PAGE, data=form(color="#6c8cff")).get_data(as_text=True)
    assert "3,07:1" in page and "4,5:1" in page  # Esperanto writes a decimal comma


@pytest.mark.parametrize(
    "color, message",
    [("teal", "six hexadecimal digits"), ("#12345", "six hexadecimal digits"), ("#gg0000", "hexadecimal")],
)
def test_a_colour_not_written_as_hex_is_explained(client, manager, color, message):
    response = client.post(PAGE, data=form(color=color))
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_an_empty_colour_means_the_standard_blue(client, manager):
    assert client.post(PAGE, data=form(color="")).status_code == 302
    assert current_brand().color is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript://acme.example/%0Aalert(1)",
        "ftp://acme.example/terms",
        "acme.example/terms",
        "https://",
        "https://acme.example/a b",
        "data:text/html,hi",
    ],
)
def test_footer_links_must_be_web_addresses(client, manager, url):
    response = client.post(PAGE, data=form(**{"links-0-url": url}))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter a complete web address starting with https://" in page
    assert db.session.get(BrandSettings, 1) is None


def test_a_link_needs_both_a_label_and_an_address(client, manager):
    response = client.post(
        PAGE, data=form(**{"links-0-label": "", "links-2-label": "Blog", "links-2-url": ""})
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give this link a label." in page and "Enter the address this link opens." in page


@pytest.mark.parametrize(
    "name, message",
    [
        ("", "Enter the name your customers know you by."),
        ("   ", "Enter the name your customers know you by."),
        ("x" * 61, "Keep the name to 60 characters."),
        ("Acme\r\nBcc: victim@example.com", "cannot contain line breaks"),
    ],
)
def test_the_name_is_required_short_and_on_one_line(client, manager, name, message):
    response = client.post(PAGE, data=form(name=name))
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_every_mistake_shows_at_once(client, manager):
    page = client.post(
        PAGE,
        data=form(name="", color="#ffff00", support_email="not-an-address", **{"links-0-url": "ftp://x"}),
    ).get_data(as_text=True)
    for message in (
        "Enter the name your customers know you by.",
        "White text on \u2066#ffff00\u2069",
        "Enter an e-mail address such as support@example.com.",
        "Enter a complete web address",
    ):
        assert message in page


# The logo


def test_an_uploaded_png_is_decoded_re_encoded_and_stripped(client, manager):
    original = png(200, 50, text={"Comment": "secret-metadata"}) + b"APPENDED-AFTER-IEND"
    response = upload(client, original)
    assert response.status_code == 302
    digest, stored = logo_png()
    assert b"secret-metadata" not in stored and b"APPENDED-AFTER-IEND" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (200, 50), "RGBA")
        assert image.getpixel((10, 10)) == (91, 33, 182, 255)  # the pixels themselves are kept
    page = client.get(PAGE).get_data(as_text=True)
    assert f'src="/brand/logo/{digest}.png"' in page and "200 × 50 pixels" in page


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,  # the signature, then nothing a PNG decoder accepts
        png()[:-30],  # cut short: the image data ends early
    ],
    ids=["gif", "svg", "signature-only", "truncated"],
)
def test_a_file_that_is_not_a_png_is_refused_whatever_its_name(client, manager, data):
    response = upload(client, data, "logo.png")
    assert response.status_code == 400
    assert "This file is not a PNG image we can read." in response.get_data(as_text=True)
    assert logo_png() is None


def test_a_logo_over_256_kb_is_refused_with_its_size(client, manager):
    big = noise_png(300)  # 360 000 bytes of random pixels
    assert 256 * 1024 < len(big) < 1024 * 1024
    page = upload(client, big).get_data(as_text=True)
    assert f"The logo is {-(-len(big) // 1024)} KB; it may be at most 256 KB." in page
    assert logo_png() is None


def test_a_logo_with_too_many_pixels_is_refused_before_it_is_decoded(client, manager):
    response = upload(client, png(1100, 10))
    assert response.status_code == 400
    assert "The logo is 1100 × 10 pixels; it may be at most 1024 × 1024." in response.get_data(as_text=True)


def test_a_body_over_the_upload_limit_is_refused_outright(app, client, manager, monkeypatch):
    # 1 MiB in production (as the proxy's limit); lowered here, as the test client leaves a
    # temporary file open when a body over 500 KB is refused.
    monkeypatch.setitem(app.config, "BRAND_UPLOAD_MAX_BYTES", 300 * 1024)
    assert upload(client, b"\x89PNG" + b"\x00" * (400 * 1024)).status_code == 413


def test_the_upload_limit_is_raised_for_managers_only(client, make, auth):
    auth.login(make.customer())
    assert upload(client, noise_png(300)).status_code == 413  # never read: the API's 64 KiB holds


def test_no_file_chosen_is_explained(client, manager):
    response = client.post("/settings/brand/logo", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Choose a PNG file to upload." in response.get_data(as_text=True)


def test_remove_logo_shows_the_name_alone_again(client, manager):
    upload(client, png())
    assert client.post("/settings/brand/logo/remove").status_code == 302
    assert logo_png() is None and current_brand().logo_sha256 is None
    assert "No logo yet" in client.get(PAGE).get_data(as_text=True)
