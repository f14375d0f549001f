"""Demo recommending units (the top-level units of a real year and the 2022 Tianjin districts),
their quotas under the live demo guide, and submitted declarations for the Tianjin clerks to check."""

from core.demo_accounts import demo_user
from core.regions import REGIONS, division_for_name
from declarations.attachment_kinds import missing_required
from declarations.loading import guide_files, read_guide_data
from declarations.models import Declaration, Guide, Organisation
from declarations.tallies import count as count_in_tallies
from declarations.services import add_attachment, submit_declaration
from units.models import GroupMembership, Unit

from .formal_check import pass_check
from .loading import load_quotas
from .models import UnitGuideSetting
from .seals import demo_seal_png

MUNICIPALITIES = {"11", "12", "31", "50"}
PLAN_CITIES = [("大连市工业和信息化局", "21"), ("青岛市工业和信息化局", "37"), ("宁波市经济和信息化局", "33"),
               ("厦门市工业和信息化局", "35"), ("深圳市工业和信息化局", "44")]
SUBPROV_CAPITALS = [("广州市工业和信息化局", "44"), ("武汉市经济和信息化局", "42"), ("成都市经济和信息化局", "51"),
                    ("南京市工业和信息化局", "32"), ("西安市工业和信息化局", "61")]
SOE_GROUPS = ["中国电子信息产业集团有限公司", "中国电信集团有限公司", "国家电网有限公司", "中国移动通信集团有限公司"]
PILOT_ZONES = [("贵州省国家大数据综合试验区", "52")]
TIANJIN_DISTRICTS = ["滨海新区工业和信息化局", "河西区工业和信息化局", "南开区工业和信息化局"]


def province_unit_name(code, name):
    if code == "66":
        return "新疆生产建设兵团工业和信息化局"
    suffix = "工业和信息化局" if code in MUNICIPALITIES else "工业和信息化厅"
    return f"{name}{suffix}"


def unit_division(name, kind, region):
    """District and city units are found by the division their name begins with (GB/T 2260, python-stdnum)."""
    if kind in (Unit.Kind.DISTRICT, Unit.Kind.PLAN_CITY, Unit.Kind.SUBPROV_CAPITAL):
        return division_for_name(name, region, city=kind != Unit.Kind.DISTRICT)
    return ""


def _unit(name, kind, region="", parent=None):
    unit, _ = Unit.objects.update_or_create(name=name, defaults={
        "kind": kind, "region": region, "parent": parent, "division": unit_division(name, kind, region),
        "contact_name": "处室联系人", "contact_phone": "022-12345678"})
    return unit


def _load_units(ctx):
    units = {}
    for code, name in REGIONS:
        kind = Unit.Kind.XPCC if code == "66" else Unit.Kind.PROVINCE
        units[code] = _unit(province_unit_name(code, str(name)), kind, code)
    for name, region in PLAN_CITIES:
        _unit(name, Unit.Kind.PLAN_CITY, region)
    for name, region in SUBPROV_CAPITALS:
        _unit(name, Unit.Kind.SUBPROV_CAPITAL, region)
    for name in SOE_GROUPS:
        _unit(name, Unit.Kind.SOE)
    for name, region in PILOT_ZONES:
        _unit(name, Unit.Kind.PILOT_ZONE, region)
    tianjin = units["12"]
    districts = [_unit(name, Unit.Kind.DISTRICT, "12", parent=tianjin) for name in TIANJIN_DISTRICTS]
    ctx["units"] = {"tianjin": tianjin, "binhai": districts[0], "hexi": districts[1], "nankai": districts[2]}
    demo_user(ctx, "unit_tianjin", "unit", tianjin.name, unit=tianjin, full_name="天津市局经办人")
    demo_user(ctx, "unit_binhai", "unit", districts[0].name, unit=districts[0], full_name="滨海新区经办人")
    demo_user(ctx, "unit_hexi", "unit", districts[1].name, unit=districts[1], full_name="河西区经办人")
    sgcc = Unit.objects.get(name="国家电网有限公司")
    ctx["units"]["sgcc"] = sgcc
    demo_user(ctx, "unit_sgcc", "unit", f"{sgcc.name}（中央企业集团：确认下属单位）", unit=sgcc,
              full_name="国家电网经办人")


# --- quotas, overrides and declarations for the clerks to check ----------------------

DEMO_DECLARANTS = [
    # (name, unit key, DCMM level, direction, passed already)
    ("天津滨海云脑数据有限公司", "binhai", 3, "4", True),
    ("天津港智慧物流数据科技有限公司", "binhai", 0, "7", True),
    ("天津滨海工业互联网研究院有限公司", "binhai", 2, "7", False),
    ("天津海河数据交易服务有限公司", "binhai", 0, "5", False),
    ("天津泰达数智农业科技有限公司", "binhai", 4, "6", False),
    ("天津河西城市大脑科技有限公司", "hexi", 0, "8", False),
    ("天津友谊路数据安全技术有限公司", "hexi", 3, "4", False),
    ("天津河西金融数据服务有限公司", "hexi", 0, "5", False),
    ("天津市数据要素产业联合研究院", "tianjin", 0, "4", False),
]


def _apply_guide_quotas(ctx):
    """Run the guide files' quota loader again now that the units named in overrides exist."""
    for path in guide_files():
        data = read_guide_data(int(path.stem))
        for guide in Guide.objects.filter(year=data["year"], title=data["title"]):
            load_quotas(guide, data)
    if ctx.get("guide") is not None:
        load_quotas(ctx["guide"], read_guide_data(2022))


