"""One realistic year at national scale, for benchmarks and query-count tests.

generate() builds, in one transaction and with bulk inserts, a separate published
guide (copied from the 2022 guide data, future deadlines) holding: the real top-level
recommending units and district units under the four municipalities, quota rules
for every kind of unit, N applicant organisations each with one user and one
declaration spread over the directions, units and states, the units' recommendation
lists (most confirmed, each within its quota, a city only after its districts),
reviewers in one panel per direction (some with declared conflicts), assignments made
by the real assignment service and a submitted review on each, selections among the
projects with the panel's minimum of reviews, a public notice of the minimum length,
and small attachments that all point at one tiny stored PDF. The data passes the
site's own checks (tests/scale/test_national.py runs them).

Running it again deletes that guide's generated data first (guide, declarations,
lists, reviews, the "nat_" users and their organisations) and builds it anew, so
nothing is duplicated. Real units are shared with the demo and kept.
No audit records are written for the generated history, except the assignment
service's own record of its run.
"""

import hashlib
import random
import time
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, models, transaction
from django.utils import timezone
from stdnum.cn import uscc

from core.models import AuditRecord, Notification
from core.regions import REGIONS
from declarations.loading import load_guide, read_guide_data
from declarations.models import Attachment, Declaration, Guide, Organisation
from documents.models import Document
from quotas.demo import (
    PILOT_ZONES,
    PLAN_CITIES,
    SOE_GROUPS,
    SUBPROV_CAPITALS,
    TIANJIN_DISTRICTS,
    province_unit_name,
    unit_division,
)
from quotas.loading import load_quotas
from quotas.models import LetterSequence, ListEntry, QuotaRule, RecommendationList
from review.assignment import assign_reviewers
from review.models import Assignment, Panel, Review, ReviewerProfile, ReviewSettings, Score, Selection
from review.setup import ensure_default_sheet
from review.workdays import add_working_days
from units.jurisdiction import delegated_kinds, derive
from units.models import GroupMembership, Unit

TITLE = "2022年大数据产业发展试点示范项目申报指南（全国规模模拟）"
PREFIX = "nat_"
PASSWORD = "Nation#2026pass"
BATCH = 1000
S = Declaration.State
MIN_REVIEWS = 3  # each panel ranks and selects only projects with at least three submitted reviews

# Quotas of the 2021 notice (the 2022 data has only Tianjin's district quotas): provinces and XPCC ≤10,
# plan-separated cities, sub-provincial capitals, SOE groups and others ≤5; districts keep the 2022 ≤2.
QUOTAS = {Unit.Kind.PROVINCE: 10, Unit.Kind.XPCC: 10, Unit.Kind.PLAN_CITY: 5, Unit.Kind.SUBPROV_CAPITAL: 5,
          Unit.Kind.SOE: 5, Unit.Kind.PILOT_ZONE: 5, Unit.Kind.DISTRICT: 2, Unit.Kind.OTHER: 5}
DISTRICTS = {
    "12": TIANJIN_DISTRICTS,
    "11": ["海淀区经济和信息化局", "朝阳区经济和信息化局"],
    "31": ["浦东新区科技和经济委员会", "徐汇区商务委员会"],
    "50": ["两江新区管理委员会经济运行局"],
}
# Rough weights of where applicants come from (the big digital economies declare most).
REGION_WEIGHT = {"44": 9, "11": 8, "32": 7, "33": 7, "31": 6, "37": 5, "51": 4, "42": 4, "52": 4, "34": 3,
                 "35": 3, "12": 3, "50": 3, "41": 3, "43": 3, "61": 2, "21": 2, "13": 2}
CITY_CODE = {"66": "659001"}  # XPCC has no GB/T 2260 province code; use 石河子市
WORDS_A = ["智", "数", "云", "信", "联", "科", "华", "中", "天", "星", "海", "新", "安", "博", "创", "慧", "汇", "启",
           "瑞", "恒", "锐", "达", "盛", "通", "合", "泰", "鼎", "易", "明", "图"]
