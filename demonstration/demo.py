"""Demo data of the demonstration period: the 2020 guide's results published, and an open
self-evaluation round in which applicant1's project has submitted its report (binhai to check).
Safe to run again. States are reached through the services, so audit trails read like real ones.
"""

from datetime import timedelta

from django.utils import timezone

from declarations.loading import read_guide_data
from declarations.models import Declaration, Guide, Organisation
from declarations.services import transition
from declarations.validators import uscc
from review.assignment import add_reviewer
from review.models import Assignment, ReviewerProfile
from review.scoring import submit_review
from review.selection import open_public_notice, publish_results, select_projects
from review.setup import settings_for, sheet_for

from . import services
from .models import Round

# (organisation key or (name, credit code), unit key, direction code, project)
PROJECTS = [
    ("applicant1", "binhai", "2", "滨海港口企业经营数据应用平台"),
    ("applicant2", "hexi", "4", "河西民生服务大数据平台"),
    (("天津津南工业数据有限公司", "91120112MA06A1B2C"), "tianjin", "1", "津南工业现场数据采集与优化系统"),
    (("天津数安科技有限公司", "91120104MA06D3E4F"), "tianjin", "6", "企业数据管理能力提升服务平台"),
]
ROUND_TITLE = "2020年度大数据产业发展试点示范项目自查评估"
REPORT = dict(
    progress="项目已按申报书完成平台二期建设，接入港口、物流企业 126 家，形成 3 个可复制的数据应用场景。",
    indicators=[{"name": "接入企业数（家）", "declared": "100", "achieved": "126"},
                {"name": "数据处理能力（亿条/日）", "declared": "5", "achieved": "6.2"},
                {"name": "降低运营成本", "declared": "10%", "achieved": "12%"}],
    problems="跨企业数据标准尚不统一，部分中小企业接入积极性不高。",
    next_steps="牵头制定地方数据接口规范，面向全市中小企业推广。")


def _org(ctx, key):
    if isinstance(key, str):
        index = int(key.removeprefix("applicant")) - 1
        return ctx["organisations"][index]
    name, code17 = key
    org, _ = Organisation.objects.update_or_create(credit_code=code17 + uscc.calc_check_digit(code17), defaults={
        "name": name, "kind": Organisation.Kind.ENTERPRISE, "is_industrial": True, "region": "12", "dcmm_level": 3,
        "contact_name": "示范项目联系人", "contact_phone": "13900001111", "contact_email": ""})
    return org


def _reviewed(decls):
    """Each 2020 project was scored by last year's expert: a project needs a submitted review to be selected."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    expert, created = User.objects.get_or_create(username="reviewer_2020", defaults={
        "role": User.Role.REVIEWER, "full_name": "往年评审专家", "is_active": False})
    if created:
        expert.set_unusable_password()
        expert.save()
    ReviewerProfile.objects.get_or_create(user=expert, defaults={"name": "往年评审专家", "employer": "南开大学"})
    for decl in decls:
        if not Assignment.objects.filter(declaration=decl, reviewer=expert).exists():
            a = add_reviewer(declaration=decl, reviewer=expert, actor=None)
            submit_review(assignment=a, actor=expert, comment="项目基础扎实，应用成效明显，建议入选。",
                          scores={f"score_{c.pk}": "85" for c in sheet_for(decl).criteria.all()})


def _selected_guide(ctx):
    guide = Guide.objects.filter(year=2020, title=read_guide_data(2020)["title"]).first()
    if guide is None or "organisations" not in ctx or "units" not in ctx:
        return None
    cfg = settings_for(guide)
    if cfg.is_published:
        return guide
    decls = []
    for org_key, unit_key, code, project in PROJECTS:
        org = _org(ctx, org_key)
        direction = guide.directions.get(code=code)
        decl, created = Declaration.objects.get_or_create(guide=guide, organisation=org, defaults={
            "project_name": project, "direction": direction, "unit": ctx["units"][unit_key],
            "construction_status": "built", "summary": f"{project}：汇聚行业数据，形成可复制推广的应用模式。",
            "innovation": "自主研发的数据采集、治理与分析组件。", "benefits": "降本增效明显。", "promotion": "可在全市推广。",
            "ip_items": [{"kind": "软件著作权", "title": f"{project}V1.0", "number": "2019SR100001"}],
            "cases": [{"name": "应用案例", "customer": "本地企业", "description": "已上线运行"}]})
        if created:
            transition(decl, "submitted", summary="演示数据", submitted_at=timezone.now() - timedelta(days=400))
            for state in ("passed", "recommended"):
                transition(decl, state, summary="演示数据")
        decls.append(decl)
    _reviewed(decls)
    select_projects(guide=guide, declaration_ids=[d.pk for d in decls], actor=None)
    today = timezone.localdate()
    if not cfg.notice_open:  # opened on its first day, three weeks ago; it has ended
        open_public_notice(guide=guide, start=today - timedelta(days=21), end=today - timedelta(days=6), actor=None,
                           now=timezone.now() - timedelta(days=21))
    publish_results(guide=guide, actor=None, doc_number="工信厅信发函〔2020〕演示号")
    return guide


def load(ctx):
    guide = _selected_guide(ctx)
    if guide is None or Round.objects.filter(guide=guide, title=ROUND_TITLE).exists():
        return
    now = timezone.localtime().replace(hour=17, minute=0, second=0, microsecond=0)
    rnd = services.open_round(guide=guide, title=ROUND_TITLE, report_deadline=now + timedelta(days=14),
                              unit_deadline=now + timedelta(days=28), sample_percent=30, actor=None)
    first = ctx["organisations"][0]
    report = rnd.reports.get(declaration__organisation=first)
    owner = first.users.filter(role="applicant").first()
    services.save_report(report=report, actor=owner, submit=True, **REPORT)
