"""Checking an uploaded picture: opened with Pillow, its pixel count read from the header before anything
is decoded, then re-encoded from its pixels (turned upright; no EXIF, GPS position or comments kept)."""
import io
import warnings
from collections.abc import Iterable

from django.core.files.base import ContentFile

from .errors import DomainError

PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PHOTO_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
PHOTO_SAVE_OPTIONS = {"JPEG": {"quality": 88}, "PNG": {"optimize": True}, "WEBP": {"quality": 88}}


def image_reencoded(upload, *, max_bytes: int, max_pixels: int, kinds: Iterable[str],
                    invalid: type[DomainError], too_large: type[DomainError]) -> tuple[ContentFile, str]:
    """The picture re-encoded and its content type, or `invalid` (not a picture of `kinds`, empty, over
    `max_bytes`) / `too_large` (over `max_pixels`, however small its file: a 20000 × 20000 PNG compresses to
    a few hundred KB)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    name = getattr(upload, "name", "") or "photo"
    size = getattr(upload, "size", None) or 0
    if size <= 0 or size > max_bytes:
        raise invalid(detail={"name": name, "size": size})
    try:
        upload.seek(0)
        with warnings.catch_warnings():  # Pillow warns past 89 MP; the cap below is lower and refuses
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(upload)
        with image:
            kind = image.format
            if image.width * image.height > max_pixels:
                raise too_large(detail={"name": name, "width": image.width, "height": image.height,
                                        "max_pixels": max_pixels})
            if kind not in kinds or kind not in PHOTO_TYPES:
                raise invalid(detail={"name": name, "format": kind})
            picture = ImageOps.exif_transpose(image)  # decodes; the pixels alone go on
            if kind == "JPEG" and picture.mode not in ("RGB", "L"):
                picture = picture.convert("RGB")
            # Only the pixels (and the colour profile) go on: no EXIF (camera, GPS position), comments or text.
            icc_profile = picture.info.get("icc_profile")
            picture.info = {}
            out = io.BytesIO()
            picture.save(out, kind, exif=b"", **({"icc_profile": icc_profile} if icc_profile else {}),
                         **PHOTO_SAVE_OPTIONS[kind])
    except Image.DecompressionBombError:
        raise too_large(detail={"name": name, "max_pixels": max_pixels}) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise invalid(detail={"name": name}) from None
    finally:
        upload.seek(0)
    stem = name.rsplit(".", 1)[0][:80] or "photo"
    return ContentFile(out.getvalue(), name=f"{stem}.{PHOTO_EXTENSIONS[kind]}"), PHOTO_TYPES[kind]
