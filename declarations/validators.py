"""Validators whose messages tell the applicant exactly what to fix."""

import os
import re

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc

# GB 32100-2015 alphabet: digits and capitals without I, O, S, V, Z.
USCC_ALPHABET = set(uscc._alphabet)
# Registration authority codes (第1位). stdnum only accepts digits at positions 1-8,
# which would refuse codes issued by A (central military), N (agriculture) and
# Y (other authorities); we accept them and still verify the check character.
AUTHORITY_CODES = set("123456789ANY")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalise_credit_code(value):
    return uscc.compact(value or "")


def validate_credit_code(value):
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，您输入了 %(n)d 位") % {"n": len(code)}, code="length")
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有不允许的字符：%(chars)s（只能使用数字和除 I、O、S、V、Z 以外的大写字母）")
            % {"chars": "、".join(bad)}, code="characters")
    if code[0] not in AUTHORITY_CODES:
        raise ValidationError(_("统一社会信用代码第 1 位（登记管理部门代码）不正确"), code="authority")
    if not code[2:8].isdigit():
        raise ValidationError(_("统一社会信用代码第 3–8 位应为登记管理机关行政区划码（6 位数字）"), code="region")
    if code[-1] != uscc.calc_check_digit(code[:17]):
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对最后一位"), code="checksum")


def validate_mobile(value):
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(_("请输入 11 位中国大陆手机号码，例如 13812345678"), code="mobile")


# The guide's notice and blank 申报书 template: PDF, or Word for a template applicants fill in.
GUIDE_DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".doc": "application/msword",
}


def validate_guide_document(f, *, allowed=(".pdf", ".docx", ".doc")):
    """Check an uploaded guide file by its content (not its name); returns its MIME type."""
    import os

    import filetype
    from django.conf import settings

    limit = settings.MAX_ATTACHMENT_BYTES
    if f.size > limit:
        raise ValidationError(_("文件“%(name)s”超过 %(max)d MB 的上限，请压缩后再上传") % {"name": f.name, "max": limit // 1048576})
    if f.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件，请选择有内容的文件") % {"name": f.name})
    names = "、".join(e.lstrip(".").upper() for e in allowed)
    ext = os.path.splitext(f.name)[1].lower()
    if ext not in allowed:
        raise ValidationError(_("文件“%(name)s”的类型不受支持，只能上传 %(types)s 文件") % {"name": f.name, "types": names})
    head = f.read(8192)
    f.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime != GUIDE_DOCUMENT_TYPES[ext]:
        raise ValidationError(_("文件“%(name)s”的内容与扩展名不符（系统按文件内容判断），请另存为 %(types)s 后再上传")
                              % {"name": f.name, "types": names})
    return kind.mime


ALLOWED_UPLOADS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EXTENSION_KINDS = {".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}
KIND_NAMES = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}


def check_upload(f):
    """Accept PDF/JPG/PNG by their content, not their name; refuse oversize, empty and mislabelled files."""
    limit = settings.MAX_ATTACHMENT_BYTES
    if f.size > limit:
        raise ValidationError(_("文件“%(name)s”大小为 %(size).1f MB，超过 %(max)d MB 的上限，请压缩后再上传") % {
            "name": f.name, "size": f.size / 1048576, "max": limit // 1048576})
    if f.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件，请选择有内容的文件") % {"name": f.name})
    ext = os.path.splitext(f.name)[1].lower()
    if ext not in EXTENSION_KINDS:
        raise ValidationError(_("文件“%(name)s”的类型不受支持，只能上传 PDF、JPG 或 PNG 文件") % {"name": f.name})
    head = f.read(8192)
    f.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOADS:
        raise ValidationError(_("文件“%(name)s”的内容不是 PDF、JPG 或 PNG（系统按文件内容判断，改扩展名无效），"
                                      "请另存为 PDF 后再上传") % {"name": f.name})
    actual = ALLOWED_UPLOADS[kind.mime]
    if EXTENSION_KINDS[ext] != actual:
        raise ValidationError(_("文件“%(name)s”的扩展名是 %(ext)s，但内容是 %(kind)s 文件，请改正扩展名后再上传")
                                    % {"name": f.name, "ext": ext, "kind": KIND_NAMES[actual]})
    return kind.mime
