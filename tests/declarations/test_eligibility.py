"""Every eligibility rule of every real guide, loaded from declarations/guide_data."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from declarations.eligibility import check_eligibility, describe_rule
from declarations.guide_admin import save_rule
from declarations.models import Declaration, Rule
from tests.factories import complete_declaration, make_guide, make_org, make_user

# A direction of each guide where only the guide-wide rules apply.
BASELINE_DIRECTION = {2017: "1", 2020: "1", 2021: "1", 2022: "4"}


def failures_by_field(decl):
    result = {}
    for f in check_eligibility(decl):
        result.setdefault(f.field, []).append(f.message)
    return result


@pytest.fixture(params=[2017, 2020, 2021, 2022])
def year(request):
    return request.param


@pytest.fixture
def any_guide(db, year):
    return make_guide(year)


def decl_for(guide, unit, org=None, direction=None, **fields):
    org = org or make_org(dcmm=0, division=getattr(unit, "division", "") or None)
    if unit is not None and unit.kind == "district":
        # Only the 2022 guide delegates to districts; under the others the city is the organisation's unit.
        from units.jurisdiction import derived_unit

        unit = derived_unit(org, guide)
    return complete_declaration(guide, org, unit, direction or BASELINE_DIRECTION[guide.year], **fields)


def test_a_complete_declaration_passes_every_guide(any_guide, district):
    assert check_eligibility(decl_for(any_guide, district)) == []


def test_every_real_guide_loads_its_directions_and_rules(any_guide):
    expected = {2017: 10, 2020: 7, 2021: 10, 2022: 8}[any_guide.year]
    assert any_guide.directions.count() == expected
    kinds = set(any_guide.rules.values_list("kind", flat=True))
    assert {"one_per_applicant", "demo_period_ban", "own_ip"} <= kinds


def test_own_ip_is_required_in_every_guide(any_guide, district):
    errors = failures_by_field(decl_for(any_guide, district, ip_items=[]))
    assert errors["ip_items"] == ["项目须拥有自主知识产权，请在“自主知识产权”中至少列出一项专利或软件著作权"]


def test_required_fields_name_what_is_missing(any_guide, district):
    decl = decl_for(any_guide, None, project_name="", summary="", cases=[])
    errors = failures_by_field(decl)
    assert "请填写项目名称" in errors["project_name"]
    assert "请填写项目简介" in errors["summary"]
    assert "请选择推荐单位" in errors["unit"]
    assert "请至少填写一个应用案例" in errors["cases"]


def test_a_row_without_a_name_is_refused_at_submit(any_guide, district):
    cases = [{"name": f"案例{i}", "customer": "", "description": ""} for i in range(5)]
    cases.append({"name": "", "customer": "某客户", "description": ""})
    errors = failures_by_field(decl_for(any_guide, district, cases=cases))
    assert "“应用案例”第 6 行缺少“案例名称”，请补填或删除该行" in errors["cases"]


def test_a_unit_of_another_region_cannot_be_chosen(any_guide, district):
    from tests.factories import make_unit

    hebei = make_unit("河北省工业和信息化厅（资格测试）", region="13")
    errors = failures_by_field(decl_for(any_guide, hebei))
    assert "推荐单位应为“天津市工业和信息化局（申报测试）”，不能选择“河北省工业和信息化厅（资格测试）”" in errors["unit"][0]


# --- one project per applicant per guide ------------------------------------------------

def test_the_database_refuses_a_second_declaration_of_one_organisation(any_guide):
    org = make_org()
    Declaration.objects.create(guide=any_guide, organisation=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Declaration.objects.create(guide=any_guide, organisation=org)
    assert Declaration.objects.filter(guide=any_guide, organisation=org).count() == 1


def test_the_same_organisation_may_declare_under_another_guide(db):
    org = make_org()
    Declaration.objects.create(guide=make_guide(2021), organisation=org)
    Declaration.objects.create(guide=make_guide(2022), organisation=org)
    assert org.declarations.count() == 2


# --- directions per project ---------------------------------------------------------------

def test_2017_allows_two_directions_but_not_three(db, district):
    guide = make_guide(2017)
    assert guide.max_directions == 2
    decl = decl_for(guide, district, direction="1")
    decl.extra_directions.set([guide.directions.get(code="2")])
    assert check_eligibility(decl) == []
    decl.extra_directions.set(guide.directions.filter(code__in=["2", "3"]))
    errors = failures_by_field(decl)
    assert errors["extra_directions"] == ["本指南每个项目最多选择 2 个方向，当前选择了 3 个"]


@pytest.mark.parametrize("year", [2020, 2021, 2022])
def test_later_guides_allow_one_direction(db, district, year):
    guide = make_guide(year)
    assert guide.max_directions == 1
    decl = decl_for(guide, district)
    decl.extra_directions.set([guide.directions.exclude(code=BASELINE_DIRECTION[year]).first()])
    assert "本指南每个项目最多选择 1 个方向" in failures_by_field(decl)["extra_directions"][0]


def test_a_direction_of_another_guide_is_refused(db, district):
    guide, other = make_guide(2022), make_guide(2021)
    decl = decl_for(guide, district, direction=other.directions.get(code="4").code)
    decl.direction = other.directions.get(code="4")
    assert failures_by_field(decl)["direction"] == ["所选方向不属于本年度指南，请重新选择"]


# --- demonstration period ban -------------------------------------------------------------

@pytest.fixture
def earlier_selected(db, district):
    """A 2021 project of `org` that was selected and whose demonstration period still runs."""
    def build(org, name="工业互联网数据平台", state=Declaration.State.SELECTED, end_in_days=200):
        earlier = complete_declaration(make_guide(2021), org, district, "1", project_name=name)
        Declaration.objects.filter(pk=earlier.pk).update(
            state=state, demo_period_end=timezone.localdate() + timedelta(days=end_in_days))
        return earlier
    return build


def test_a_selected_project_still_in_its_demo_period_cannot_be_declared_again(any_guide, district,
                                                                                earlier_selected):
    org = make_org()
    earlier_selected(org)
    decl = decl_for(any_guide, district, org=org, project_name="工业互联网 数据平台")
    message = failures_by_field(decl)["project_name"][0]
    assert "已入选 2021 年度试点示范" in message
    assert "尚未结束，不得重复申报" in message


@pytest.mark.parametrize("variant", ["period_over", "other_name", "not_selected", "other_org"])
def test_the_demo_period_ban_only_blocks_a_running_selected_project(db, district, earlier_selected, variant):
    guide = make_guide(2022)
    org = make_org()
    if variant == "period_over":
        earlier_selected(org, end_in_days=-1)
    elif variant == "other_name":
        earlier_selected(org, name="完全不同的项目")
    elif variant == "not_selected":
        earlier_selected(org, state=Declaration.State.NOT_SELECTED)
    else:
        earlier_selected(make_org())
    decl = decl_for(guide, district, org=org, project_name="工业互联网数据平台")
    assert "project_name" not in failures_by_field(decl)


def test_the_demo_period_ends_on_its_last_day(db, district, earlier_selected):
    org = make_org()
    earlier_selected(org, end_in_days=0)
    decl = decl_for(make_guide(2022), org=org, unit=district, project_name="工业互联网数据平台")
    assert "project_name" in failures_by_field(decl)
    assert check_eligibility(decl, today=timezone.localdate() + timedelta(days=1)) == []


# --- 2021 direction 9: DCMM by role and industrial flag -----------------------------------

@pytest.mark.parametrize("industrial,role,level,ok", [
    (True, "owner", 2, False), (True, "owner", 3, True), (True, "owner", 5, True),
    (False, "owner", 3, False), (False, "owner", 4, True),
    (True, "provider", 0, True), (False, "provider", 0, True),
])
def test_2021_direction_9_dcmm_minimum(db, district, industrial, role, level, ok):
    guide = make_guide(2021)
    org = make_org(industrial=industrial, dcmm=level)
    decl = decl_for(guide, district, org=org, direction="9", applicant_role=role)
    errors = failures_by_field(decl)
    if ok:
        assert errors == {}
    else:
        need = "3 级（稳健级）" if industrial else "4 级（量化管理级）"
        assert need in errors["applicant_role"][0]
        assert "DCMM" in errors["applicant_role"][0]


def test_2021_direction_9_needs_a_role(db, district):
    guide = make_guide(2021)
    decl = decl_for(guide, district, org=make_org(dcmm=5), direction="9", applicant_role="")
    assert failures_by_field(decl)["applicant_role"] == [
        "本方向区分数据要素拥有方与技术服务提供方，请选择申报主体角色"]


def test_2021_other_directions_have_no_dcmm_minimum(db, district):
    guide = make_guide(2021)
    decl = decl_for(guide, district, org=make_org(dcmm=0), direction="4")
    assert check_eligibility(decl) == []


# --- 2022: construction status, statistics report, minimum cases --------------------------

@pytest.mark.parametrize("status,ok", [("planned", False), ("building", True), ("built", True)])
def test_2022_project_must_be_under_construction_or_built(db, district, status, ok):
    decl = decl_for(make_guide(2022), district, construction_status=status)
    errors = failures_by_field(decl)
    if ok:
        assert errors == {}
    else:
        assert errors["construction_status"] == ["申报项目须为在建或已建项目，当前选择的是“拟建”"]


@pytest.mark.parametrize("year", [2017, 2020, 2021])
def test_earlier_guides_accept_a_planned_project(db, district, year):
    assert check_eligibility(decl_for(make_guide(year), district, construction_status="planned")) == []


def test_2022_requires_the_statistics_report_attestation(db, district):
    guide = make_guide(2022)
    errors = failures_by_field(decl_for(guide, district, stats_report_filed=False))
    assert "2021 年度统计报表" in errors["stats_report_filed"][0]


@pytest.mark.parametrize("report_year", [2020, 2022, None])
def test_2022_requires_the_2021_report_year(db, district, report_year):
    errors = failures_by_field(decl_for(make_guide(2022), district, stats_report_year=report_year))
    assert errors["stats_report_year"][0].startswith("统计报表年度须为 2021 年")


@pytest.mark.parametrize("year", [2017, 2020, 2021])
def test_earlier_guides_need_no_statistics_report(db, district, year):
    assert check_eligibility(decl_for(make_guide(year), district, stats_report_filed=False)) == []


@pytest.mark.parametrize("code,role,need,label", [
    ("1", "provider", 5, "部署企业"), ("3", "provider", 2, "典型模式"), ("4", "", 5, "应用场景"),
    ("5", "", 3, "应用案例"), ("6", "", 3, "应用部署案例"), ("7", "", 3, "成功应用案例"), ("8", "", 3, "应用案例"),
])
def test_2022_minimum_cases_per_direction_and_role(db, district, code, role, need, label):
    guide = make_guide(2022)
    cases = [{"name": f"案例{i}", "customer": "客户", "description": ""} for i in range(need)]
    enough = decl_for(guide, district, direction=code, applicant_role=role, cases=cases)
    assert check_eligibility(enough) == []
    short = decl_for(guide, district, direction=code, applicant_role=role, cases=cases[:-1])
    message = failures_by_field(short)["cases"][0]
    assert f"须至少填写 {need} 个{label}，当前填写了 {need - 1} 个，还差 1 个" in message


@pytest.mark.parametrize("code", ["1", "3"])
def test_2022_data_owners_need_no_minimum_count(db, district, code):
    guide = make_guide(2022)
    one = [{"name": "案例", "customer": "", "description": ""}]
    assert check_eligibility(decl_for(guide, district, direction=code, applicant_role="owner", cases=one)) == []


# --- rules are data ------------------------------------------------------------------------

def test_an_admin_can_switch_a_rule_off_or_change_its_parameters(db, district):
    guide = make_guide(2022)
    short = decl_for(guide, district, direction="4", cases=[{"name": "只有一个", "customer": "", "description": ""}])
    rule = guide.rules.get(kind=Rule.Kind.MIN_CASES, direction__code="4")
    assert "cases" in failures_by_field(short)
    admin = make_user("admin", "rules_admin", is_staff=True)
    save_rule(guide=guide, actor=admin, kind=rule.kind, params={**rule.params, "min": 1}, direction=rule.direction,
              rule=rule)
    assert check_eligibility(short) == []
    save_rule(guide=guide, actor=admin, kind=rule.kind, params={**rule.params, "min": 9}, direction=rule.direction,
              is_active=False, rule=rule)
    assert check_eligibility(short) == []


def test_every_rule_of_every_guide_reads_as_plain_chinese(any_guide):
    for rule in any_guide.rules.select_related("direction"):
        text = describe_rule(rule)
        assert text and "None" not in text and "{" not in text
    if any_guide.year == 2021:
        texts = [describe_rule(r) for r in any_guide.rules.filter(kind="dcmm_min").select_related("direction")]
        assert "方向 9（数据管理能力提升）：申报主体为数据要素拥有方且为工业企业的，DCMM 等级须达到 3级（稳健级） 及以上" in texts


def test_the_default_today_is_beijing_time(db, district):
    # 2022-05-04 17:00 UTC is already 5 May in Beijing.
    org = make_org()
    earlier = complete_declaration(make_guide(2021), org, district, "1", project_name="同名项目")
    Declaration.objects.filter(pk=earlier.pk).update(state="selected", demo_period_end=date(2022, 5, 4))
    decl = decl_for(make_guide(2022), district, org=org, project_name="同名项目")
    assert check_eligibility(decl, today=date(2022, 5, 4))
    assert check_eligibility(decl, today=date(2022, 5, 5)) == []