WORDS_B = ["数据", "智能", "信息", "网络", "云计算", "数字", "软件", "物联", "智慧", "大数据"]
WORDS_C = ["科技有限公司", "技术股份有限公司", "信息技术有限公司", "数据服务有限公司", "网络科技有限公司"]
INSTITUTES = ["研究院", "研究所", "工程技术研究中心"]
ASSOCIATIONS = ["大数据产业协会", "软件行业协会", "数字经济联合会"]
EMPLOYERS = ["清华大学", "北京大学", "中国信息通信研究院", "中国电子技术标准化研究院", "浙江大学", "复旦大学",
             "上海交通大学", "华中科技大学", "中国科学院计算技术研究所", "国家工业信息安全发展研究中心",
             "北京航空航天大学", "哈尔滨工业大学", "西安交通大学", "南京大学", "中山大学", "电子科技大学"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌宁海波"

# The smallest valid PDF: one empty page. Every generated attachment points at this one stored file.
TINY_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
            b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n")
PDF_NAME = "attachments/national/sample.pdf"


def _log(out, msg, t0):
    if out:
        out(f"[{time.monotonic() - t0:6.1f}s] {msg}")


def credit_code(i, division, kind):
    """A valid, unique unified social credit code issued in `division`: authority/type, division, '8' + sequence, check."""
    prefix = {"institute": "12", "association": "51"}.get(kind, "91")
    body = f"{prefix}{division}8{i:08d}"
    return body + uscc.calc_check_digit(body)


def _division(rng, region, places):
    """Where an applicant of `region` is registered: often a district or city that has its own unit, else the capital."""
    r = rng.random()
    if places.get(region) and r < 0.5:
        return rng.choice(places[region])
    return CITY_CODE.get(region, region + "0100")


# --- cleanup -----------------------------------------------------------------------------------

def delete_existing(out=None, t0=None):
    """Remove a previous run's guide and everything generated with it; returns True if there was one."""
    t0 = t0 or time.monotonic()
    User = get_user_model()
    guides = list(Guide.objects.filter(title=TITLE))
    users = User.objects.filter(username__startswith=PREFIX)
    org_ids = list(users.exclude(organisation=None).values_list("organisation_id", flat=True))
    for guide in guides:
        decl_ids = list(Declaration.objects.filter(guide=guide).values_list("pk", flat=True))
        list_ids = list(RecommendationList.objects.filter(guide=guide).values_list("pk", flat=True))
        _delete_documents(decl_ids, list_ids)
        for model, ids in ((Declaration, decl_ids), (RecommendationList, list_ids)):
            ct = ContentType.objects.get_for_model(model)
            AuditRecord.objects.filter(target_type=ct, target_id__in=[str(i) for i in ids])._raw_delete("default")
        ListEntry.objects.filter(rec_list__guide=guide)._raw_delete("default")
        RecommendationList.objects.filter(guide=guide).delete()
        Score.objects.filter(review__assignment__declaration__guide=guide)._raw_delete("default")
        Review.objects.filter(assignment__declaration__guide=guide)._raw_delete("default")
        Assignment.objects.filter(declaration__guide=guide)._raw_delete("default")
        Selection.objects.filter(declaration__guide=guide)._raw_delete("default")
        Attachment.objects.filter(declaration__guide=guide)._raw_delete("default")
        Declaration.extra_directions.through.objects.filter(declaration__guide=guide)._raw_delete("default")
        Declaration.objects.filter(guide=guide)._raw_delete("default")
        AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Guide),
                                   target_id=str(guide.pk))._raw_delete("default")
        guide.delete()
    _log(out, "旧的全国规模指南数据已删除" if guides else "没有旧数据", t0)
    reviewer_profiles = ReviewerProfile.objects.filter(user__username__startswith=PREFIX)
    ReviewerProfile.expertise.through.objects.filter(reviewerprofile__in=reviewer_profiles)._raw_delete("default")
    ReviewerProfile.conflicts.through.objects.filter(reviewerprofile__in=reviewer_profiles)._raw_delete("default")
    reviewer_profiles._raw_delete("default")
    Notification.objects.filter(user__username__startswith=PREFIX)._raw_delete("default")
    _purge(get_user_model(), list(users.values_list("pk", flat=True)))
    Organisation.objects.filter(pk__in=org_ids, declarations__isnull=True).delete()
    _log(out, "旧的生成用户与申报单位已删除", t0)
    return bool(guides)


