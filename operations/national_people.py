"""The national generator's applicants: organisations, their users, declarations and attachments.

Built in chunks of `chunk` applicants: each chunk's rows are made, bulk inserted and dropped before
the next, so memory stays that of one chunk whatever the year's size (operations/national.py runs it).
"""

import hashlib
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from stdnum.cn import uscc

from core.regions import REGIONS
from declarations.models import Attachment, Declaration, Organisation
from units.models import GroupMembership, Unit

S = Declaration.State
CITY_CODE = {"66": "659001"}  # XPCC has no GB/T 2260 province code; use 石河子市
# Rough weights of where applicants come from (the big digital economies declare most).
REGION_WEIGHT = {"44": 9, "11": 8, "32": 7, "33": 7, "31": 6, "37": 5, "51": 4, "42": 4, "52": 4, "34": 3,
                 "35": 3, "12": 3, "50": 3, "41": 3, "43": 3, "61": 2, "21": 2, "13": 2}
WORDS_A = ["智", "数", "云", "信", "联", "科", "华", "中", "天", "星", "海", "新", "安", "博", "创", "慧", "汇", "启",
           "瑞", "恒", "锐", "达", "盛", "通", "合", "泰", "鼎", "易", "明", "图"]
WORDS_B = ["数据", "智能", "信息", "网络", "云计算", "数字", "软件", "物联", "智慧", "大数据"]
WORDS_C = ["科技有限公司", "技术股份有限公司", "信息技术有限公司", "数据服务有限公司", "网络科技有限公司"]
INSTITUTES = ["研究院", "研究所", "工程技术研究中心"]
ASSOCIATIONS = ["大数据产业协会", "软件行业协会", "数字经济联合会"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宁海波"

# The smallest valid PDF: one empty page. Every generated attachment points at this one stored file.
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
            b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n")
PDF_NAME = "attachments/national/sample.pdf"
LABELLED = [("营业执照", "business_licence"), ("知识产权证明", "ip_certificate"), ("应用案例证明", "case_proof")]


def credit_code(i, division, kind):
    """A valid, unique unified social credit code issued in `division`: authority/type, division, '8' + sequence, check."""
    prefix = {"institute": "12", "association": "51"}.get(kind, "91")
    body = f"{prefix}{division}8{i:08d}"
    return body + uscc.calc_check_digit(body)


def person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


def _division(rng, region, places):
    """Where an applicant of `region` is registered: often a district or city that has its own unit, else the capital."""
    if places.get(region) and rng.random() < 0.5:
        return rng.choice(places[region])
    return CITY_CODE.get(region, region + "0100")


def _org_name(rng, i, region_name, kind):
    short = region_name.replace("省", "").replace("市", "").replace("壮族自治区", "").replace("回族自治区", "") \
        .replace("维吾尔自治区", "").replace("自治区", "").replace("新疆生产建设兵团", "兵团")
    core = rng.choice(WORDS_A) + rng.choice(WORDS_A)
    if kind == Organisation.Kind.INSTITUTE:
        return f"{short}{core}{rng.choice(WORDS_B)}{rng.choice(INSTITUTES)}（{i:04d}）"
    if kind == Organisation.Kind.ASSOCIATION:
        return f"{short}{core}{rng.choice(ASSOCIATIONS)}（{i:04d}）"
    return f"{short}{core}{rng.choice(WORDS_B)}{rng.choice(WORDS_C)}（{i:04d}）"


def _full_content(rng, org, direction):
    n_cases = rng.randint(5, 8)
    return dict(
        project_name=f"{org.name.split('（')[0][:30]}{direction.name}平台项目",
        applicant_role=rng.choice(["owner", "provider"]) if direction.role_split else "",
        construction_status=rng.choice(["building", "built", "built"]),
        summary=("项目面向重点行业建设数据采集、治理、分析和服务一体化平台，汇聚多源异构数据，"
                 "支撑生产优化与经营决策，已稳定运行一年以上。") * 3,
        innovation="自主研发分布式数据治理引擎与隐私计算组件，支持实时融合与安全流通。" * 3,
        ip_items=[{"kind": "软件著作权", "title": f"数据平台V{k}.0", "number": f"2021SR{rng.randint(0, 9999999):07d}"}
                  for k in range(1, rng.randint(2, 4))],
        cases=[{"name": f"应用案例{k}", "customer": f"某{rng.choice(['制造', '能源', '金融', '医疗', '交通'])}企业{k}",
                "description": "部署后数据处理效率提升约30%，年节约成本数百万元。"} for k in range(1, n_cases + 1)],
        benefits="近两年新增营业收入约 2000 万元，服务企业 50 余家。",
        promotion="可在制造、能源和城市治理领域复制推广。",
        open_source="向开源社区贡献数据治理工具组件。" if rng.random() < 0.3 else "",
        stats_report_filed=True, stats_report_year=2021,
    )


def _draft_content(rng, org, direction):
    full = _full_content(rng, org, direction)
    keep = rng.randint(1, 6)
    fields = ["summary", "innovation", "ip_items", "cases", "benefits", "promotion"]
    out = {"project_name": full["project_name"], "applicant_role": full["applicant_role"],
           "construction_status": full["construction_status"]}
    for f in fields[:keep]:
        out[f] = full[f]
    return out


def _organisation(rng, i, region, region_names, places):
    r = rng.random()
    kind = (Organisation.Kind.ENTERPRISE if r < 0.85 else Organisation.Kind.INSTITUTE if r < 0.95
            else Organisation.Kind.ASSOCIATION)
    division = _division(rng, region, places)
    return Organisation(
        name=_org_name(rng, i, region_names[region], kind), credit_code=credit_code(i, division, kind), kind=kind,
        is_industrial=kind == Organisation.Kind.ENTERPRISE and rng.random() < 0.4, region=region,
        division=division,
        dcmm_level=rng.choices([0, 1, 2, 3, 4, 5], [60, 6, 12, 14, 6, 2])[0],
        contact_name=person(rng), contact_phone=f"139{i:08d}", contact_email=f"nat{i}@example.com",
        address=f"{region_names[region]}某区数据大道{i}号")


def _state(rng, unit, unconfirmed):
    """Drafts everywhere; a unit still working holds submitted ones; a confirmed unit has decided all."""
    r = rng.random()
    if r < 0.25:
        return S.DRAFT
    if unit.pk in unconfirmed:
        return S.SUBMITTED if r < 0.45 else S.RETURNED if r < 0.52 else S.PASSED
    return S.RETURNED if r < 0.32 else S.PASSED


def build_applicants(ctx, n_applicants, only_regions, chunk, progress):
    """Organisations, users, declarations, group memberships and attachments for `n_applicants`, chunk by chunk.

    ctx holds what every chunk needs (guide, directions, units, routing, unconfirmed units, password, now, rng).
    Returns counts (organisations, declarations, attachments).
    """
    User = get_user_model()
    rng, guide = ctx["rng"], ctx["guide"]
    regions = list(only_regions or [code for code, _n in REGIONS])
    weights = [REGION_WEIGHT.get(code, 1) for code in regions]
    region_names = {code: str(name) for code, name in REGIONS}
    if not default_storage.exists(PDF_NAME):
        default_storage.save(PDF_NAME, ContentFile(TINY_PDF))
    sha = hashlib.sha256(TINY_PDF).hexdigest()
    # Every file has its kind, so submitted declarations have what the guide requires (the licence first).
    kinds = {k.code: k for k in guide.attachment_kinds.all()}
    counts = {"organisations": 0, "declarations": 0, "attachments": 0}
    for first in range(1, n_applicants + 1, chunk):
        numbers = range(first, min(n_applicants, first + chunk - 1) + 1)
        orgs = Organisation.objects.bulk_create(
            [_organisation(rng, i, rng.choices(regions, weights)[0], region_names, ctx["places"]) for i in numbers],
            batch_size=chunk)
        User.objects.bulk_create(
            [User(username=f"{ctx['prefix']}app_{i:05d}", password=ctx["password"], role=User.Role.APPLICANT,
                  organisation=o, full_name=o.contact_name, phone=o.contact_phone, email=o.contact_email)
             for i, o in zip(numbers, orgs)], batch_size=chunk)
        decls, memberships = [], []
        for o in orgs:
            decls.append(_declaration(rng, ctx, o, memberships))
        Declaration.objects.bulk_create(decls, batch_size=chunk)
        GroupMembership.objects.bulk_create(memberships, batch_size=chunk)
        atts = [Attachment(declaration=d, file=PDF_NAME, original_name=f"{label}.pdf", label=label,
                           kind=kinds.get(code) or kinds.get("other"), size=len(TINY_PDF),
                           content_type="application/pdf", sha256=sha)
                for d in decls if d.state != S.DRAFT or rng.random() < 0.3
                for label, code in LABELLED[: rng.randint(1, 2)]]
        Attachment.objects.bulk_create(atts, batch_size=chunk)
        counts["organisations"] += len(orgs)
        counts["declarations"] += len(decls)
        counts["attachments"] += len(atts)
        progress("申报单位、申报与附件", counts["declarations"], n_applicants)
    return counts


def _declaration(rng, ctx, org, memberships):
    """One organisation's declaration (and its group membership when it declares through a central SOE)."""
    now = ctx["now"]
    if rng.random() < 0.06:
        unit = rng.choice(ctx["soe"])
    else:
        unit = ctx["route"](org)
    if unit.kind == Unit.Kind.SOE:  # only a member the group has confirmed may declare through it
        memberships.append(GroupMembership(organisation=org, group=unit, state=GroupMembership.State.ACCEPTED,
                                           note="集团下属单位", decided_at=now))
    direction = rng.choice(ctx["directions"])
    state = _state(rng, unit, ctx["unconfirmed"])
    content = _draft_content(rng, org, direction) if state == S.DRAFT else _full_content(rng, org, direction)
    submitted = None if state == S.DRAFT else now - timedelta(days=rng.randint(1, 15), minutes=rng.randint(0, 1440))
    return Declaration(guide=ctx["guide"], organisation=org, unit=unit, direction=direction, state=state,
                       submitted_at=submitted,
                       return_reason="请补充应用案例的客户证明材料。" if state == S.RETURNED else "", **content)
