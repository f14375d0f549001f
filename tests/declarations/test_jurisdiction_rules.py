"""Applicants reach only their own recommending unit (issue 12, first section). One test per rule.

Seeds: 000 line 24 / 001 line 3 / 003 line 9 (推荐单位 = 各地主管部门、中央企业集团 organise the recommendation of
their jurisdiction), 002 line 17 (Tianjin 2022: 各区工业和信息化主管部门负责组织项目推荐, 滨海新区≤6, 其他区≤2),
000 line 80 (DCMM 三级 for 工业企业, 四级 for 其他行业企业), 002 line 19 (示范期内的项目不可重复申报).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import uscc

from core.models import AuditRecord, Notification
from core.regions import division_name, divisions
from declarations.declaration_forms import DeclarationForm
from declarations.eligibility import check_eligibility
from declarations.models import Declaration, Organisation, Rule
from declarations.services import start_declaration, transition
from quotas.formal_check import pass_check
from quotas.lists import ListError
from tests.factories import complete_declaration, make_guide, make_org, make_unit, make_user
from tests.utils import login
from units.jurisdiction import derived_unit
from units.models import GroupMembership, Unit


def unit_errors(decl):
    return [f.message for f in check_eligibility(decl) if f.field == "unit"]


def code_in(division, n=1, prefix="91"):
    body = f"{prefix}{division}{n:09d}"[:17]
    return body + uscc.calc_check_digit(body)


def registration(**overrides):
    data = {"org_name": "天津新数科技有限公司", "credit_code": code_in("120103", 77), "kind": "enterprise",
            "region": "", "division": "", "dcmm_level": "0", "contact_name": "李四", "contact_phone": "13912345678",
            "email": "lisi@example.com", "username": "xinshu", "password1": "Xinshu#2026-pass",
            "password2": "Xinshu#2026-pass"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- the region table -------------------------------------------------------------------------

def test_the_division_table_is_stdnums_with_current_entries_only():
    assert division_name("350102") == "福建省福州市鼓楼区"
    assert division_name("210200") == "辽宁省大连市"  # "[-1980]旅大市,[1981-]大连市": the current name
    assert "110103" not in divisions()  # 崇文区, merged in 2010
    assert len(divisions()) > 3000


# --- the place comes from the credit code -----------------------------------------------------

def test_registration_proposes_province_and_district_from_the_credit_code(client, db):
    response = client.post(reverse("register"), registration())
    assert response.status_code == 302
    org = Organisation.objects.get(credit_code=code_in("120103", 77))
    assert (org.region, org.division, org.relocated) == ("12", "120103", False)
    assert org.division_display == "天津市河西区"


def test_a_fujian_code_stating_tianjin_is_flagged(client, db, personas):
    fujian = code_in("350102", 78)
    response = client.post(reverse("register"), registration(credit_code=fujian, region="12", division="120103"))
    assert response.status_code == 200
    assert "表示登记机关在福建省福州市鼓楼区，与填写的所在地“天津市河西区”不一致" in response.content.decode()
    assert not Organisation.objects.filter(credit_code=fujian).exists()
    # Declared as moved, it is accepted, marked, and the unit sees the mark at its formal check.
    response = client.post(reverse("register"), registration(credit_code=fujian, region="12", division="120103",
                                                              relocated="on"))
    assert response.status_code == 302
    org = Organisation.objects.get(credit_code=fujian)
    assert org.relocated and org.location_mismatch
    hexi = personas.district_b
    decl = complete_declaration(personas.guide, org, hexi)
    transition(decl, "submitted", actor=None, submitted_at=timezone.now())
    page = login(client, personas.district_b_staff).get(reverse("quotas:declaration", args=[decl.pk]))
    assert "统一社会信用代码所示登记地为福建省福州市鼓楼区" in page.content.decode()


def test_the_database_keeps_province_and_district_together(db):
    org = make_org(region="12", division="120103")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(region="35")


# --- the unit follows from the place ------------------------------------------------------------

def test_a_hexi_company_cannot_declare_to_binhai(personas):
    p = personas
    hexi_org = p.org_b
    assert hexi_org.division == "120103"
    decl = complete_declaration(p.guide, hexi_org, p.district_a)  # Binhai: quota 6 instead of 2
    assert unit_errors(decl) == [
        "贵单位所在地为天津市河西区，推荐单位应为“河西区工业和信息化局（测试）”，不能选择“滨海新区工业和信息化局（测试）”；"
        "中央企业集团下属单位须先经集团确认隶属关系（“单位信息”→“所属中央企业集团”）后方可选择集团"]
    form = DeclarationForm(declaration=decl)
    assert list(form.fields["unit"].queryset) == [p.district_b]


def test_the_unit_follows_the_guides_delegation(personas):
    p = personas
    assert derived_unit(p.org_b, p.guide) == p.district_b  # 2022: the districts recommend (seed 002 line 17)
    assert derived_unit(p.org_b, make_guide(2021)) == p.city  # 2021: no district quota, the city recommends
    decl, created = start_declaration(make_guide(2022), organisation=p.org_b, actor=p.applicant_b)
    assert created and decl.unit == p.district_b


def test_a_private_company_cannot_pick_a_central_soe_group(personas):
    group = make_unit("国家电网有限公司（测试）", Unit.Kind.SOE, "")
    decl = complete_declaration(personas.guide, personas.org_a, group)
    assert "不能选择“国家电网有限公司（测试）”" in unit_errors(decl)[0]


def test_a_group_member_declares_through_the_group_only_after_the_group_accepts(client, personas):
    p = personas
    group = make_unit("国家电网有限公司（测试）", Unit.Kind.SOE, "")
    group_staff = make_user("unit", "sgcc_staff", unit=group, email="sgcc@example.com")
    login(client, p.applicant_a)
    response = client.post(reverse("memberships:apply"), {"group": group.pk, "note": "国网天津市电力公司全资子公司"})
    assert response.status_code == 302
    membership = GroupMembership.objects.get(organisation=p.org_a, group=group)
    assert membership.state == "pending"
    assert Notification.objects.filter(user=group_staff, kind="membership_request").exists()
    decl = complete_declaration(p.guide, p.org_a, group)
    assert unit_errors(decl), "a pending request does not open the group yet"

    # Another unit cannot decide it; the group sees it on its page and accepts.
    assert login(client, p.district_a_staff).post(
        reverse("quotas:membership_decide", args=[membership.pk]), {"decision": "accept"}).status_code == 404
    login(client, group_staff)
    assert "甲数据公司" in client.get(reverse("quotas:memberships")).content.decode()
    client.post(reverse("quotas:membership_decide", args=[membership.pk]), {"decision": "accept"})
    membership.refresh_from_db()
    assert membership.state == "accepted" and membership.decided_by == group_staff
    assert AuditRecord.objects.filter(action="membership.accept", target_id=str(membership.pk)).exists()
    assert Notification.objects.filter(user=p.applicant_a, kind="membership_decided").exists()
    assert unit_errors(decl) == []
    assert set(DeclarationForm(declaration=decl).fields["unit"].queryset) == {p.district_a, group}


def test_a_rejected_member_stays_with_its_region_and_learns_why(client, personas):
    p = personas
    group = make_unit("中国电信集团有限公司（测试）", Unit.Kind.SOE, "")
    group_staff = make_user("unit", "ct_staff", unit=group)
    membership = GroupMembership.objects.create(organisation=p.org_a, group=group, note="声称为子公司")
    login(client, group_staff)
    client.post(reverse("quotas:membership_decide", args=[membership.pk]), {"decision": "reject", "reason": ""})
    membership.refresh_from_db()
    assert membership.state == "pending", "a rejection needs a reason"
    client.post(reverse("quotas:membership_decide", args=[membership.pk]),
                {"decision": "reject", "reason": "经核实不属于本集团"})
    membership.refresh_from_db()
    assert membership.state == "rejected"
    note = Notification.objects.get(user=p.applicant_a, kind="membership_decided")
    assert "经核实不属于本集团" in note.body
    assert unit_errors(complete_declaration(p.guide, p.org_a, group))


def test_the_unit_refuses_at_its_formal_check_a_declaration_from_outside(personas):
    p = personas
    decl = complete_declaration(p.guide, p.org_b, p.district_a)  # stored before the rule, say
    transition(decl, "submitted", actor=None, submitted_at=timezone.now())
    with pytest.raises(ListError, match="不属于本单位辖区"):
        pass_check(declaration=decl, actor=p.district_a_staff)
    decl.refresh_from_db()
    assert decl.state == "submitted"


# --- industrial enterprise ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["institute", "association"])
def test_only_enterprises_can_be_industrial(db, kind):
    org = make_org(kind=kind)
    org.is_industrial = True
    with pytest.raises(ValidationError, match="只有单位类型为“企业”的才能勾选"):
        org.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=org.pk).update(is_industrial=True)


# --- demonstration period: the same project under another name ----------------------------------------

def _earlier_selected(org, unit, name):
    earlier = complete_declaration(make_guide(2021), org, unit, "1", project_name=name)
    Declaration.objects.filter(pk=earlier.pk).update(
        state=Declaration.State.SELECTED, demo_period_end=timezone.localdate() + timedelta(days=200))
    return earlier


def test_renaming_to_phase_two_does_not_pass_the_demonstration_period_ban(personas):
    p = personas
    _earlier_selected(p.org_a, p.city, "滨海工业互联网数据平台")
    decl = complete_declaration(p.guide, p.org_a, p.district_a, project_name="滨海工业互联网数据平台（二期）")
    messages = [f.message for f in check_eligibility(decl) if f.field == "project_name"]
    assert len(messages) == 1 and "名称相近" in messages[0] and "不得重复申报" in messages[0]
    other = complete_declaration(make_guide(2022), make_org(division="120116"), p.district_a,
                                 project_name="滨海工业互联网数据平台（二期）")
    assert not [f for f in check_eligibility(other) if f.field == "project_name"], "another organisation's is fine"


def test_where_the_guide_says_so_a_similar_title_goes_to_the_unit_side_by_side(client, personas):
    p = personas
    Rule.objects.filter(guide=p.guide, kind=Rule.Kind.DEMO_PERIOD_BAN).update(params={"similar": "refer"})
    _earlier_selected(p.org_a, p.city, "滨海工业互联网数据平台")
    decl = complete_declaration(p.guide, p.org_a, p.district_a, project_name="滨海工业互联网数据平台二期工程")
    assert not [f for f in check_eligibility(decl) if f.field == "project_name"]
    same = complete_declaration(make_guide(2022), p.org_a, p.district_a, project_name="滨海工业互联网数据平台")
    Rule.objects.filter(guide=same.guide, kind=Rule.Kind.DEMO_PERIOD_BAN).update(params={"similar": "refer"})
    assert [f for f in check_eligibility(same) if f.field == "project_name"], "the same name is still refused"
    transition(decl, "submitted", actor=None, submitted_at=timezone.now())
    html = login(client, p.district_a_staff).get(reverse("quotas:declaration", args=[decl.pk])).content.decode()
    assert "与示范期内已入选项目对照" in html and "2021 年度入选项目" in html and "滨海工业互联网数据平台二期工程" in html


# --- generated data obeys the same rules ------------------------------------------------------------

@pytest.mark.django_db(transaction=False)
def test_the_national_generator_registers_organisations_where_they_declare(settings, tmp_path):
    from core.regions import credit_code_division, region_matches_division
    from operations.national import generate
    from units.jurisdiction import may_declare_to

    stats = generate(applicants=120, reviewers=12, seed=7)
    guide = stats["guide"]
    decls = list(Declaration.objects.filter(guide=guide).select_related("organisation", "unit"))
    assert len(decls) == 120
    for d in decls[:60]:
        org = d.organisation
        assert credit_code_division(org.credit_code) == org.division
        assert region_matches_division(org.region, org.division)
        assert may_declare_to(org, guide, d.unit_id), (org.name, org.division, d.unit.name)
    assert any(d.unit.kind == "district" for d in decls) and any(d.unit.kind == "soe" for d in decls)


def test_the_draft_service_refuses_a_unit_outside_the_jurisdiction_and_keeps_the_draft(personas):
    from declarations.services import TransitionError, save_draft

    p = personas
    decl, _created = start_declaration(p.guide, organisation=p.org_b, actor=p.applicant_b)
    save_draft(decl, {"project_name": "河西数据平台"}, expected_version=decl.version, actor=p.applicant_b)
    with pytest.raises(TransitionError, match="本页内容未保存"):
        save_draft(decl, {"project_name": "改名", "unit_id": p.district_a.pk}, expected_version=decl.version,
                   actor=p.applicant_b)
    decl.refresh_from_db()
    assert (decl.project_name, decl.unit) == ("河西数据平台", p.district_b)
