"""Shared helpers for the brand tests: PNGs made on the spot, and a branded host."""

import io
import os

import pytest
from PIL import Image, PngImagePlugin

from feedback.brand import services
from feedback.brand.services import BrandValues
from feedback.extensions import db

HOST = BrandValues(
    name="Acme Hosting",
    color="#5b21b6",  # a violet: white text on it 9.0:1
    support_email="help@acme.example",
    links=(("Terms", "https://acme.example/terms"), ("Status blog", "https://blog.acme.example/")),
)


def png(width: int = 120, height: int = 40, color=(91, 33, 182, 255), text: dict | None = None) -> bytes:
    """A PNG of one colour; ``text`` adds tEXt chunks (metadata the upload must not keep)."""
    info = PngImagePlugin.PngInfo()
    for key, value in (text or {}).items():
        info.add_text(key, value)
    out = io.BytesIO()
    Image.new("RGBA", (width, height), color).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels (``side`` × ``side``)."""
    out = io.BytesIO()
    Image.frombytes("RGBA", (side, side), os.urandom(side * side * 4)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def branded(app):
    """A host that set its name, colour, support address, two footer links and a logo."""
    services.save_brand(HOST)
    row = services.set_logo(png())
    db.session.commit()
    return row
