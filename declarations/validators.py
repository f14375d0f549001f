"""Validators whose messages tell the applicant exactly what to fix."""

import re

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
