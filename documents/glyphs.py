"""Which characters the printed documents can draw, checked before a declaration is submitted.

The answer is the union of the character maps (cmaps) of the faces documents/pdf.py gives
WeasyPrint. The maps are read once per process with fontTools (about 2 s for the four
faces, 0.1 M code points) and kept as one frozenset.
"""

import unicodedata
from functools import lru_cache

from django.utils.translation import gettext as _

from .pdf import FONT_FILES

# Declaration fields printed on the application form, as the applicant's form labels them.
TEXT_FIELDS = ("project_name", "summary", "innovation", "benefits", "promotion", "open_source")
LIST_FIELDS = ("ip_items", "cases")
ORGANISATION_FIELDS = ("name", "address", "contact_name")


@lru_cache(maxsize=1)
def printable_code_points():
    from fontTools.ttLib import TTFont

    covered = set()
    for path in FONT_FILES.values():
        if path.exists():
            with TTFont(path, lazy=True) as font:
                covered.update(font.getBestCmap())
    return frozenset(covered)


def _needs_no_glyph(ch):
    # Line breaks, tabs and format characters (zero-width joiners, soft hyphens) are not drawn.
    return ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")


def missing_characters(text):
    """The distinct characters of `text` that no face has, in order of appearance."""
    covered = printable_code_points()
    seen = []
    for ch in text or "":
        if ord(ch) not in covered and ch not in seen and not _needs_no_glyph(ch):
            seen.append(ch)
    return seen


def _label(model, name):
    return str(model._meta.get_field(name).verbose_name)


def _describe(chars):
    return "、".join(f"“{c}”（U+{ord(c):04X}）" for c in chars)


def unprintable_fields(decl):
    """[(field name, message)] for every printed field of `decl` holding a character the PDF cannot draw."""
    problems = []

    def check(field, label, text):
        chars = missing_characters(text)
        if chars:
            problems.append((field, _("“%(label)s”中的字符 %(chars)s 在申报书字库中没有字形，打印出来会是方框；"
                                      "请改用通用汉字，或在其后用括号注明读音或写法") % {
                "label": label, "chars": _describe(chars)}))

    for name in TEXT_FIELDS:
        check(name, _label(type(decl), name), getattr(decl, name, ""))
    for name in LIST_FIELDS:
        rows = getattr(decl, name, None) or []
        check(name, _label(type(decl), name), "".join(str(v) for row in rows for v in (row or {}).values()))
    org = decl.organisation
    for name in ORGANISATION_FIELDS:
        check("__all__", _("单位信息·%(field)s") % {"field": _label(type(org), name)}, getattr(org, name, ""))
    for a in decl.attachments.all():
        check("__all__", _("附件“%(name)s”的文件名或说明") % {"name": a.original_name}, a.original_name + a.label)
    return problems
