"""Province-level regions of GB/T 2260 (two-digit codes) plus the XPCC.

The XPCC (新疆生产建设兵团) is not a GB/T 2260 region; the notices treat it as
a province-level recommending unit, so it gets the otherwise unused code 66.
"""

from functools import lru_cache

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

REGIONS = [
    ("11", _("北京市")), ("12", _("天津市")), ("13", _("河北省")), ("14", _("山西省")),
    ("15", _("内蒙古自治区")), ("21", _("辽宁省")), ("22", _("吉林省")), ("23", _("黑龙江省")),
    ("31", _("上海市")), ("32", _("江苏省")), ("33", _("浙江省")), ("34", _("安徽省")),
    ("35", _("福建省")), ("36", _("江西省")), ("37", _("山东省")), ("41", _("河南省")),
    ("42", _("湖北省")), ("43", _("湖南省")), ("44", _("广东省")), ("45", _("广西壮族自治区")),
    ("46", _("海南省")), ("50", _("重庆市")), ("51", _("四川省")), ("52", _("贵州省")),
    ("53", _("云南省")), ("54", _("西藏自治区")), ("61", _("陕西省")), ("62", _("甘肃省")),
    ("63", _("青海省")), ("64", _("宁夏回族自治区")), ("65", _("新疆维吾尔自治区")),
    ("66", _("新疆生产建设兵团")),
]
REGION_NAMES = dict(REGIONS)


@lru_cache(maxsize=8)
def _names(language):
    return {code: str(name) for code, name in REGIONS}


def region_name(code):
    """The region's name in the active language.

    Models call this from get_region_display(): Django's generated method evaluates
    every lazy label of the 32 choices on each call, which showed in long lists.
    """
    return _names(get_language()).get(code, code or "")


# The tile-grid cartogram of the dashboard: each province-level region one square, in its rough place on the map
# (column west→east, row north→south), with the short name the square shows. A grid, not a map: no boundaries,
# so no approved standard map (审图号) is needed.
TILES = {
    "23": ("黑龙江", 8, 0),
    "65": ("新疆", 0, 1), "66": ("兵团", 1, 1), "15": ("内蒙古", 6, 1), "22": ("吉林", 8, 1),
    "63": ("青海", 2, 2), "62": ("甘肃", 3, 2), "64": ("宁夏", 4, 2), "14": ("山西", 5, 2), "13": ("河北", 6, 2),
    "11": ("北京", 7, 2), "21": ("辽宁", 8, 2),
    "54": ("西藏", 2, 3), "51": ("四川", 3, 3), "61": ("陕西", 4, 3), "41": ("河南", 5, 3), "37": ("山东", 6, 3),
    "12": ("天津", 7, 3),
    "53": ("云南", 3, 4), "50": ("重庆", 4, 4), "42": ("湖北", 5, 4), "34": ("安徽", 6, 4), "32": ("江苏", 7, 4),
    "31": ("上海", 8, 4),
    "52": ("贵州", 4, 5), "43": ("湖南", 5, 5), "36": ("江西", 6, 5), "33": ("浙江", 7, 5),
    "45": ("广西", 4, 6), "44": ("广东", 5, 6), "35": ("福建", 6, 6),
    "46": ("海南", 4, 7),
}


# --- GB/T 2260 divisions (province, prefecture, county) ----------------------------------
# From python-stdnum's maintained table (stdnum/cn/loc.dat, the data behind stdnum.cn.ric),
# so no list is typed by hand here. Entries carry validity years ("[1983-]", "[-2010]");
# only those without an end year are current divisions.

XPCC = "66"


def _current_name(value):
    """The current name of a table entry like "[-1980]旅大市,[1981-]大连市"; "" if it no longer exists."""
    current = ""
    for part in value.split(","):
        name, end = part, ""
        if part.startswith("["):
            years, _sep, name = part[1:].partition("]")
            end = years.split("-", 1)[1] if "-" in years else ""
        if not end and name:
            current = name
    return current


@lru_cache(maxsize=1)
def divisions():
    """{six-digit code: name} of every current GB/T 2260 division (provinces end in 0000, prefectures in 00)."""
    from stdnum import numdb

    table = {}
    # NumDB.prefixes holds the parsed tree: (length, low, high, properties, children).
    for _len, low, high, props, children in numdb.get("cn/loc").prefixes:
        if low != high:
            continue
        table[low + "0000"] = props.get("province", "")
        for _l, c_low, c_high, c_props, _c in children:
            if c_low != c_high or c_low == "0000":
                continue
            name = _current_name(c_props.get("county", ""))
            if name:
                table[low + c_low] = name
    return table


def division_parts(code):
    """(province, prefecture, county) names of a six-digit code; missing levels are ""."""
    table = divisions()
    code = code or ""
    if len(code) != 6 or code not in table:
        return ("", "", "")
    province = table.get(code[:2] + "0000", "")
    prefecture = table.get(code[:4] + "00", "") if code[2:4] != "00" else ""
    if prefecture in ("市辖区", "县") or "直辖县级" in prefecture:
        prefecture = ""  # the municipalities' and provinces' placeholder rows are no place name
    county = table[code] if code[4:] != "00" else ""
    return (province, prefecture, county)


def division_name(code):
    """The full place name of a division, e.g. "天津市河西区", "福建省福州市鼓楼区"; "" if unknown."""
    return "".join(p for p in dict.fromkeys(division_parts(code)) if p)


def is_division(code):
    return bool(code) and len(code) == 6 and code in divisions()


def credit_code_division(credit_code):
    """Characters 3–8 of a unified social credit code: the registering authority's division, if known."""
    code = (credit_code or "")[2:8]
    return code if is_division(code) else ""


def province_of_division(code):
    """The two-digit region a division belongs to (XPCC divisions sit under Xinjiang, 65)."""
    return (code or "")[:2]


def division_within(inner, outer):
    """Whether `inner` lies inside `outer` (a province 120000 contains 120103; 120100 contains 120103)."""
    if not inner or not outer:
        return False
    if outer.endswith("0000"):
        return inner[:2] == outer[:2]
    if outer.endswith("00"):
        return inner[:4] == outer[:4]
    return inner == outer


def region_matches_division(region, division):
    """The stated province-level region agrees with the division (the XPCC lies in Xinjiang)."""
    if region == XPCC:
        return province_of_division(division) == "65"
    return province_of_division(division) == region


def division_for_name(name, region, *, city=False):
    """The division a unit's name begins with, within its region: "河西区工业和信息化局" in 12 → 120103.

    city=True looks at prefectures (大连市 → 210200), else at counties/districts. "" when none
    or more than one division of that name exists (the admin then enters the code).
    """
    if not name or not region:
        return ""
    province = "65" if region == XPCC else region
    found = {}
    for code, place in divisions().items():
        if code[:2] != province or code.endswith("0000") or place in ("市辖区", "县"):
            continue
        if city != code.endswith("00"):
            continue
        if name.startswith(place):
            found.setdefault(len(place), []).append(code)
    if not found:
        return ""
    best = found[max(found)]
    return best[0] if len(best) == 1 else ""
