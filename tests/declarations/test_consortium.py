"""Consortium declarations (企业联合体, 2023 shape): members named by the lead, confirmed by each member.

The one-project rule counts every member; the eligibility scope of a rule (lead, every member, any member) is
guide data.
"""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.models import Notification
from declarations.consortia import ConsortiumError, add_member, decide_membership
from declarations.eligibility import check_eligibility
from declarations.models import ConsortiumMember, Declaration, Rule
from declarations.services import TransitionError, start_declaration, submit_declaration
from units.models import Unit
from tests.factories import complete_declaration, make_guide, make_org, make_unit, make_user
from tests.utils import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def guide2023(db):
    """The 2023 guide file (consortia admitted), opened for the test: its placeholder directions do not matter here."""
    guide = make_guide(2023)
    guide.is_published = True
    guide.save(update_fields=["is_published"])
    return guide


@pytest.fixture
def province(db):
    return make_unit("天津市工业和信息化局（联合体测试）", Unit.Kind.PROVINCE, "12")


class Consortium:
    def __init__(self, guide, province):
        self.guide, self.province = guide, province
        self.lead = make_org("牵头数据集团有限公司", dcmm=3)
        self.m1 = make_org("成员一数据技术有限公司", dcmm=2)
        self.m2 = make_org("成员二智能研究院", dcmm=0)
        self.lead_user = make_user("applicant", organisation=self.lead, email="lead@example.com")
        self.m1_user = make_user("applicant", organisation=self.m1, email="m1@example.com")
        self.m2_user = make_user("applicant", organisation=self.m2, email="m2@example.com")
        self.decl = complete_declaration(guide, self.lead, province, direction_code="1")


@pytest.fixture
def c(guide2023, province):
    return Consortium(guide2023, province)


def _add(c, org, share=20, role="负责数据治理"):
    return add_member(c.decl, credit_code=org.credit_code, role=role, share=share, actor=c.lead_user)


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_2023_guide_admits_consortia_as_data(guide2023):
    assert guide2023.consortium_allowed
    assert not make_guide(2022).consortium_allowed


def test_a_consortium_of_three_is_declared_confirmed_and_submitted(client, c, django_capture_on_commit_callbacks):
    lead = login(client, c.lead_user)
    url = reverse("declarations:add_member", args=[c.decl.pk])
    with django_capture_on_commit_callbacks(execute=True):
        for org, role, share in ((c.m1, "负责数据采集平台", 30), (c.m2, "负责算法模型", 20)):
            r = lead.post(url, {"credit_code": org.credit_code, "role": role, "share": share}, follow=True)
            assert f"已添加成员单位“{org.name}”" in "".join(_messages(r))
    # Each member is told in its own inbox, with a link to answer.
    for user in (c.m1_user, c.m2_user):
        note = Notification.objects.get(user=user, kind="consortium_invite")
        assert c.lead.name in note.body and note.url == reverse("declarations:consortium_invitations")
    # The lead cannot submit before both confirmed; the message names who has not.
    with pytest.raises(TransitionError) as e:
        submit_declaration(c.decl, actor=c.lead_user)
    text = " ".join(f.message for f in e.value.failures)
    assert "成员一数据技术有限公司" in text and "成员二智能研究院" in text and "尚未在系统中确认参与" in text
    # Each member confirms from its own account.
    for user in (c.m1_user, c.m2_user):
        client.logout()
        member = login(client, user)
        page = member.get(reverse("declarations:consortium_invitations"))
        assert c.decl.project_name in page.content.decode()
        m = ConsortiumMember.objects.get(organisation=user.organisation)
        with django_capture_on_commit_callbacks(execute=True):
            member.post(reverse("declarations:consortium_answer", args=[m.pk]), {"confirm": "1", "reason": ""})
        assert ConsortiumMember.objects.get(pk=m.pk).state == "confirmed"
    assert Notification.objects.filter(user=c.lead_user, kind="consortium_answer").count() == 2
    submit_declaration(c.decl, actor=c.lead_user)
    assert Declaration.objects.get(pk=c.decl.pk).state == "submitted"


def test_a_member_cannot_declare_alone_in_the_same_guide(client, c):
    _add(c, c.m1)
    with pytest.raises(TransitionError) as e:
        start_declaration(c.guide, organisation=c.m1, actor=c.m1_user)
    assert "已作为联合体成员参与“牵头数据集团有限公司”牵头申报的项目" in e.value.message
    r = login(client, c.m1_user).post(reverse("declarations:start", args=[c.guide.pk]), follow=True)
    assert any("不能再自行申报或参与其他联合体" in m for m in _messages(r))
    assert not Declaration.objects.filter(organisation=c.m1).exists()


