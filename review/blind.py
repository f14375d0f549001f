"""Blind review: what a reviewer may see of a declaration, built in one place.

`reviewer_view(decl, blind=...)` is the only way the reviewer's pages, downloads and
PDF copy get a declaration. In blind mode its texts pass through one `Masker`, which
hides the applicant's full name and its short forms (the name without its region
prefix and without legal-form / industry suffixes, with or without the region in
front), the unit's name, the credit code, the contact person, and every credit code,
phone number and e-mail address whatever their owner. Attachments whose kind
identifies the applicant by its nature (a business licence, a certificate) are left
out altogether (AttachmentKind.shown_in_blind_review); the rest get neutral names.
"""

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache

from django.utils.translation import gettext as _

from core.regions import REGIONS
from declarations.models import Organisation

MASK = "（申报单位）"
HIDDEN = "（已隐去）"

# Within a tuple a word comes before any shorter word it ends with; stripping repeats until nothing matches.
LEGAL_SUFFIXES = ("股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "公司",
                  "集团", "研究院", "研究所", "大学", "学院", "研究中心", "中心", "协会", "学会", "联盟", "事务所", "合伙企业")
INDUSTRY_SUFFIXES = ("大数据", "云计算", "科技", "数据", "信息", "技术", "网络",
                     "软件", "智能", "数字", "电子", "通信", "股份", "控股", "实业", "发展", "服务", "产业", "咨询",
                     "工业", "系统")
REGION_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "生产建设兵团", "自治区", "自治州", "自治县",
                   "特别行政区", "地区", "新区", "省", "市", "区", "县", "盟", "旗")
MIN_CORE = 2  # a one-character "short form" would mask half of every text

# Identifiers masked whoever they belong to (a customer's phone identifies the applicant too).
CREDIT_CODE_RE = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Za-z])")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s\-]?)?1[3-9]\d(?:[\s\-]?\d{4}){2}(?!\d)")
LANDLINE_RE = re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3}[\s\-－])\s?\d{7,8}(?:[\-－]\d{1,5})?(?!\d)")


def _short_region(name):
    for suffix in REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def region_names():
    """Province, city and district names (full and short) of GB/T 2260, as python-stdnum ships them."""
    from stdnum import numdb

    names = {str(n) for _code, n in REGIONS} | {"中国", "中华"}
    stack = list(numdb.get("cn/loc").prefixes)  # (length, low, high, properties, children)
    while stack:
        entry = stack.pop()
        for value in entry[3].values():
            names.add(re.sub(r"^\[[^\]]*\]", "", value))  # "[2009-]滨海新区": validity years
        stack.extend(entry[4])
    names.discard("市辖区")
    names.discard("县")
    names |= {_short_region(n) for n in names}
    return frozenset(n for n in names if len(n) >= 2)


def _split_region_prefix(name):
    """(region parts found at the start of `name`, the rest)."""
    regions, parts = region_names(), []
    rest = name
    while True:
        for k in range(min(len(rest) - 1, 12), 1, -1):
            if rest[:k] in regions:
                parts.append(rest[:k])
                rest = rest[k:]
                break
        else:
            return parts, rest


def short_forms(name):
    """The names a text may use for organisation `name`: without region, legal form or industry words."""
    name = re.sub(r"[（(][^）)]*[）)]", "", "".join((name or "").split()))  # 甲数据（天津）有限公司
    regions, core = _split_region_prefix(name)
    while regions and _generic(core):  # 东方数据科技有限公司: 东方 is a city, yet here it is the name
        core = regions.pop() + core
    forms = set()
    for suffixes in (LEGAL_SUFFIXES, INDUSTRY_SUFFIXES):
        stripped = True
        while stripped:
            stripped = False
            if len(core) >= MIN_CORE:
                forms.add(core)
            for suffix in suffixes:
                if core.endswith(suffix) and len(core) - len(suffix) >= MIN_CORE:
                    core = core[: -len(suffix)]
                    stripped = True
                    break
    if len(core) >= MIN_CORE:
        forms.add(core)
    return regions, {f for f in forms if not _generic(f) and f not in region_names()}


def _generic(text):
    """True when `text` is only legal-form and industry words (数据科技有限公司): masking it would hide every text."""
    words = LEGAL_SUFFIXES + INDUSTRY_SUFFIXES
    while text:
        for w in words:
            if text.endswith(w):
                text = text[: -len(w)]
                break
        else:
            return False
    return True


