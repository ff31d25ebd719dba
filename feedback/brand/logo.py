"""The logo upload: proven to be a PNG by decoding it with Pillow, then re-encoded.

Re-encoding keeps only the pixels: text chunks, colour profiles, anything appended after the
image and extra animation frames are gone, so what we serve is a plain PNG we wrote ourselves.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

MAX_BYTES = 256 * 1024
MAX_SIDE = 1024  # pixels, each way
# Modes Pillow converts to RGBA directly; 16-bit greyscale ("I;16") goes through "I" first.
_DIRECT = {"1", "L", "LA", "P", "PA", "RGB", "RGBA", "La", "RGBa"}


class LogoError(ValueError):
    """The upload is not a PNG we accept; the message says why, for the person who sent it."""


@dataclass(frozen=True)
class CleanLogo:
    """A logo as we store it."""

    png: bytes
    sha256: str
    width: int
    height: int


def clean_png(data: bytes) -> CleanLogo:
    """Check ``data`` is a PNG within the limits, decode it fully and re-encode it.

    Raises :class:`LogoError` when it is too large, not a PNG (whatever its name says), has
    more pixels than allowed or cannot be decoded.
    """
    if len(data) > MAX_BYTES:
        raise LogoError(
            _l(
                "The logo is %(size)s KB; it may be at most %(max)s KB.",
                size=_kb(len(data)),
                max=MAX_BYTES // 1024,
            )
        )
    if not data:
        raise LogoError(_l("The file is empty."))
    try:
        with warnings.catch_warnings():
            # Pillow only warns about a header claiming some 90 million pixels or more: refuse it.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only PNG is tried: a GIF or an SVG renamed .png is refused, never parsed by another
            # reader.
            image = Image.open(io.BytesIO(data), formats=["PNG"])
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise LogoError(_too_many_pixels()) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise LogoError(_NOT_PNG) from exc
    try:
        with image:
            width, height = image.size
            # The size is in the header: refuse before decoding, so a small file that claims
            # a huge image (a decompression bomb) costs nothing.
            if width > MAX_SIDE or height > MAX_SIDE:
                raise LogoError(_too_many_pixels(width, height))
            image.load()
            pixels = _rgba(image)
    except LogoError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise LogoError(_NOT_PNG) from exc
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    return CleanLogo(png=png, sha256=hashlib.sha256(png).hexdigest(), width=width, height=height)


def _rgba(image: Image.Image) -> Image.Image:
    """The pixels alone, as RGBA, in a new image that carries none of the file's metadata."""
    if image.mode not in _DIRECT:
        image = image.convert("I").point(lambda v: v / 256).convert("L")
    converted = image.convert("RGBA")
    # frombytes starts from an empty ``info``: no ICC profile, text or EXIF is copied on save.
    return Image.frombytes("RGBA", converted.size, converted.tobytes())


_NOT_PNG = _l("This file is not a PNG image we can read. Save the logo as PNG and try again.")


def _too_many_pixels(width: int | None = None, height: int | None = None):
    if width is None:
        return _l("The logo has too many pixels; it may be at most %(max)s × %(max)s.", max=MAX_SIDE)
    return _l(
        "The logo is %(width)s × %(height)s pixels; it may be at most %(max)s × %(max)s.",
        width=width,
        height=height,
        max=MAX_SIDE,
    )


def _kb(size: int) -> str:
    return str(-(-size // 1024))  # rounded up: 256.1 KB is not "256 KB"
