"""Demo recommending units: the top-level units of a real year and the 2022 Tianjin districts."""

from core.demo_accounts import demo_user
from core.regions import REGIONS

from .models import Unit

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


def _unit(name, kind, region="", parent=None):
    unit, _ = Unit.objects.update_or_create(name=name, defaults={
        "kind": kind, "region": region, "parent": parent, "contact_name": "处室联系人",
        "contact_phone": "022-12345678"})
    return unit


def load(ctx):
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
