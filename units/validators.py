"""Seal images are checked by their content, never by their name."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_SEAL_BYTES = 1024 * 1024
MIN_SEAL_PX = 100
MAX_SEAL_PX = 2000


def validate_seal(file):
    """A seal must be a real PNG with transparency, at most 1 MB and 100–2000 px a side."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(file, "size", None)
    if size is not None and size > MAX_SEAL_BYTES:
        raise ValidationError(_("印章图片不能超过 1 MB"), code="too_large")
    try:
        file.seek(0)
        with Image.open(file) as img:
            fmt = img.format
            mode = img.mode
            width, height = img.size
            transparent = mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in img.info)
            img.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("无法识别该印章图片，请上传 PNG 格式的图片"), code="invalid")
    finally:
        try:
            file.seek(0)
        except (AttributeError, ValueError):
            pass
    if fmt != "PNG":
        raise ValidationError(_("印章图片须为 PNG 格式（当前为 %(fmt)s）") % {"fmt": fmt or _("未知")}, code="format")
    if not transparent:
        raise ValidationError(_("印章图片须为透明背景（带 Alpha 通道的 PNG），以便盖在落款和日期上"),
                              code="opaque")
    if min(width, height) < MIN_SEAL_PX or max(width, height) > MAX_SEAL_PX:
        raise ValidationError(_("印章图片尺寸须在 %(min)s–%(max)s 像素之间（当前 %(w)s×%(h)s）") % {
            "min": MIN_SEAL_PX, "max": MAX_SEAL_PX, "w": width, "h": height}, code="size")
