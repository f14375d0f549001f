"""Blind review: a copy of a declaration with every trace of the applicant's identity removed."""

import copy
import re

from django.utils.translation import gettext as _

MASK = "（申报单位）"


def _patterns(decl):
    org = decl.organisation
    names = {org.name, org.credit_code}
    if decl.unit_id:
        names.add(decl.unit.name)
    # Short forms such as "甲数据" of "甲数据公司" or "XX有限公司" → "XX".
    for suffix in ("股份有限公司", "有限责任公司", "有限公司", "集团", "公司", "研究院", "研究所"):
        if org.name.endswith(suffix) and len(org.name) - len(suffix) >= 2:
            names.add(org.name[: -len(suffix)])
    names = sorted((n for n in names if n), key=len, reverse=True)
    return re.compile("|".join(re.escape(n) for n in names)) if names else None


def redact_text(text, pattern):
    if not text or pattern is None:
        return text
    return pattern.sub(MASK, str(text))


def blind_copy(decl):
    """A copy fit for a blind reviewer: text fields with names masked, no unit, no customers."""
    pattern = _patterns(decl)
    masked = copy.copy(decl)
    for field in ("project_name", "summary", "innovation", "benefits", "promotion", "open_source"):
        setattr(masked, field, redact_text(getattr(decl, field), pattern))
    masked.ip_items = [{k: redact_text(v, pattern) for k, v in (item or {}).items()} for item in decl.ip_items or []]
    masked.cases = [{**{k: redact_text(v, pattern) for k, v in (c or {}).items()}, "customer": ""}
                    for c in decl.cases or []]
    return masked


def display_name(decl, blind):
    return blind_copy(decl).project_name if blind else decl.project_name


def attachment_label(index, attachment, blind):
    """Blind reviewers get neutral labels: file names and applicant labels often carry the company name."""
    if blind:
        return _("附件 %(n)d") % {"n": index}
    return attachment.original_name


def attachment_filename(index, attachment, blind):
    ext = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(attachment.content_type, "")
    if blind:
        return _("附件%(n)d") % {"n": index} + ext
    return attachment.original_name