def _alternation(words):
    words = sorted({w for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in words)


class Masker:
    """Masks one declaration's identity in any text."""

    def __init__(self, decl):
        org = decl.organisation
        personal = {org.credit_code, org.address, org.contact_email, org.contact_phone}
        if len(org.contact_name or "") >= 2:
            personal.add(org.contact_name)
        names = {org.name}
        if decl.unit_id:  # a unit is named in full; its "short form" would be a generic 工业和信息化局
            names |= {decl.unit.name, re.sub(r"[（(][^）)]*[）)]", "", decl.unit.name)}
        region_parts, cores = short_forms(org.name)
        region_parts = set(region_parts)
        province = dict(REGIONS).get(org.region)
        if province:
            region_parts.add(str(province))
        region_parts |= {_short_region(p) for p in region_parts}
        # Any run of the applicant's region names, each with or without 省/市/区…, may precede a short form.
        prefix = f"(?:(?:{_alternation(region_parts)})(?:{_alternation(REGION_SUFFIXES)})?)*" if region_parts else ""
        alternatives = [_alternation(names)] + ([f"{prefix}(?:{_alternation(cores)})"] if cores else [])
        self.names = re.compile("|".join(f"(?:{a})" for a in alternatives if a))
        self.personal = re.compile(_alternation(personal)) if any(personal) else None

    def __call__(self, text):
        if not text:
            return text
        text = str(text)
        for regex in (EMAIL_RE, CREDIT_CODE_RE, MOBILE_RE, LANDLINE_RE, self.personal):
            if regex is not None:
                text = regex.sub(HIDDEN, text)
        return self.names.sub(MASK, text)


TEXT_FIELDS = ("project_name", "summary", "innovation", "benefits", "promotion", "open_source")


def _masked_declaration(decl, mask):
    """An unsaved copy of `decl` whose texts are masked and whose organisation and unit say nothing."""
    masked = copy.copy(decl)
    masked._state = copy.copy(decl._state)
    masked._state.fields_cache = dict(decl._state.fields_cache)  # never write into the original's cache
    for name in TEXT_FIELDS:
        setattr(masked, name, mask(getattr(decl, name)))
    masked.ip_items = [{k: mask(v) for k, v in (item or {}).items()} for item in decl.ip_items or []]
    masked.cases = [{**{k: mask(v) for k, v in (c or {}).items()}, "customer": ""} for c in decl.cases or []]
    org = decl.organisation
    anonymous = Organisation(pk=org.pk, name=MASK, credit_code="", kind=org.kind, is_industrial=org.is_industrial,
                             region="", dcmm_level=org.dcmm_level, contact_name="", contact_phone="",
                             contact_email="", address="")
    masked._state.fields_cache["organisation"] = anonymous
    masked.unit_id = None
    masked._state.fields_cache["unit"] = None
    return masked


@dataclass
class ShownAttachment:
    n: int  # the number in the reviewer's URL; hidden attachments have none
    attachment: object
    label: str
    note: str
    filename: str
    size: int = field(default=0)


@dataclass
class ReviewerView:
    """The declaration as one reviewer sees it; `decl` is the original when review is not blind."""

    decl: object
    blind: bool
    attachments: list
    mask: object

    def attachment(self, n):
        return next((a for a in self.attachments if a.n == n), None)


EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _shown_in_blind_review(att):
    kind = getattr(att, "kind", None)
    return bool(kind is not None and kind.shown_in_blind_review)  # no kind: nobody vouched for it, so hidden


def reviewer_view(decl, *, blind):
    """The one builder of what a reviewer sees: pages, downloads and the PDF copy all start here.

    `decl` should come with organisation, unit and attachments__kind loaded (declaration_page_queryset).
    """
    attachments = list(decl.attachments.all())
    if not blind:
        shown = [ShownAttachment(n=i, attachment=a, label=a.original_name, note=a.label, filename=a.original_name,
                                 size=a.size) for i, a in enumerate(attachments, 1)]
        return ReviewerView(decl=decl, blind=False, attachments=shown, mask=lambda text: text)
    mask = Masker(decl)
    shown, n = [], 0
    for a in attachments:
        if not _shown_in_blind_review(a):
            continue
        n += 1
        kind_name = mask(a.kind.name)
        shown.append(ShownAttachment(
            n=n, attachment=a, label=_("附件 %(n)d（%(kind)s）") % {"n": n, "kind": kind_name}, note="",
            filename=_("附件%(n)d") % {"n": n} + EXTENSIONS.get(a.content_type, ""), size=a.size))
    return ReviewerView(decl=_masked_declaration(decl, mask), blind=True, attachments=shown, mask=mask)




def masked_title(decl, *, blind):
    """The project name as a reviewer's list shows it (decl with organisation and unit loaded)."""
    return Masker(decl)(decl.project_name) if blind else decl.project_name
