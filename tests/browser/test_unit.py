"""A unit clerk checks, returns, ranks and confirms a list in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from quotas.models import RecommendationList
from tests.factories import PASSWORD
from quotas.administration import set_unit_setting
from tests.quotas.conftest import close_districts, passed, submitted

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_clerk_checks_returns_ranks_and_confirms(page, shot, personas):
    p = personas  # district_b (河西区): 2 places; DCMM ≥3 does not take one
    first = submitted(p.guide, p.district_b, name="河西一号数据公司")
    second = submitted(p.guide, p.district_b, name="河西二号数据公司", dcmm=3)
    third = submitted(p.guide, p.district_b, name="河西三号数据公司")
    faulty = submitted(p.guide, p.district_b, name="河西四号数据公司")

    browser_login(page, p.district_b_staff.username, PASSWORD)
    expect(page.get_by_role("heading", name="形式审查")).to_be_visible()
    expect(page.locator("#declarations-table")).to_contain_text("河西四号数据公司")
    shot(page, "workspace")

    # formal check: three pass from the list, one is returned with a reason from its page
    page.on("dialog", lambda d: d.accept())  # pass and return ask first
    for decl in (first, second, third):
        page.locator(f'tr[data-declaration="{decl.pk}"]').get_by_role("button", name="通过").click()
        expect(page.locator(".alert-success")).to_contain_text("形式审查通过")
    page.locator(f'tr[data-declaration="{faulty.pk}"]').get_by_role("link", name="退回").click()
    page.get_by_label("退回理由（申报单位可见）").fill("缺少应用案例的用户证明，请补充后重新提交")
    page.get_by_role("button", name="退回修改").click()
    expect(page.locator(".alert-success")).to_contain_text("已退回")
    expect(page.locator(f'tr[data-declaration="{faulty.pk}"]')).to_contain_text("退回修改")
    shot(page, "checked")

    # ranking: the counter moves with each recommendation, without reloading the page
    page.get_by_role("link", name=re.compile("推荐排序与确认")).first.click()
    used, left, exempt = (page.locator(f'[data-counter="{k}"]') for k in ("used", "left", "exempt"))
    expect(used).to_have_text("0")
    expect(left).to_have_text("2")
    row = lambda d: page.locator(f'#ranking-table tr[data-declaration="{d.pk}"]')  # noqa: E731
    row(first).get_by_role("button", name="推荐").click()
    expect(used).to_have_text("1")
    row(second).get_by_role("button", name="推荐").click()
    expect(exempt).to_have_text("1")
    expect(used).to_have_text("1")
    page.evaluate("window.stillTheSamePage = true")
    row(third).get_by_role("button", name="推荐").click()
    expect(used).to_have_text("2")
    expect(left).to_have_text("0")
    assert page.evaluate("window.stillTheSamePage === true")  # swapped in place by htmx, no reload
    shot(page, "ranked")
    row(third).get_by_role("button", name=re.compile("上移")).click()
    expect(page.locator("#ranking-table tbody tr").nth(1)).to_have_attribute("data-declaration", str(third.pk))

    # confirm through the dialog with the password
    page.get_by_role("button", name="确认推荐名单").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("将推荐 3 个项目")
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    shot(page, "confirm-dialog")
    dialog.get_by_role("button", name="确认并锁定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("推荐名单已确认")
    expect(page.get_by_role("button", name="下载推荐名单（Excel）")).to_be_visible()
    expect(page.get_by_role("button", name="推荐", exact=True)).to_have_count(0)
    shot(page, "confirmed")

    rl = RecommendationList.objects.get(unit=p.district_b, guide=p.guide)
    assert rl.is_confirmed
    assert list(rl.entries.filter(recommended=True).values_list("declaration_id", flat=True)) == [
        first.pk, third.pk, second.pk]
    # The workbook is built in the background: its page shows the file when ready.
    page.get_by_role("button", name="下载推荐名单（Excel）").click()
    expect(page.locator("#export-status")).to_have_attribute("data-state", "done", timeout=15000)
    with page.expect_download() as download:
        page.locator("#export-status").get_by_role("link").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def test_the_city_confirms_only_after_its_district(page, shot, personas):
    """Issue 12: Binhai still works within its deadline, so Tianjin is refused; Binhai confirms; then Tianjin."""
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=5, deadline=None, reason="天津市名额", actor=p.admin)
    close_districts(p, p.district_b)  # Hexi let its deadline pass without sending anything
    top = passed(p.guide, p.district_a, p.district_a_staff, name="滨海一号数据公司")
    second = passed(p.guide, p.district_a, p.district_a_staff, name="滨海二号数据公司")

    # The city tries first: the page names the district it waits for and does not ask for the password.
    browser_login(page, p.city_staff.username, PASSWORD)
    page.goto(f"/unit/ranking/?guide={p.guide.pk}")
    blockers = page.locator("#confirm-blockers")
    expect(blockers).to_contain_text("下级单位尚未确认推荐名单且未到其截止时间")
    expect(blockers).to_contain_text(p.district_a.name)
    expect(page.get_by_role("button", name="确认推荐名单")).to_be_disabled()
    expect(page.locator(f'[data-child-unit="{p.district_a.pk}"]').first).to_contain_text("未确认（截止前，须等待）")
    shot(page, "city-refused")
    page.context.clear_cookies()

    # Binhai ranks its second-submitted project first and confirms.
    browser_login(page, p.district_a_staff.username, PASSWORD)
    page.goto(f"/unit/ranking/?guide={p.guide.pk}")
    row = lambda d: page.locator(f'#ranking-table tr[data-declaration="{d.pk}"]')  # noqa: E731
    row(top).get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="used"]')).to_have_text("1")
    row(second).get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="used"]')).to_have_text("2")
    row(second).get_by_role("button", name=re.compile("上移")).click()
    expect(page.locator("#ranking-table tbody tr").first).to_have_attribute("data-declaration", str(second.pk))
    page.get_by_role("button", name="确认推荐名单").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(p.city.name)
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    dialog.get_by_role("button", name="确认并锁定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("推荐名单已确认")
    shot(page, "district-confirmed")
    page.context.clear_cookies()

    # The city now sees Binhai's order, keeps it, and confirms; the dialog lists each district's state.
    browser_login(page, p.city_staff.username, PASSWORD)
    page.goto(f"/unit/ranking/?guide={p.guide.pk}")
    expect(page.locator("#confirm-blockers")).to_have_count(0)
    expect(page.locator("#ranking-table tbody tr").first).to_have_attribute("data-declaration", str(second.pk))
    expect(row(second)).to_contain_text("区级排序第 1 位")
    expect(row(top)).to_contain_text("区级排序第 2 位")
    row(second).get_by_role("button", name="推荐").click()
    expect(page.locator('[data-counter="used"]')).to_have_text("1")
    page.get_by_role("button", name="确认推荐名单").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.locator(f'[data-child-unit="{p.district_a.pk}"]')).to_contain_text("已确认报送")
    expect(dialog.locator(f'[data-child-unit="{p.district_b.pk}"]')).to_contain_text("未确认（已过截止时间）")
    shot(page, "city-confirm-dialog")
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    dialog.get_by_role("button", name="确认并锁定名单").click()
    expect(page.locator(".alert-success")).to_contain_text("推荐名单已确认")
    shot(page, "city-confirmed")
    assert RecommendationList.objects.get(unit=p.city, guide=p.guide).is_confirmed
