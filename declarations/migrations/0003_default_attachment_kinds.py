"""Give every existing guide attachment kinds, and every existing attachment a kind.

The data is frozen here (a migration must not follow later edits of
declarations/attachment_kinds.py). Attachments are classified by the words of their
label and file name; what matches nothing becomes "other", which blind reviewers do
not see: an unclassified file may well be a licence.
"""

from django.db import migrations

TYPES = ["application/pdf", "image/jpeg", "image/png"]
KINDS = [
    ("business_licence", "营业执照或法人登记证书", True, False, TYPES,
     "营业执照、事业单位法人证书或社会团体法人登记证书的扫描件。"),
    ("project_material", "项目技术方案及说明材料", False, True, ["application/pdf"],
     "将提供给匿名评审专家，请勿出现单位名称、商标、人员姓名及联系方式。"),
    ("dcmm_certificate", "DCMM 等级证书", False, False, TYPES, "数据管理能力成熟度评估（GB/T 36073）证书。"),
    ("stats_report", "统计报表填报证明", False, False, TYPES, "运行监测系统年度统计报表填报完成页面的截图或证明。"),
    ("ip_certificate", "知识产权证明", False, False, TYPES,
     "软件著作权登记证书、专利证书等（证书载有权利人名称，不向匿名评审专家展示）。"),
    ("case_proof", "应用证明材料", False, False, TYPES, "用户使用证明、合同等（通常载有申报单位名称，不向匿名评审专家展示）。"),
    ("other", "其他材料", False, False, TYPES, ""),
]
# First match wins: the identifying kinds are tried before the one shown to reviewers.
KEYWORDS = [
    ("business_licence", ("营业执照", "执照", "法人证书", "登记证书")),
    ("dcmm_certificate", ("DCMM", "dcmm", "数据管理能力")),
    ("stats_report", ("统计报表", "年报", "报表")),
    ("ip_certificate", ("著作权", "软著", "专利", "商标", "证书")),
    ("case_proof", ("证明", "合同", "用户", "案例")),
    ("project_material", ("方案", "介绍", "白皮书", "技术文档", "说明书")),
]


def forwards(apps, schema_editor):
    Guide = apps.get_model("declarations", "Guide")
    AttachmentKind = apps.get_model("declarations", "AttachmentKind")
    Attachment = apps.get_model("declarations", "Attachment")
    Rule = apps.get_model("declarations", "Rule")
    for guide in Guide.objects.all():
        if AttachmentKind.objects.filter(guide=guide).exists():
            continue
        rule_kinds = set(Rule.objects.filter(guide=guide).values_list("kind", flat=True))
        order = 0
        for code, name, required, shown, types, help_text in KINDS:
            if code == "dcmm_certificate" and "dcmm_min" not in rule_kinds and guide.quota_exempt_dcmm_min is None:
                continue
            if code == "stats_report" and "stats_report" not in rule_kinds:
                continue
            AttachmentKind.objects.create(guide=guide, code=code, name=name, required=required,
                                          shown_in_blind_review=shown, allowed_types=types, help_text=help_text,
                                          order=order)
            order += 1
    kinds = {(k.guide_id, k.code): k.pk for k in AttachmentKind.objects.all()}
    for att in Attachment.objects.filter(kind__isnull=True).select_related("declaration").iterator():
        text = f"{att.label} {att.original_name}"
        guide_id = att.declaration.guide_id
        code = next((c for c, words in KEYWORDS if (guide_id, c) in kinds and any(w in text for w in words)),
                    "other")
        Attachment.objects.filter(pk=att.pk).update(kind_id=kinds[(guide_id, code)])


class Migration(migrations.Migration):
    dependencies = [("declarations", "0002_attachment_kinds")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
