"""Quotas are data of each guide: defaults per unit kind, named overrides, admin overrides."""

import pytest
from django.utils import timezone

from declarations.loading import load_guide, read_guide_data
from quotas.administration import set_unit_setting
from quotas.lists import ListError
from quotas.models import QuotaRule, UnitGuideSetting
from quotas.queries import deadline_for, quota_for
from tests.factories import make_guide, make_unit
from units.models import Unit

K = Unit.Kind

REAL_QUOTAS = {
    2017: {K.PROVINCE: 10, K.PILOT_ZONE: 15, K.PLAN_CITY: 6, K.SUBPROV_CAPITAL: 6, K.XPCC: 6, K.SOE: 3},
    2020: {K.PROVINCE: 10, K.XPCC: 10, K.PLAN_CITY: 5, K.SUBPROV_CAPITAL: 5, K.SOE: 3, K.OTHER: 3},
    2021: {K.PROVINCE: 10, K.XPCC: 10, K.PLAN_CITY: 5, K.SOE: 5, K.OTHER: 5},
    2022: {K.DISTRICT: 2},
}


@pytest.mark.parametrize("year", sorted(REAL_QUOTAS))
def test_each_real_guide_carries_its_quotas_after_loading(db, year):
    guide = make_guide(year)
    assert dict(guide.quota_rules.values_list("unit_kind", "quota")) == REAL_QUOTAS[year]
    for kind in K.values:
        unit = make_unit(kind=kind)
        assert quota_for(unit, guide) == REAL_QUOTAS[year].get(kind)


def test_2021_has_no_quota_for_sub_provincial_capitals(db):
    guide = make_guide(2021)
    assert quota_for(make_unit(kind=K.SUBPROV_CAPITAL), guide) is None


def test_2022_binhai_gets_six_places_and_other_districts_two(db):
    city = make_unit("天津市工业和信息化局", K.PROVINCE, "12")
    binhai = make_unit("滨海新区工业和信息化局", K.DISTRICT, "12", parent=city)
    hexi = make_unit("河西区工业和信息化局", K.DISTRICT, "12", parent=city)
    guide = make_guide(2022)
    assert quota_for(binhai, guide) == 6
    assert quota_for(hexi, guide) == 2
    assert guide.quota_exempt_dcmm_min == 3


def test_reloading_a_guide_changes_nothing(db):
    make_unit("滨海新区工业和信息化局", K.DISTRICT, "12")
    guide = make_guide(2022, title="重载测试")
    data = read_guide_data(2022)
    load_guide(data, title="重载测试")
    assert QuotaRule.objects.filter(guide=guide).count() == 1
    assert UnitGuideSetting.objects.filter(guide=guide).count() == 1


def test_admin_override_of_one_unit_wins_and_is_audited(personas):
    from core.audit import records_for

    guide = personas.guide
    assert quota_for(personas.district_b, guide) == 2
    setting = set_unit_setting(unit=personas.district_b, guide=guide, quota=4, deadline=None,
                                        reason="河西区项目储备多，增加名额", actor=personas.admin)
    assert quota_for(personas.district_b, guide) == 4
    assert quota_for(personas.district_a, guide) == 2  # a sibling keeps the default
    rec = records_for(setting).first()
    assert rec.reason == "河西区项目储备多，增加名额" and rec.actor == personas.admin


def test_override_needs_a_reason(personas):
    with pytest.raises(ListError, match="理由"):
        set_unit_setting(unit=personas.district_b, guide=personas.guide, quota=4, deadline=None,
                                  reason="  ", actor=personas.admin)


def test_deadline_extension_applies_to_one_unit(personas):
    guide = personas.guide
    later = guide.unit_deadline + timezone.timedelta(days=3)
    set_unit_setting(unit=personas.district_a, guide=guide, quota=None, deadline=later,
                              reason="系统故障顺延", actor=personas.admin)
    assert deadline_for(personas.district_a, guide) == later
    assert deadline_for(personas.district_b, guide) == guide.unit_deadline
    assert quota_for(personas.district_a, guide) == 2  # a null quota keeps the default