def test_a_member_cannot_join_a_second_consortium(c):
    _add(c, c.m1)
    other_lead = make_org("另一牵头公司")
    other = complete_declaration(c.guide, other_lead, c.province, direction_code="2")
    with pytest.raises(ConsortiumError) as e:
        add_member(other, credit_code=c.m1.credit_code, role="分工", share=10, actor=None)
    assert "已是本指南下其他联合体申报的成员单位" in e.value.message


def test_an_organisation_with_its_own_declaration_cannot_be_a_member(c):
    complete_declaration(c.guide, c.m1, c.province, direction_code="2")
    with pytest.raises(ConsortiumError) as e:
        _add(c, c.m1)
    assert "已在本指南下自行申报项目" in e.value.message


def test_the_lead_of_one_consortium_is_not_a_member_of_another_and_the_database_holds_the_rule(c):
    _add(c, c.m1)
    other = complete_declaration(c.guide, make_org("另一牵头公司"), c.province, direction_code="2")
    # Written past the service (a script, an admin): the partial unique constraint refuses it.
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsortiumMember.objects.create(declaration=other, guide=c.guide, organisation=c.m1, role="x", share=10)
    # The lead of `other` joining c's consortium as a member is refused: it has its own declaration.
    with pytest.raises(ConsortiumError):
        _add(c, other.organisation)


def test_membership_in_another_year_does_not_count(c):
    _add(c, c.m1)
    earlier = make_guide(2022)
    decl, created = start_declaration(earlier, organisation=c.m1, actor=c.m1_user)
    assert created and decl.guide == earlier


def test_a_declined_member_blocks_submission_until_removed_and_is_then_free(client, c,
                                                                            django_capture_on_commit_callbacks):
    m = _add(c, c.m1)
    with pytest.raises(ConsortiumError, match="拒绝参与时请填写理由"):
        decide_membership(m, actor=c.m1_user, confirm=False)
    with django_capture_on_commit_callbacks(execute=True):
        decide_membership(m, actor=c.m1_user, confirm=False, reason="未参与该项目建设")
    note = Notification.objects.get(user=c.lead_user, kind="consortium_answer")
    assert "拒绝参与" in note.title and "未参与该项目建设" in note.body
    assert any("已拒绝参与" in f.message for f in check_eligibility(c.decl))
    lead = login(client, c.lead_user)
    lead.post(reverse("declarations:remove_member", args=[c.decl.pk, m.pk]))
    assert not c.decl.members.exists()
    assert check_eligibility(Declaration.objects.get(pk=c.decl.pk)) == []
    decl, created = start_declaration(c.guide, organisation=c.m1, actor=c.m1_user)
    assert created


def test_only_the_member_organisation_answers_its_invitation(client, c):
    m = _add(c, c.m1)
    for user in (c.lead_user, c.m2_user):
        r = login(client, user).post(reverse("declarations:consortium_answer", args=[m.pk]), {"confirm": "1"})
        assert r.status_code == 404
        client.logout()
    with pytest.raises(ConsortiumError):
        decide_membership(m, actor=c.m2_user, confirm=True)
    assert ConsortiumMember.objects.get(pk=m.pk).state == "pending"


def test_a_member_cannot_confirm_after_the_lead_submitted_or_twice(c):
    m1 = _add(c, c.m1)
    decide_membership(m1, actor=c.m1_user, confirm=True)
    with pytest.raises(ConsortiumError, match="已处理过该邀请"):
        decide_membership(m1, actor=c.m1_user, confirm=False, reason="改主意")
    submit_declaration(c.decl, actor=c.lead_user)
    with pytest.raises(ConsortiumError, match="不能修改联合体成员"):
        _add(c, c.m2)


@pytest.mark.parametrize("problem,kwargs,message", [
    ("unregistered", {"credit_code": "91120000MA00000000"}, "尚未在本系统注册"),
    ("self", {}, "牵头单位不需要作为成员单位添加"),
    ("share", {"share": 100}, "1–99"),
    ("role", {"role": " "}, "请填写成员单位承担的任务与分工"),
])
def test_adding_a_member_explains_each_refusal(c, problem, kwargs, message):
    from stdnum.cn import uscc

    code = kwargs.pop("credit_code", c.lead.credit_code)
    if problem == "unregistered":
        code = code[:17] + uscc.calc_check_digit(code[:17])
    args = {"credit_code": code, "role": "分工", "share": 10, **kwargs}
    with pytest.raises(ConsortiumError) as e:
        add_member(c.decl, actor=c.lead_user, **args)
    assert message in e.value.message


