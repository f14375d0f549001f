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
