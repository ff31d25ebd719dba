"""The demo host's brand: "Demo Hosting", a teal that passes the contrast check, a logo drawn
here with Pillow (no binary in the repository), a support address and two footer links."""

import io
from datetime import datetime

from PIL import Image, ImageDraw

from ..brand.services import BrandValues, save_brand, set_logo

DEMO_BRAND = BrandValues(
    name="Demo Hosting",
    color="#0f766e",  # white text on it 5.5:1, as a link on #f8f9fa 5.2:1
    support_email="support@demo-hosting.example",
    links=(
        ("Terms of service", "https://demo-hosting.example/terms"),
        ("Privacy", "https://demo-hosting.example/privacy"),
    ),
    show_powered_by=False,  # the default for a host with its own name
)


def demo_logo_png() -> bytes:
    """A 64 × 64 server rack in the brand's teal: a rounded square with three white units."""
    size = 64
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=12, fill=(15, 118, 110, 255))
    for top in (12, 27, 42):
        draw.rounded_rectangle((12, top, 51, top + 10), radius=3, fill=(255, 255, 255, 255))
        draw.ellipse((41, top + 3, 45, top + 7), fill=(15, 118, 110, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def create_demo_brand(now: datetime) -> None:
    """Brand the demo host, so the pages and mail show a host's own name, logo and colour."""
    save_brand(DEMO_BRAND, now=now)
    set_logo(demo_logo_png(), now=now)
