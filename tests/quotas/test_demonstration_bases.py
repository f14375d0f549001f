"""Demonstration bases (国家新型工业化产业示范基地（大数据）, 2023): a kind of unit under its province that recommends
up to 3 more projects, sent up through the province, which confirms them with its own list outside its own quota.

All of it is guide data: the unit kind's quota and its "through parent" flag come from the guide file.
"""

import pytest

from declarations.loading import load_guide, read_guide_data
from quotas.administration import set_unit_setting
from quotas.forms import UnitForm
from quotas.lists import ListError
from quotas.recommendation import confirm_recommendations
from quotas.models import QuotaRule
from quotas.queries import counter
from tests.factories import make_guide, make_org, make_unit, make_user
from units.jurisdiction import allowed_unit_ids
from units.memberships import MembershipError, decide_membership, request_membership
from units.models import Unit

from .conftest import passed, rec_list, recommend

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(db):
    guide = make_guide(2023)
    guide.is_published = True
    guide.save(update_fields=["is_published"])
    province = make_unit("天津市工业和信息化局（基地测试）", Unit.Kind.PROVINCE, "12")
    base = make_unit("天津滨海高新区示范基地（基地测试）", Unit.Kind.DEMO_BASE, "12", parent=province)
    admin = make_user("admin", is_staff=True)
    # The province's own quota is 1 here, so "outside the quota" shows plainly.
    set_unit_setting(unit=province, guide=guide, quota=1, deadline=None, reason="测试", actor=admin)
    return {"guide": guide, "province": province, "base": base, "admin": admin,
            "province_staff": make_user("unit", unit=province), "base_staff": make_user("unit", unit=base)}


def test_the_2023_file_gives_bases_three_places_through_the_province():
    guide = load_guide(read_guide_data(2023))
    rule = QuotaRule.objects.get(guide=guide, unit_kind=Unit.Kind.DEMO_BASE)
    assert (rule.quota, rule.through_parent) == (3, True)
    assert QuotaRule.objects.get(guide=guide, unit_kind=Unit.Kind.PLAN_CITY).quota == 3
    assert QuotaRule.objects.get(guide=guide, unit_kind=Unit.Kind.SOE).quota == 3
    assert not QuotaRule.objects.filter(guide=make_guide(2022), through_parent=True).exists()


def test_a_base_recommends_three_and_the_province_sends_them_outside_its_quota(setting):
    s = setting
    guide, base, province = s["guide"], s["base"], s["province"]
    base_decls = [passed(guide, base, s["base_staff"], direction=str(i + 1)) for i in range(4)]
    own = passed(guide, province, s["province_staff"], direction="5")
    for d in base_decls[:3]:
        recommend(d, s["base_staff"])
    with pytest.raises(ListError, match="超出推荐名额"):
        recommend(base_decls[3], s["base_staff"])
    numbers = counter(rec_list(base, guide))
    assert (numbers["quota"], numbers["used"], numbers["extra"]) == (3, 3, 0)  # its own list: its own 3 places
    confirm_recommendations(rec_list=rec_list(base, guide), actor=s["base_staff"])

    # The province confirms them with its own list: its one place is still free for its own project.
    recommend(own, s["province_staff"])
    for d in base_decls[:3]:
        recommend(d, s["province_staff"])
    numbers = counter(rec_list(province, guide))
    assert (numbers["quota"], numbers["used"], numbers["extra"], numbers["recommended"]) == (1, 1, 3, 4)
    confirm_recommendations(rec_list=rec_list(province, guide), actor=s["province_staff"])
    assert rec_list(province, guide).is_confirmed


def test_without_the_flag_the_province_counts_the_bases_projects(setting):
    s = setting
    QuotaRule.objects.filter(guide=s["guide"], unit_kind=Unit.Kind.DEMO_BASE).update(through_parent=False)
    decls = [passed(s["guide"], s["base"], s["base_staff"], direction=str(i + 1)) for i in range(2)]
    for d in decls:
        recommend(d, s["base_staff"])
    confirm_recommendations(rec_list=rec_list(s["base"], s["guide"]), actor=s["base_staff"])
    recommend(decls[0], s["province_staff"])
    with pytest.raises(ListError, match="超出推荐名额"):
        recommend(decls[1], s["province_staff"])


def test_the_provinces_ranking_page_marks_the_bases_projects(client, setting):
    from django.urls import reverse

    from tests.utils import login

    s = setting
    d = passed(s["guide"], s["base"], s["base_staff"], direction="1")
    recommend(d, s["base_staff"])
    confirm_recommendations(rec_list=rec_list(s["base"], s["guide"]), actor=s["base_staff"])
    recommend(d, s["province_staff"])
    page = login(client, s["province_staff"]).get(reverse("quotas:ranking") + f"?guide={s['guide'].pk}")
    html = page.content.decode()
    assert "基地另行推荐，不占名额" in html and "其中示范基地另行推荐 1 个" in html


def test_organisations_reach_a_base_once_it_confirmed_them_and_only_in_its_province(setting):
    s = setting
    org = make_org("基地内数据公司", region="12")
    user = make_user("applicant", organisation=org)
    assert s["base"].pk not in allowed_unit_ids(org, s["guide"])
    membership = request_membership(organisation=org, group=s["base"], note="注册于基地内的企业", actor=user)
    decide_membership(membership=membership, accept=True, reason="", actor=s["base_staff"])
    assert allowed_unit_ids(org, s["guide"]) == [s["province"].pk, s["base"].pk]
    outsider = make_org("河北数据公司", region="13")
    with pytest.raises(MembershipError, match="只受理所在省"):
        request_membership(organisation=outsider, group=s["base"], note="希望经基地推荐", actor=None)


def test_a_base_needs_a_province_above_it(setting):
    data = {"name": "某示范基地", "kind": Unit.Kind.DEMO_BASE, "region": "12", "division": ""}
    form = UnitForm(data=data)
    assert not form.is_valid()
    assert "示范基地的推荐经所在省级主管部门统一报送" in str(form.errors["parent"])
    form = UnitForm(data={**data, "parent": setting["province"].pk})
    assert "parent" not in form.errors


def test_a_copied_guide_keeps_the_through_parent_rule(setting):
    from declarations.guide_admin import copy_guide

    copy = copy_guide(source=setting["guide"], actor=setting["admin"], year=2024)
    assert QuotaRule.objects.get(guide=copy, unit_kind=Unit.Kind.DEMO_BASE).through_parent
