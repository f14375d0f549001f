"""Attachment kinds of a guide (AttachmentKind): loading them from guide data and copying them.

The kinds a guide asks for are data like its directions and rules. The guide files in
guide_data/ list them under "attachment_kinds"; a guide file without the key gets
DEFAULT_KINDS. Review reads `shown_in_blind_review`; the applicant's checklist reads
`required` and `allowed_types`.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record

from .guide_cache import bump_guide_version, guide_cached
from .models import Attachment, AttachmentKind, Guide, default_allowed_types

PDF = ["application/pdf"]

# Kinds that name the applicant by their nature are not shown to blind reviewers.
DEFAULT_KINDS = [
    {"code": "business_licence", "name": "营业执照或法人登记证书", "required": True, "shown_in_blind_review": False,
     "help_text": "营业执照、事业单位法人证书或社会团体法人登记证书的扫描件。"},
    {"code": "project_material", "name": "项目技术方案及说明材料", "required": False, "shown_in_blind_review": True,
     "allowed_types": PDF, "help_text": "将提供给匿名评审专家，请勿出现单位名称、商标、人员姓名及联系方式。"},
    {"code": "ip_certificate", "name": "知识产权证明", "required": False, "shown_in_blind_review": False,
     "help_text": "软件著作权登记证书、专利证书等（证书载有权利人名称，不向匿名评审专家展示）。"},
    {"code": "case_proof", "name": "应用证明材料", "required": False, "shown_in_blind_review": False,
     "help_text": "用户使用证明、合同等（通常载有申报单位名称，不向匿名评审专家展示）。"},
    {"code": "other", "name": "其他材料", "required": False, "shown_in_blind_review": False, "help_text": ""},
]
DCMM_KIND = {"code": "dcmm_certificate", "name": "DCMM 等级证书", "required": False,
             "shown_in_blind_review": False, "help_text": "数据管理能力成熟度评估（GB/T 36073）证书。"}
STATS_KIND = {"code": "stats_report", "name": "统计报表填报证明", "required": False,
              "shown_in_blind_review": False, "help_text": "运行监测系统年度统计报表填报完成页面的截图或证明。"}

KIND_FIELDS = ("name", "help_text", "required", "shown_in_blind_review", "allowed_types")


def _defaults(kind, order):
    values = {f: kind[f] for f in KIND_FIELDS if f in kind}
    values.setdefault("allowed_types", default_allowed_types())
    values["order"] = order
    return values


def load_kinds(guide, kinds):
    """Create or refresh `guide`'s kinds from data; kinds no longer listed go unless attachments use them."""
    kinds = DEFAULT_KINDS if kinds is None else kinds
    for order, kind in enumerate(kinds):
        AttachmentKind.objects.update_or_create(guide=guide, code=kind["code"], defaults=_defaults(kind, order))
    used = Attachment.objects.filter(kind__guide=guide).values("kind_id")
    guide.attachment_kinds.exclude(code__in=[k["code"] for k in kinds]).exclude(pk__in=used).delete()
    bump_guide_version(guide)


def copy_kinds(source, copy, directions=None):
    """Copy `source`'s kinds onto `copy`; `directions` maps the source's direction ids to the copy's directions."""
    directions = directions or {}
    for k in source.attachment_kinds.prefetch_related("directions"):
        new = AttachmentKind.objects.create(
            guide=copy, code=k.code, name=k.name, help_text=k.help_text, required=k.required,
            shown_in_blind_review=k.shown_in_blind_review, allowed_types=list(k.allowed_types or []), order=k.order)
        mapped = [directions[d.pk] for d in k.directions.all() if d.pk in directions]
        if mapped:
            new.directions.set(mapped)


# --- the applicant's checklist ---------------------------------------------------------------

@dataclass(frozen=True)
class ChecklistItem:
    kind: AttachmentKind
    files: int  # how many files of this kind are uploaded

    @property
    def done(self):
        return self.files > 0

    @property
    def missing(self):
        return self.kind.required and not self.files


def guide_kinds(guide):
    """`guide`'s kinds in their order, each with its directions: two queries, none when cached."""
    return guide_cached(guide, "kinds", lambda: list(guide.attachment_kinds.prefetch_related("directions")))


def attachment_checklist(decl, directions=None, kinds=None):
    """The guide's kinds that apply to `decl`'s directions, each with how many files of it are uploaded.

    Reads `decl.attachments.all()` (prefetched on the declaration pages) and the guide's
    kinds with their directions (`guide_kinds`, or `kinds` a page loaded already): two queries whatever the
    number of kinds and files.
    """
    directions = decl.all_directions() if directions is None else directions
    counts = {}
    for att in decl.attachments.all():
        counts[att.kind_id] = counts.get(att.kind_id, 0) + 1
    kinds = guide_kinds(decl.guide) if kinds is None else kinds
    return [ChecklistItem(k, counts.get(k.pk, 0)) for k in kinds if k.applies_to(directions)]


def missing_required(decl, directions=None, kinds=None):
    return [item.kind for item in attachment_checklist(decl, directions, kinds) if item.missing]


# --- the ministry edits a guide's kinds ------------------------------------------------------

class KindEditError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def save_kind(*, guide, actor, fields, directions=(), kind=None, request=None):
    """Create or change one of `guide`'s attachment kinds (fields: KIND_FIELDS plus code and order)."""
    with transaction.atomic():
        Guide.objects.select_for_update().get(pk=guide.pk)
        if any(d.guide_id != guide.pk for d in directions):
            raise KindEditError(_("所选方向不属于本指南"))
        clash = guide.attachment_kinds.filter(code=fields["code"])
        if kind is not None:
            clash = clash.exclude(pk=kind.pk)
        if clash.exists():
            raise KindEditError(_("本指南已有代码为“%(code)s”的附件类型，请换一个代码") % {"code": fields["code"]})
        created = kind is None
        kind = kind or AttachmentKind(guide=guide)
        for name, value in fields.items():
            setattr(kind, name, value)
        kind.save()
        kind.directions.set(directions)
        bump_guide_version(guide)
        record("guide.attachment_kind_add" if created else "guide.attachment_kind_update", target=guide,
               actor=actor, request=request,
               summary=(_("新增附件类型：%(k)s") if created else _("修改附件类型：%(k)s")) % {"k": kind.name},
               data={"kind": kind.pk, "code": kind.code, "required": kind.required,
                     "shown_in_blind_review": kind.shown_in_blind_review,
                     "allowed_types": list(kind.allowed_types or []), "directions": [d.pk for d in directions]})
    return kind


def delete_kind(*, kind, actor, request=None):
    """Delete a kind no file uses yet (a used one would leave files whose blind-review rule is unknown)."""
    guide = kind.guide
    with transaction.atomic():
        Guide.objects.select_for_update().get(pk=guide.pk)
        n = Attachment.objects.filter(kind=kind).count()
        if n:
            raise KindEditError(_("附件类型“%(k)s”已有 %(n)d 个附件使用，不能删除；如不再要求，可改为非必须上传")
                                % {"k": kind.name, "n": n})
        name = kind.name
        kind.delete()
        bump_guide_version(guide)
        record("guide.attachment_kind_delete", target=guide, actor=actor, request=request,
               summary=_("删除附件类型：%(k)s") % {"k": name})
