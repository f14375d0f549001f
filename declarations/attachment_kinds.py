"""Attachment kinds of a guide (AttachmentKind): loading them from guide data and copying them.

The kinds a guide asks for are data like its directions and rules. The guide files in
guide_data/ list them under "attachment_kinds"; a guide file without the key gets
DEFAULT_KINDS. Review reads `shown_in_blind_review`; the applicant's checklist reads
`required` and `allowed_types`.
"""

from .models import Attachment, AttachmentKind, default_allowed_types

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


def copy_kinds(source, copy):
    AttachmentKind.objects.bulk_create([
        AttachmentKind(guide=copy, code=k.code, name=k.name, help_text=k.help_text, required=k.required,
                       shown_in_blind_review=k.shown_in_blind_review, allowed_types=list(k.allowed_types or []),
                       order=k.order)
        for k in source.attachment_kinds.all()])
