"""Demo data of the review: reviewers, panels, and a 2021 review in progress. Safe to run again.

The recommended projects live in the real 2021 guide so the live demo guide stays clean
for the applicant journey; their states are reached through declarations.services.transition,
so their audit trails read like real ones.
"""

from decimal import Decimal

from core.demo_accounts import demo_user
from declarations.loading import read_guide_data
from declarations.models import Declaration, Guide, Organisation
from declarations.services import transition
from declarations.validators import uscc
from units.models import Unit

from .assignment import assign_reviewers
from .models import Assignment, Panel, Review, ReviewerProfile
from .scoring import save_review
from .setup import ensure_default_sheet, settings_for, sheet_for

REVIEWERS = [
    ("张明远", "中国信息通信研究院", "11", "正高级工程师"),
    ("李晓华", "北京大学", "11", "教授"),
    ("王建国", "上海交通大学", "31", "教授"),
    ("陈思", "杭州云数科技有限公司", "33", "首席架构师"),  # the employer of one 2021 applicant: a conflict
    ("刘洋", "中国电子技术标准化研究院", "11", "研究员"),
    ("赵敏", "华中科技大学", "42", "教授"),
]

APPLICANTS = [
    ("1", "91110108MA01AB1C2", "北京智数科技有限公司", "11", "工业设备数据智能运维平台"),
    ("1", "91310115MA1K3L4M5", "上海工联大数据有限公司", "31", "离散制造全流程数据优化系统"),
    ("2", "91440300MA5F6G7H8", "深圳数链供应链管理有限公司", "44", "产业链协同数据中台"),
    ("2", "91330106MA2B3C4D5", "杭州云数科技有限公司", "33", "中小企业经营管理大数据服务平台"),
    ("7", "91420100MA4E5F6G7", "武汉智析数据技术有限公司", "42", "多源异构数据分析挖掘引擎"),
    ("7", "91510100MA6H7J8K9", "成都天府数智科技有限公司", "51", "面向城市治理的时空大数据分析平台"),
    ("7", "91370200MA3L4M5N6", "青岛海数信息技术有限公司", "37", "工业视觉大数据分析系统"),
    ("1", "91120116MA05R7W8T", "天津港航数据科技有限公司", "12", "港口生产过程数据优化平台"),
]

COMMENT = "项目基础扎实，数据资源和应用场景清晰，技术方案具有一定创新性，建议关注推广模式的可复制性。"


def _org(code17, name, region, i):
    code = code17[:17] + uscc.calc_check_digit(code17[:17])
    org, _ = Organisation.objects.update_or_create(credit_code=code, defaults={
        "name": name, "kind": Organisation.Kind.ENTERPRISE, "is_industrial": True, "region": region,
        "dcmm_level": 3, "contact_name": f"评审演示联系人{i}", "contact_phone": f"1390000{i:04d}",
        "contact_email": f"review-demo{i}@example.com"})
    return org


def _declaration(guide, org, direction_code, project, region):
    direction = guide.directions.get(code=direction_code)
    unit = Unit.objects.filter(region=region, kind__in=[Unit.Kind.PROVINCE, Unit.Kind.XPCC]).first()
    decl, created = Declaration.objects.get_or_create(guide=guide, organisation=org, defaults={
        "project_name": project, "direction": direction, "unit": unit, "construction_status": "built",
        "summary": f"{project}面向{direction.name}场景，汇聚企业生产经营数据，形成可复制的数据应用模式。",
        "innovation": "自主研发的数据采集、治理与分析组件，支持海量数据实时处理。",
        "ip_items": [{"kind": "软件著作权", "title": f"{project}V1.0", "number": "2020SR100001"}],
        "cases": [{"name": f"应用案例{i}", "customer": f"{org.name[:2]}某客户{i}", "description": "已上线运行一年以上"}
                  for i in range(1, 4)],
        "benefits": "降低运营成本约15%，提升数据利用效率。", "promotion": "可在同行业中小企业推广。",
        "applicant_role": "owner" if direction.role_split else "",
    })
    if created:
        for state in ("submitted", "passed", "recommended"):
            transition(decl, state, summary="演示数据")
    return decl


def load(ctx):
    reviewers = []
    for i, (name, employer, region, title) in enumerate(REVIEWERS, 1):
        # No e-mail address: the demo's assignment notices stay in the inbox, not on the console.
        user = demo_user(ctx, f"reviewer{i}", "reviewer", f"{name}，{employer}", full_name=name)
        profile, _ = ReviewerProfile.objects.update_or_create(user=user, defaults={
            "name": name, "employer": employer, "region": region, "title": title, "is_active": True})
        reviewers.append((user, profile))

    live = ctx.get("guide")
    if live is not None:
        ensure_default_sheet(live)
        settings_for(live)
        panel, _ = Panel.objects.get_or_create(guide=live, name="综合评审组")
        panel.directions.set(live.directions.all())
        panel.reviewers.set([u for u, _p in reviewers])

    guide = Guide.objects.filter(year=2021, title=read_guide_data(2021)["title"]).first()
    if guide is None:
        return
    ensure_default_sheet(guide)
    cfg = settings_for(guide)
    if cfg.is_published:
        return
    cfg.reviewers_per_declaration = 3
    cfg.save()
    for _u, profile in reviewers:
        profile.expertise.add(*guide.directions.filter(code__in=["1", "2", "7"]))
    panels = [("第一评审组（工业大数据应用）", ["1", "2"], reviewers[:4]),
              ("第二评审组（大数据关键产品）", ["7"], reviewers[2:])]
    for name, codes, members in panels:
        panel, _ = Panel.objects.get_or_create(guide=guide, name=name)
        panel.directions.set(guide.directions.filter(code__in=codes))
        panel.reviewers.set([u for u, _p in members])
    decls = []
    for i, (code, credit, name, region, project) in enumerate(APPLICANTS, 1):
        decls.append(_declaration(guide, _org(credit, name, region, i), code, project, region))
    admin = None
    assign_reviewers(guide=guide, actor=admin)

    # Everyone but reviewer1 has scored; reviewer1 keeps open tasks to try the scoring form.
    for a in (Assignment.objects.filter(declaration__guide=guide, state="active")
              .select_related("declaration", "reviewer").order_by("pk")):
        if a.reviewer.username == "reviewer1" or Review.objects.filter(assignment=a).exists():
            continue
        r = int(a.reviewer.username.removeprefix("reviewer"))
        d = decls.index(a.declaration) if a.declaration in decls else 0
        base = 62 + (d * 7) % 30 + (r - 3) * 3  # reviewer 2 is harsh, reviewer 6 lenient
        scores = {f"score_{c.pk}": str(max(Decimal(0), min(c.max_points, Decimal(base + k * 2))))
                  for k, c in enumerate(sheet_for(a.declaration).criteria.all())}
        save_review(assignment=a, actor=a.reviewer, scores=scores, comment=COMMENT, submit=True)
