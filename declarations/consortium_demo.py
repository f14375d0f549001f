"""Demo of the 2023 shape: a live guide built from the 2023 file, and a consortium of three organisations.

Runs after the units exist (setup_demo's order), because a declaration is routed to its unit when it starts.
The lead's two members: one has confirmed, one has not, so a new user can confirm it and watch the lead submit.
"""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from stdnum.cn import uscc

from core.demo_accounts import demo_user

from .attachment_kinds import missing_required
from .consortia import add_member, decide_membership
from .direction_import import import_directions
from .guide_admin import publish_guide
from .loading import load_guide, read_guide_data
from .models import ConsortiumMember, Declaration, Guide, Organisation
from .services import add_attachment, save_draft, start_declaration

DEMO_GUIDE_2023_TITLE = "{year}年大数据产业发展示范项目申报指南（演示，按2023年指南）"
MEMBERS = [
    # (username, name, credit code body, DCMM, role, share, confirmed already)
    ("consortium_member1", "天津西青工业数据技术有限公司", "91120111MA0800001", 3, "负责工业数据采集与边缘计算平台建设", 30, True),
    ("consortium_member2", "天津市智能制造数据研究院", "12120104MB0800002", 0, "负责数据治理方法与质量评估", 20, False),
]
LEAD = ("consortium_lead", "天津联合数据集团有限公司", "91120102MA0800000", 3)
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Size 4/Root 1 0 R>>\n%%EOF\n")


def demo_guide_2023():
    return Guide.objects.filter(title=DEMO_GUIDE_2023_TITLE.format(year=timezone.localtime().year)).first()


def _live_guide():
    """The 2023 file opened for the demo year; its placeholder directions get demo names through the import."""
    now = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    existing = Guide.objects.filter(title=DEMO_GUIDE_2023_TITLE.format(year=now.year), is_published=True).first()
    if existing is not None:  # setup_demo runs again: keep what the demo users did with it
        return existing
    data = {**read_guide_data(2023), "year": now.year, "draft": True}
    guide = load_guide(data, title=DEMO_GUIDE_2023_TITLE.format(year=now.year),
                       applicant_deadline=now + timedelta(days=30), unit_deadline=now + timedelta(days=45))
    rows = [{"category_code": d.category.code, "category_name": d.category.name, "code": d.code,
             "name": f"演示方向{d.code}（名称待按通知原文补录）", "requirements": "演示数据：需求要点以通知原文为准。",
             "content": "演示数据：实施内容以通知原文为准。", "outcomes": "演示数据：应用成效以通知原文为准。",
             "role_split": False} for d in guide.directions.select_related("category")]
    import_directions(guide=guide, rows=rows, actor=None)
    if not guide.is_published:
        publish_guide(guide=guide, actor=None)  # through the checklist, as the admin would
    return Guide.objects.get(pk=guide.pk)


def _org(ctx, username, name, body, dcmm, n):
    code = body + uscc.calc_check_digit(body)
    org, _ = Organisation.objects.update_or_create(credit_code=code, defaults={
        "name": name, "kind": Organisation.Kind.ENTERPRISE if body.startswith("91") else Organisation.Kind.INSTITUTE,
        "is_industrial": body.startswith("91"), "region": "12", "division": body[2:8], "dcmm_level": dcmm,
        "contact_name": f"联合体联系人{n}", "contact_phone": f"1370000000{n}", "contact_email": f"{username}@example.com"})
    user = demo_user(ctx, username, "applicant", name, organisation=org, email=f"{username}@example.com",
                     full_name=f"联合体联系人{n}")
    return org, user


def load(ctx):
    guide = _live_guide()
    ctx["guide2023"] = guide
    lead, lead_user = _org(ctx, *LEAD, n=0)
    ctx["accounts"][-1] = (LEAD[0], ctx["accounts"][-1][1], f"{LEAD[1]}（联合体牵头单位，{guide.year}演示指南）")
    decl, created = start_declaration(guide, organisation=lead, actor=lead_user)
    if created:
        direction = guide.directions.get(code="1")
        save_draft(decl, {
            "project_name": "京津冀装备制造业数据协同平台", "direction_id": direction.pk, "construction_status": "built",
            "summary": "三家单位联合建设的装备制造业数据协同平台，贯通设计、生产、运维数据。",
            "innovation": "跨企业数据空间与可信流通组件。",
            "ip_items": [{"kind": "软件著作权", "title": "数据协同平台V1.0", "number": "2022SR0800001"}],
            "cases": [{"name": f"协同案例{n}", "customer": f"装备企业{n}", "description": "设计变更周期缩短约25%。"}
                      for n in range(1, 4)],
            "benefits": "带动上下游企业降本约 3000 万元。", "promotion": "可在装备制造产业集群推广。"},
            expected_version=decl.version, actor=lead_user)
        for kind in missing_required(decl):
            add_attachment(decl, upload=SimpleUploadedFile(f"{kind.name}.pdf", PDF), mime="application/pdf",
                           label=kind.name, kind=kind, actor=lead_user)
    for i, (username, name, body, dcmm, role, share, confirmed) in enumerate(MEMBERS, 1):
        org, user = _org(ctx, username, name, body, dcmm, n=i)
        ctx["accounts"][-1] = (username, ctx["accounts"][-1][1],
                               f"{name}（联合体成员：{'已确认' if confirmed else '待确认，可登录确认'}）")
        member = ConsortiumMember.objects.filter(declaration=decl, organisation=org).first()
        if member is None and decl.is_editable:
            member = add_member(decl, credit_code=org.credit_code, role=role, share=share, actor=lead_user)
        if member is not None and confirmed and member.state == ConsortiumMember.State.PENDING:
            decide_membership(member, actor=user, confirm=True)
    ctx["consortium"] = Declaration.objects.get(pk=decl.pk)