def _city_setting(ctx):
    """The 2022 data has only Tianjin's quotas for its districts; the city's own quota needs an admin setting."""
    guide, tianjin = ctx.get("guide"), ctx["units"]["tianjin"]
    if guide is None:
        return
    UnitGuideSetting.objects.get_or_create(guide=guide, unit=tianjin, defaults={
        "quota": 10, "reason": "演示：2022年种子材料未载部级对天津市的名额，按省级主管部门 10 个设定"})


def _declarations(ctx):
    from django.contrib.auth import get_user_model
    from stdnum.cn import uscc

    guide = ctx.get("guide")
    if guide is None:
        return
    User = get_user_model()
    clerks = {key: User.objects.get(username=f"unit_{key}") for key in ("binhai", "hexi", "tianjin")}
    for i, (name, key, dcmm, code, passed) in enumerate(DEMO_DECLARANTS, 1):
        # Registered where they declare: the credit code's characters 3–8 are the unit's division.
        division = ctx["units"][key].division or "120000"
        body = f"91{division}{700000000 + i:09d}"
        org, _ = Organisation.objects.get_or_create(credit_code=body + uscc.calc_check_digit(body), defaults={
            "name": name, "kind": Organisation.Kind.ENTERPRISE, "is_industrial": True, "region": "12",
            "division": division,
            "dcmm_level": dcmm, "contact_name": f"项目联系人{i}", "contact_phone": f"1390000{i:04d}",
            "contact_email": f"declarant{i}@example.com"})
        if Declaration.objects.filter(guide=guide, organisation=org).exists():
            continue
        direction = guide.directions.get(code=code)
        decl = Declaration.objects.create(
            guide=guide, organisation=org, unit=ctx["units"][key], direction=direction,
            project_name=f"{name.replace('有限公司', '')}{direction.name}项目",
            applicant_role="owner" if direction.role_split else "", construction_status="built",
            summary="项目面向区域重点行业，建设数据采集、治理、分析和服务一体化平台，已稳定运行一年以上。",
            innovation="自主研发的数据治理引擎与隐私计算组件，支持多源异构数据的实时融合。",
            ip_items=[{"kind": "软件著作权", "title": f"{name}数据平台V2.0", "number": f"2021SR{i:07d}"}],
            cases=[{"name": f"应用案例{n}", "customer": f"天津某企业{n}", "description": "部署后数据处理效率提升约30%。"}
                   for n in range(1, 6)],
            benefits="近两年新增营业收入约 2000 万元，服务企业 50 余家。", promotion="可在港口、制造和城市治理领域复制推广。",
            stats_report_filed=True, stats_report_year=2021)
        count_in_tallies(decl)  # created here rather than by start_declaration, which counts its drafts
        _required_attachments(decl)
        submit_declaration(decl, actor=None)
        if passed:
            pass_check(declaration=decl, actor=clerks[key])


DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"xref\n0 4\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n0000000101 00000 n \n"
            b"trailer<</Size 4/Root 1 0 R>>\nstartxref\n164\n%%EOF\n")


def _required_attachments(decl):
    """A small PDF for each kind the guide requires, uploaded through the service like an applicant's."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    for kind in missing_required(decl):
        add_attachment(decl, upload=SimpleUploadedFile(f"{kind.name}.pdf", DEMO_PDF), mime="application/pdf",
                       label=kind.name, kind=kind, actor=None)


DOC_PREFIXES = {"tianjin": "津工信软", "binhai": "滨工信", "hexi": "西工信", "nankai": "南工信"}


def _seals_and_prefixes(ctx):
    """The Tianjin units get a letter prefix and a generated demo seal, so their 推荐函 looks real."""
    from django.core.files.base import ContentFile

    for key, prefix in DOC_PREFIXES.items():
        unit = ctx["units"][key]
        if unit.doc_prefix != prefix:
            unit.doc_prefix = prefix
            unit.save(update_fields=["doc_prefix"])
        if not unit.seal:
            unit.seal.save(f"demo-seal-{unit.pk}.png", ContentFile(demo_seal_png(unit.name)))


def _memberships(ctx):
    """A Tianjin subsidiary of the State Grid asks to declare through the group; unit_sgcc decides."""
    from stdnum.cn import uscc

    body = "91120116MA0700001"
    org, _ = Organisation.objects.get_or_create(credit_code=body + uscc.calc_check_digit(body), defaults={
        "name": "国网天津滨海能源数据服务有限公司", "kind": Organisation.Kind.ENTERPRISE, "is_industrial": True,
        "region": "12", "division": "120116", "contact_name": "能源数据联系人", "contact_phone": "13900009999",
        "contact_email": "sgcc-sub@example.com"})
    demo_user(ctx, "applicant_sgcc", "applicant", f"{org.name}（申请经国家电网申报）", organisation=org,
              email="sgcc-sub@example.com", full_name="国网子公司联系人")
    GroupMembership.objects.get_or_create(organisation=org, group=ctx["units"]["sgcc"], defaults={
        "note": "国网天津市电力公司全资子公司"})


def load(ctx):
    _load_units(ctx)
    _memberships(ctx)
    _seals_and_prefixes(ctx)
    _apply_guide_quotas(ctx)
    _city_setting(ctx)
    _declarations(ctx)