def _purge(model, ids):
    """Delete rows like Model.delete() would, skipping related tables that do not exist yet.

    (Django's collector touches every related model, including rooms whose migrations
    are still being written; a missing table would abort the whole run.)
    """
    if not ids:
        return
    tables = set(connection.introspection.table_names())
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        if through._meta.db_table in tables:
            through.objects.filter(**{f"{field.m2m_field_name()}__in": ids})._raw_delete("default")
    for rel in model._meta.related_objects:
        related = rel.related_model
        if related._meta.db_table not in tables:
            continue
        if rel.many_to_many:
            through = rel.through
            if through._meta.db_table in tables:
                through.objects.filter(**{f"{rel.field.m2m_reverse_field_name()}__in": ids})._raw_delete("default")
            continue
        qs = related._base_manager.filter(**{f"{rel.field.name}__in": ids})
        if rel.on_delete is models.CASCADE:
            _purge(related, list(qs.values_list("pk", flat=True)))
        elif rel.on_delete is models.SET_NULL:
            qs.update(**{rel.field.name: None})
    for k in range(0, len(ids), BATCH):
        model._base_manager.filter(pk__in=ids[k:k + BATCH])._raw_delete("default")


def _delete_documents(decl_ids, list_ids):
    if Document._meta.db_table not in connection.introspection.table_names():
        return  # the documents room has no tables yet
    for model, ids in ((Declaration, decl_ids), (RecommendationList, list_ids)):
        if ids:
            docs = Document.objects.filter(target_type=ContentType.objects.get_for_model(model), target_id__in=ids)
            docs.update(superseded_by=None)
            docs.delete()


# --- building blocks ---------------------------------------------------------------------------

def _units(rng):
    """The real top-level units (as the demo names them) and districts under the municipalities."""
    def unit(name, kind, region="", parent=None):
        obj, _created = Unit.objects.update_or_create(name=name, defaults={
            "kind": kind, "region": region, "parent": parent, "is_active": True,
            "division": unit_division(name, kind, region)})
        return obj

    top = []
    provinces = {}
    for code, name in REGIONS:
        kind = Unit.Kind.XPCC if code == "66" else Unit.Kind.PROVINCE
        provinces[code] = unit(province_unit_name(code, str(name)), kind, code)
        top.append(provinces[code])
    for name, region in PLAN_CITIES:
        top.append(unit(name, Unit.Kind.PLAN_CITY, region))
    for name, region in SUBPROV_CAPITALS:
        top.append(unit(name, Unit.Kind.SUBPROV_CAPITAL, region))
    for name in SOE_GROUPS:
        top.append(unit(name, Unit.Kind.SOE))
    for name, region in PILOT_ZONES:
        top.append(unit(name, Unit.Kind.PILOT_ZONE, region))
    districts = [unit(name, Unit.Kind.DISTRICT, code, parent=provinces[code])
                 for code, names in DISTRICTS.items() for name in names]
    return provinces, top, districts


def _unit_for(rng, org, soe, route):
    """Where an organisation declares: the unit of its jurisdiction, or (a few) a central SOE group it belongs to."""
    if rng.random() < 0.06:
        return rng.choice(soe)
    return route(org)


def _org_name(rng, i, region_name, kind):
    short = region_name.replace("省", "").replace("市", "").replace("壮族自治区", "").replace("回族自治区", "") \
        .replace("维吾尔自治区", "").replace("自治区", "").replace("新疆生产建设兵团", "兵团")
    core = rng.choice(WORDS_A) + rng.choice(WORDS_A)
    if kind == Organisation.Kind.INSTITUTE:
        return f"{short}{core}{rng.choice(WORDS_B)}{rng.choice(INSTITUTES)}（{i:04d}）"
    if kind == Organisation.Kind.ASSOCIATION:
        return f"{short}{core}{rng.choice(ASSOCIATIONS)}（{i:04d}）"
    return f"{short}{core}{rng.choice(WORDS_B)}{rng.choice(WORDS_C)}（{i:04d}）"