def test_shares_leave_the_lead_a_part_and_the_guide_caps_the_members(c):
    _add(c, c.m1, share=60)
    with pytest.raises(ConsortiumError, match="合计须小于 100%"):
        _add(c, c.m2, share=40)
    c.guide.consortium_max_members = 1
    c.guide.save()
    with pytest.raises(ConsortiumError, match="不超过 1 家"):
        _add(c, c.m2, share=10)


def test_a_guide_without_consortia_refuses_members(c, province):
    guide = make_guide(2022)
    decl = complete_declaration(guide, make_org("单独申报公司"), province)
    with pytest.raises(ConsortiumError, match="本指南不接受企业联合体申报"):
        add_member(decl, credit_code=c.m1.credit_code, role="分工", share=10, actor=None)


def test_consortia_cannot_be_closed_while_a_declaration_has_members(c):
    from declarations.guide_admin import GuideEditError, update_guide

    admin = make_user("admin", is_staff=True)
    _add(c, c.m1)
    with pytest.raises(GuideEditError, match="不能取消“允许企业联合体申报”"):
        update_guide(guide=c.guide, actor=admin, changes={"consortium_allowed": False})
    c.decl.members.all().delete()
    assert not update_guide(guide=c.guide, actor=admin, changes={"consortium_allowed": False}).consortium_allowed


def _dcmm_rule(guide, scope, level=3):
    params = {"level": level}
    if scope:
        params["applies_to"] = scope
    return Rule.objects.create(guide=guide, kind=Rule.Kind.DCMM_MIN, params=params)


@pytest.mark.parametrize("scope,lead,m1,m2,ok", [
    (None, 3, 0, 0, True),                 # default: only the lead counts
    ("lead", 2, 5, 5, False),
    ("every_member", 3, 3, 3, True),
    ("every_member", 3, 3, 2, False),
    ("any_member", 0, 0, 3, True),
    ("any_member", 2, 2, 2, False),
])
def test_the_eligibility_scope_of_a_rule_is_guide_data(c, scope, lead, m1, m2, ok):
    for org, level in ((c.lead, lead), (c.m1, m1), (c.m2, m2)):
        org.dcmm_level = level
        org.save()
    for org in (c.m1, c.m2):
        decide_membership(_add(c, org), actor=make_user("applicant", organisation=org), confirm=True)
    rule = _dcmm_rule(c.guide, scope)
    decl = Declaration.objects.get(pk=c.decl.pk)
    failures = [f for f in check_eligibility(decl) if f.rule_id == rule.pk]
    assert (failures == []) is ok
    if scope == "every_member" and not ok:
        assert "成员二智能研究院" in failures[0].message and "全部成员均须满足" in failures[0].message


def test_the_guide_page_says_whom_a_scoped_rule_concerns(client, c):
    _dcmm_rule(c.guide, "every_member")
    page = login(client, c.lead_user).get(reverse("declarations:guide", args=[c.guide.pk])).content.decode()
    assert "联合体申报时：联合体全部成员（含牵头单位）须满足" in page


def test_the_unit_and_the_lead_see_the_members(client, c):
    m1 = _add(c, c.m1, role="负责数据采集平台")
    decide_membership(m1, actor=c.m1_user, confirm=True)
    _add(c, c.m2, role="负责算法模型")
    decide_membership(c.decl.members.get(organisation=c.m2), actor=c.m2_user, confirm=True)
    submit_declaration(c.decl, actor=c.lead_user)
    staff = make_user("unit", unit=c.province)
    page = login(client, staff).get(reverse("quotas:declaration", args=[c.decl.pk])).content.decode()
    for text in ("联合体成员单位", "成员一数据技术有限公司", "负责数据采集平台", "成员二智能研究院", c.m2.credit_code):
        assert text in page
    client.logout()
    detail = login(client, c.lead_user).get(reverse("declarations:detail", args=[c.decl.pk])).content.decode()
    assert "成员一数据技术有限公司" in detail and "成员单位已确认" in detail


def test_the_edit_page_offers_the_member_section_only_where_the_guide_admits_consortia(client, c, province):
    lead = login(client, c.lead_user)
    assert 'id="consortium"' in lead.get(reverse("declarations:edit", args=[c.decl.pk])).content.decode()
    plain = complete_declaration(make_guide(2022), c.lead, province)
    assert 'id="consortium"' not in lead.get(reverse("declarations:edit", args=[plain.pk])).content.decode()


def test_the_dashboard_leads_a_member_to_its_invitations(client, c):
    _add(c, c.m1)
    page = login(client, c.m1_user).get(reverse("declarations:dashboard")).content.decode()
    assert reverse("declarations:consortium_invitations") in page
