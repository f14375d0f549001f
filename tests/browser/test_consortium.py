"""The 2023 shape in Chromium, one journey: a consortium of three organisations declares (the lead adds two
members, each confirms in its own account from its inbox, the lead submits; the province sees the members), and
a demonstration base recommends a project through its province, which confirms it outside its own quota."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from declarations.models import ConsortiumMember, Declaration
from declarations.services import submit_declaration
from quotas.administration import set_unit_setting
from quotas.models import RecommendationList
from tests.factories import PASSWORD, complete_declaration, make_guide, make_org, make_unit, make_user
from units.models import GroupMembership, Unit

from .conftest import browser_login


def _logout(page):
    page.context.clear_cookies()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_consortium_of_three_declares_and_a_base_recommends_through_its_province(page, shot):
    guide = make_guide(2023)
    guide.is_published = True  # its placeholder directions do not matter to this journey
    guide.save(update_fields=["is_published"])
    province = make_unit("天津市工业和信息化局（联合体浏览器测试）", Unit.Kind.PROVINCE, "12")
    lead = make_org("联合牵头浏览器科技有限公司")
    members = [make_org("联合成员甲浏览器数据有限公司"), make_org("联合成员乙浏览器研究院")]
    make_user("applicant", "lead_user", organisation=lead)
    for i, org in enumerate(members, 1):
        make_user("applicant", f"member{i}_user", organisation=org)
    make_user("unit", "province_staff", unit=province)
    # The province keeps one place of its own here; the base has the 2023 file's 3, sent up outside it.
    set_unit_setting(unit=province, guide=guide, quota=1, deadline=None, reason="浏览器测试",
                     actor=make_user("admin", is_staff=True))
    base = make_unit("天津开发区示范基地（浏览器测试）", Unit.Kind.DEMO_BASE, "12", parent=province)
    make_user("unit", "base_staff", unit=base)
    base_org = make_org("基地内浏览器数据公司")
    GroupMembership.objects.create(organisation=base_org, group=base, state="accepted", note="基地内企业",
                                   decided_at=timezone.now())
    base_decl = complete_declaration(guide, base_org, base, direction_code="2", project_name="园区工业数据平台")
    submit_declaration(base_decl, actor=None)
    # The form's content is the applicant journey's subject; here the lead's draft is filled in already.
    decl = complete_declaration(guide, lead, province, direction_code="1", project_name="跨企业数据协同平台",
                                state="draft")
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    # The lead names its two members on the declaration form.
    browser_login(page, "lead_user", PASSWORD)
    page.goto(reverse("declarations:edit", args=[decl.pk]))
    section = page.locator("#consortium")
    for org, role, share in ((members[0], "负责数据采集平台", "30"), (members[1], "负责算法模型研发", "20")):
        section.get_by_label("成员单位统一社会信用代码").fill(org.credit_code)
        section.get_by_label("承担的任务与分工").fill(role)
        section.get_by_label("工作量占比（%）").fill(share)
        section.get_by_role("button", name="添加成员单位").click()
        expect(page.get_by_text(f"已添加成员单位“{org.name}”")).to_be_visible()
    expect(page.locator("#consortium-members tbody tr")).to_have_count(2)
    expect(page.locator("#consortium-members")).to_contain_text("待成员单位确认")
    shot(page, "members-added")

    # Submitting before the members confirmed is refused, naming them.
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("#failures")).to_contain_text("尚未在系统中确认参与")
    expect(page.locator("#failures")).to_contain_text(members[1].name)
    shot(page, "refused-before-confirmation")
    assert [p.split()[0] for p in problems] == ["400"]  # the refusal itself answers 400 by design
    problems.clear()

    # Each member finds the request in its own inbox and confirms it.
    for i in range(1, len(members) + 1):
        _logout(page)
        browser_login(page, f"member{i}_user", PASSWORD)
        page.goto(reverse("core:inbox"))
        expect(page.get_by_text("联合体成员确认：跨企业数据协同平台")).to_be_visible()
        page.get_by_role("button", name="查看详情").first.click()
        card = page.locator(".membership").filter(has_text="跨企业数据协同平台")
        expect(card).to_contain_text(lead.name)
        card.get_by_role("button", name="确认参与").click()
        expect(page.get_by_text("已确认参与该联合体")).to_be_visible()
        expect(card.locator(".membership-state")).to_have_text("成员单位已确认")
        shot(page, f"member{i}-confirmed")

    # The lead submits; the form names the members.
    _logout(page)
    browser_login(page, "lead_user", PASSWORD)
    page.goto(reverse("declarations:edit", args=[decl.pk]))
    expect(page.locator("#consortium-members")).not_to_contain_text("待成员单位确认")
    page.get_by_role("button", name="提交申报").click(timeout=90000)
    expect(page.get_by_text("申报已提交，请等待推荐单位形式审查。")).to_be_visible(timeout=90000)
    expect(page.locator("#consortium-members-list")).to_contain_text(members[0].name)
    shot(page, "submitted")

    # The province's clerk sees the members on its check page.
    _logout(page)
    browser_login(page, "province_staff", PASSWORD)
    page.goto(reverse("quotas:declaration", args=[decl.pk]))
    expect(page.locator("#consortium-members-list")).to_contain_text(members[1].name)
    expect(page.locator("#consortium-members-list")).to_contain_text("负责算法模型研发")
    shot(page, "unit-check-page")

    # The province passes the consortium's declaration (its own applicant).
    page.on("dialog", lambda d: d.accept())  # passing asks first
    page.goto(reverse("quotas:workspace") + f"?guide={guide.pk}")
    page.locator(f'tr[data-declaration="{decl.pk}"]').get_by_role("button", name="通过").click()
    expect(page.locator(".alert-success")).to_contain_text("形式审查通过")
    _logout(page)

    # The base checks, recommends and confirms its project: its list goes up to the province.
    browser_login(page, "base_staff", PASSWORD)
    page.goto(reverse("quotas:workspace") + f"?guide={guide.pk}")
    page.locator(f'tr[data-declaration="{base_decl.pk}"]').get_by_role("button", name="通过").click()
    expect(page.locator(".alert-success")).to_contain_text("形式审查通过")
    page.get_by_role("link", name=re.compile("推荐排序与确认")).first.click()
    expect(page.locator('[data-counter="quota"]')).to_have_text("3")
    page.locator(f'#ranking-table tr[data-declaration="{base_decl.pk}"]').get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="used"]')).to_have_text("1")
    page.get_by_role("button", name="确认推荐名单").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(province.name)
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    dialog.get_by_role("button", name="确认并锁定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("推荐名单已确认")
    shot(page, "base-confirmed")
    _logout(page)

    # The province recommends its own project (its one place) and the base's (outside it), and confirms.
    browser_login(page, "province_staff", PASSWORD)
    page.goto(reverse("quotas:ranking") + f"?guide={guide.pk}")
    row = lambda d: page.locator(f'#ranking-table tr[data-declaration="{d.pk}"]')  # noqa: E731
    expect(row(base_decl)).to_contain_text("基地另行推荐，不占名额")
    row(decl).get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="used"]')).to_have_text("1")
    expect(page.locator('[data-counter="left"]')).to_have_text("0")
    row(base_decl).get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="recommended"]')).to_have_text("2")
    expect(page.locator('[data-counter="used"]')).to_have_text("1")  # still one: the base's is outside the quota
    expect(page.locator('[data-counter="extra"]')).to_contain_text("其中示范基地另行推荐 1 个")
    shot(page, "province-ranked")
    page.get_by_role("button", name="确认推荐名单").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    dialog.get_by_role("button", name="确认并锁定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("推荐名单已确认")
    shot(page, "province-confirmed")

    assert problems == []
    assert set(ConsortiumMember.objects.filter(declaration=decl).values_list("state", flat=True)) == {"confirmed"}
    assert RecommendationList.objects.get(unit=province, guide=guide).is_confirmed
    assert set(Declaration.objects.filter(pk__in=[decl.pk, base_decl.pk]).values_list("state", flat=True)) == {
        "recommended"}