def _person(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")


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


def _bulk(model, rows):
    return model.objects.bulk_create(rows, batch_size=BATCH)


# --- the generator -----------------------------------------------------------------------------

def generate(*, applicants=5000, reviewers=300, seed=2026, regions=None, out=None):
    """Build the national-scale year; returns a dict of counts (and the guide).

    regions: province codes to draw the applicants from (default: all, weighted by size);
    tests pass one region so that a few units get many rows.
    """
    t0 = time.monotonic()
    rng = random.Random(seed)
    User = get_user_model()
    with transaction.atomic():
        delete_existing(out, t0)
        stats = _generate(rng, User, applicants, reviewers, regions, out, t0)
    _log(out, "已提交事务", t0)
    if connection.vendor == "postgresql":
        # Fresh statistics: after a bulk load the planner would otherwise pick plans for empty tables.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        _log(out, "ANALYZE 完成", t0)
    stats["seconds"] = round(time.monotonic() - t0, 1)
    return stats


def _generate(rng, User, n_applicants, n_reviewers, only_regions, out, t0):
    now = timezone.now()
    guide = load_guide(read_guide_data(2022), title=TITLE, applicant_deadline=now + timedelta(days=30),
                       unit_deadline=now + timedelta(days=45), published=True)
    Guide.objects.filter(pk=guide.pk).update(published_at=now - timedelta(days=20))
    cfg, _ = ReviewSettings.objects.get_or_create(guide=guide)
    sheet = ensure_default_sheet(guide)
    criteria = list(sheet.criteria.all())
    directions = list(guide.directions.order_by("order"))
    _log(out, f"指南“{guide.title}”已载入（{len(directions)} 个方向）", t0)

    _provinces, top, districts = _units(rng)
    all_units = top + districts
    load_quotas(guide, read_guide_data(2022))  # again, now that the districts its overrides name exist
    # After the data file's rules (which replace a guide's rules): a quota for every kind of unit.
    for kind, quota in QUOTAS.items():
        QuotaRule.objects.update_or_create(guide=guide, unit_kind=kind, defaults={"quota": quota})
    soe = [u for u in top if u.kind == Unit.Kind.SOE]
    # Places that have a unit of their own, per region: applicants registered there reach that unit.
    places = {}
    for u in all_units:
        if u.division:
            places.setdefault(u.region, []).append(u.division)
    kinds, overridden = delegated_kinds(guide)
    candidates = [u for u in all_units if u.is_active]

    def route(org):
        return derive(org.division, org.region, candidates=candidates, kinds=kinds, units=overridden)
    # Most units have confirmed their lists; a few are still working (they hold the unchecked declarations).
    unconfirmed = set(u.pk for u in rng.sample(all_units, max(1, len(all_units) // 8)))
    # A district's confirmed list feeds its parent, so a parent confirmed implies its districts confirmed.
    for d in districts:
        if d.parent_id not in unconfirmed:
            unconfirmed.discard(d.pk)

    password = make_password(PASSWORD)
    staff = [User(username=f"{PREFIX}unit_{i:03d}", password=password, role=User.Role.UNIT, unit=u,
                  full_name=f"{u.name}经办人", email=f"nat_unit_{i}@example.com")
             for i, u in enumerate(all_units, 1)]
    staff.append(User(username=f"{PREFIX}admin", password=password, role=User.Role.ADMIN, is_staff=True,
                      full_name="信息技术发展司（模拟）", email="nat_admin@example.com"))
    _bulk(User, staff)
    admin = staff[-1]
    _log(out, f"推荐单位 {len(top)} 个顶层 + {len(districts)} 个区级，经办人账号已建", t0)

    # Organisations and their users.
    all_regions = [code for code, _n in REGIONS]
    regions = list(only_regions or all_regions)
    weights = [REGION_WEIGHT.get(code, 1) for code in regions]
    region_names = {code: str(name) for code, name in REGIONS}
    orgs = []
    for i in range(1, n_applicants + 1):
        region = rng.choices(regions, weights)[0]
        r = rng.random()
        kind = (Organisation.Kind.ENTERPRISE if r < 0.85 else Organisation.Kind.INSTITUTE if r < 0.95
                else Organisation.Kind.ASSOCIATION)
        division = _division(rng, region, places)
        orgs.append(Organisation(
            name=_org_name(rng, i, region_names[region], kind), credit_code=credit_code(i, division, kind), kind=kind,
            is_industrial=kind == Organisation.Kind.ENTERPRISE and rng.random() < 0.4, region=region,
            division=division,
            dcmm_level=rng.choices([0, 1, 2, 3, 4, 5], [60, 6, 12, 14, 6, 2])[0],
            contact_name=_person(rng), contact_phone=f"139{i:08d}", contact_email=f"nat{i}@example.com",
            address=f"{region_names[region]}某区数据大道{i}号"))
    _bulk(Organisation, orgs)
    _bulk(User, [User(username=f"{PREFIX}app_{i:05d}", password=password, role=User.Role.APPLICANT,
                      organisation=o, full_name=o.contact_name, phone=o.contact_phone, email=o.contact_email)
                 for i, o in enumerate(orgs, 1)])
    _log(out, f"申报单位 {len(orgs)} 个及其用户已建", t0)

    # Declarations: one per organisation, states by whether its unit has confirmed.
    decls, memberships = [], []
    for o in orgs:
        unit = _unit_for(rng, o, soe, route)
        if unit.kind == Unit.Kind.SOE:  # only a member the group has confirmed may declare through it
            memberships.append(GroupMembership(organisation=o, group=unit, state=GroupMembership.State.ACCEPTED,
                                               note="集团下属单位", decided_at=now))
        direction = rng.choice(directions)
        r = rng.random()
        if r < 0.25:
            state = S.DRAFT
        elif unit.pk in unconfirmed:
            state = S.SUBMITTED if r < 0.45 else S.RETURNED if r < 0.52 else S.PASSED
        else:
            state = S.RETURNED if r < 0.32 else S.PASSED
        content = _draft_content(rng, o, direction) if state == S.DRAFT else _full_content(rng, o, direction)
        submitted = None if state == S.DRAFT else now - timedelta(days=rng.randint(1, 15), minutes=rng.randint(0, 1440))
        decls.append(Declaration(
            guide=guide, organisation=o, unit=unit, direction=direction, state=state, submitted_at=submitted,
            return_reason="请补充应用案例的客户证明材料。" if state == S.RETURNED else "", **content))
    _bulk(Declaration, decls)
    _bulk(GroupMembership, memberships)
    org_by_id = {o.pk: o for o in orgs}
    _log(out, f"申报 {len(decls)} 项已建", t0)

    # Attachments: one or two per non-draft declaration, all pointing at one tiny stored PDF.
    if not default_storage.exists(PDF_NAME):
        default_storage.save(PDF_NAME, ContentFile(TINY_PDF))
    sha = hashlib.sha256(TINY_PDF).hexdigest()
    atts = []
    # Every file has its kind, so submitted demo declarations have what the guide requires (the licence first).
    kinds = {k.code: k for k in guide.attachment_kinds.all()}
    labelled = [("营业执照", "business_licence"), ("知识产权证明", "ip_certificate"), ("应用案例证明", "case_proof")]
    for d in decls:
        if d.state != S.DRAFT or rng.random() < 0.3:
            for label, code in labelled[: rng.randint(1, 2)]:
                atts.append(Attachment(declaration=d, file=PDF_NAME, original_name=f"{label}.pdf", label=label,
                                       kind=kinds.get(code) or kinds.get("other"), size=len(TINY_PDF),
                                       content_type="application/pdf", sha256=sha))
    _bulk(Attachment, atts)
    _log(out, f"附件 {len(atts)} 个已建", t0)

    # Recommendation lists: districts first (their recommended go up to the parent), then top-level units.
    exempt_min = guide.quota_exempt_dcmm_min
    quota_of = {u.pk: QUOTAS.get(u.kind) for u in all_units}
    for name in ("滨海新区工业和信息化局",):  # the 2022 data's override (loaded by load_guide)
        for u in districts:
            if u.name == name:
                quota_of[u.pk] = 6
    passed_by_unit = {}
    for d in decls:
        if d.state == S.PASSED:
            passed_by_unit.setdefault(d.unit_id, []).append(d)
    lists, entries, sent_up, sequences = [], [], {}, []
    final_state = {}
    year = timezone.localtime(now).year
    LetterSequence.objects.filter(unit__in=all_units, year=year).delete()

    def build(unit, pool, confirmed):
        pool = sorted(pool, key=lambda d: (d.submitted_at, d.pk))
        rl = RecommendationList(guide=guide, unit=unit, version=len(pool) + 1,
                                state=RecommendationList.State.CONFIRMED if confirmed else RecommendationList.State.DRAFT,
                                confirmed_at=now - timedelta(days=1) if confirmed else None,
                                confirmed_by=staff[all_units.index(unit)] if confirmed else None,
                                document_number=f"推荐函〔{year}〕1号" if confirmed else "")
        if confirmed:
            sequences.append(LetterSequence(unit=unit, year=year, last=1))  # each unit's first letter this year
        lists.append(rl)
        used, exempt_used = 0, 0
        for rank, d in enumerate(pool, 1):
            exempt = exempt_min is not None and org_by_id[d.organisation_id].dcmm_level >= exempt_min
            if exempt:
                rec = exempt_used < 2
                exempt_used += rec
            else:
                rec = used < (quota_of[unit.pk] or 0) - (1 if rng.random() < 0.15 else 0)
                used += rec
            entries.append((rl, d, rank, rec))
            if confirmed:
                if unit.parent_id is None:
                    final_state[d.pk] = S.RECOMMENDED if rec else S.NOT_RECOMMENDED
                elif rec:
                    sent_up.setdefault(unit.parent_id, []).append(d)
                else:
                    final_state[d.pk] = S.NOT_RECOMMENDED

    for u in districts:
        build(u, passed_by_unit.get(u.pk, []), u.pk not in unconfirmed)
    for u in top:
        build(u, passed_by_unit.get(u.pk, []) + sent_up.get(u.pk, []), u.pk not in unconfirmed)
    _bulk(RecommendationList, lists)
    _bulk(LetterSequence, sequences)
    _bulk(ListEntry, [ListEntry(rec_list=rl, declaration=d, rank=rank, recommended=rec)
                      for rl, d, rank, rec in entries])
    by_state = {}
    for pk, state in final_state.items():
        by_state.setdefault(state, []).append(pk)
    for state, ids in by_state.items():
        for k in range(0, len(ids), BATCH):
            Declaration.objects.filter(pk__in=ids[k:k + BATCH]).update(state=state)
    for d in decls:
        d.state = final_state.get(d.pk, d.state)
    recommended = [d for d in decls if d.state == S.RECOMMENDED]
    _log(out, f"推荐名单 {len(lists)} 份（已确认 {sum(1 for rl in lists if rl.state == 'confirmed')}），"
              f"条目 {len(entries)} 条，推荐项目 {len(recommended)} 项", t0)

    # Reviewers: one panel per direction, expertise in it.
    # No e-mail address: the real assignment service notifies each reviewer, and a generated year must not
    # queue hundreds of e-mails.
    reviewer_users = [User(username=f"{PREFIX}rev_{i:04d}", password=password, role=User.Role.REVIEWER,
                           full_name=_person(rng), email="")
                      for i in range(1, n_reviewers + 1)]
    _bulk(User, reviewer_users)
    profiles = [ReviewerProfile(user=u, name=u.full_name, employer=rng.choice(EMPLOYERS),
                                region=rng.choice(all_regions[:31]), title=rng.choice(["教授", "研究员", "高级工程师", "副教授"]))
                for u in reviewer_users]
    _bulk(ReviewerProfile, profiles)
    panel_of, direction_of = {}, {}
    panels = _bulk(Panel, [Panel(guide=guide, name=f"第{i}评审组（{d.name}）", min_reviews=MIN_REVIEWS)
                           for i, d in enumerate(directions, 1)])
    _bulk(Panel.directions.through, [Panel.directions.through(panel_id=p.pk, direction_id=d.pk)
                                     for p, d in zip(panels, directions)])
    members = {d.pk: [] for d in directions}
    panel_rows, expertise_rows = [], []
    for i, (u, prof) in enumerate(zip(reviewer_users, profiles)):
        k = i % len(directions)
        members[directions[k].pk].append(u)
        panel_rows.append(Panel.reviewers.through(panel_id=panels[k].pk, user_id=u.pk))
        expertise_rows.append(ReviewerProfile.expertise.through(reviewerprofile_id=prof.pk,
                                                                direction_id=directions[k].pk))
        panel_of[u.pk] = panels[k]
        direction_of[u.pk] = directions[k].pk
    _bulk(Panel.reviewers.through, panel_rows)
    _bulk(ReviewerProfile.expertise.through, expertise_rows)

    # Some reviewers declare a conflict with a project of their own panel: the assignment service must skip them.
    by_direction_decls = {}
    for d in recommended:
        by_direction_decls.setdefault(d.direction_id, []).append(d)
    conflict_rows = []
    for u, prof in zip(reviewer_users, profiles):
        candidates = by_direction_decls.get(direction_of[u.pk], [])
        if candidates and rng.random() < 0.1:
            conflict_rows.append(ReviewerProfile.conflicts.through(
                reviewerprofile_id=prof.pk, organisation_id=rng.choice(candidates).organisation_id))
    _bulk(ReviewerProfile.conflicts.through, conflict_rows)

    # The real assignment service (its conflict checks and load balancing), then submitted reviews on each.
    report = assign_reviewers(guide=guide, actor=admin)
    assignments = list(Assignment.objects.filter(declaration__guide=guide, state=Assignment.State.ACTIVE)
                       .order_by("pk"))
    quality = {d.pk: rng.gauss(75, 8) for d in recommended}
    plan = [quality[a.declaration_id] + rng.gauss(0, 5) for a in assignments]
    reviews, score_rows = [], []
    for a, q in zip(assignments, plan):
        values = [Decimal(str(round(min(100, max(30, q + rng.gauss(0, 4))), 1))) for _c in criteria]
        total = sum((v * c.weight for v, c in zip(values, criteria)), Decimal(0)).quantize(Decimal("0.01"))
        reviews.append(Review(assignment=a, state=Review.State.SUBMITTED, total=total, submitted_at=now,
                              comment="项目基础扎实，技术路线清晰，建议关注推广模式的可复制性。"))
        score_rows.append(values)
    _bulk(Review, reviews)
    _bulk(Score, [Score(review=r, criterion=c, value=v) for r, values in zip(reviews, score_rows)
                  for c, v in zip(criteria, values)])
    _log(out, f"评审专家 {len(reviewer_users)} 名（{len(conflict_rows)} 名申明回避），{len(panels)} 个评审组，"
              f"评审 {len(reviews)} 份；分配未足额 {len(report.problems)} 项", t0)

    # Selection of the best two fifths per direction by mean total, among projects with the panel's minimum
    # of reviews, and a public notice of the minimum length starting today.
    mean = {}
    for a, r in zip(assignments, reviews):
        mean.setdefault(a.declaration_id, []).append(r.total)
    chosen = []
    by_direction = {}
    for d in recommended:
        if len(mean.get(d.pk, [])) >= MIN_REVIEWS:
            by_direction.setdefault(d.direction_id, []).append(d)
    for items in by_direction.values():
        items.sort(key=lambda d: -sum(mean[d.pk]) / len(mean[d.pk]))
        chosen += items[: max(1, len(items) * 2 // 5)]
    _bulk(Selection, [Selection(declaration=d, created_by=admin) for d in chosen])
    today = timezone.localdate(now)
    ReviewSettings.objects.filter(pk=cfg.pk).update(
        notice_start=today, notice_end=add_working_days(today, cfg.notice_min_working_days), notice_opened_at=now)
    _log(out, f"拟入选 {len(chosen)} 项，公示已发布", t0)

    counts = {}
    for d in decls:
        counts[str(d.state)] = counts.get(str(d.state), 0) + 1
    return {"guide": guide, "units": len(all_units), "organisations": len(orgs), "declarations": len(decls),
            "states": counts, "lists": len(lists), "entries": len(entries), "reviewers": len(reviewer_users),
            "assignments": len(assignments), "reviews": len(reviews), "selected": len(chosen),
            "attachments": len(atts)}
