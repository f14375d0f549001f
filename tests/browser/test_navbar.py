"""The ministry's navbar at common office widths: no horizontal scrollbar and the user menu in view.
Screenshots go to var/screenshots/ (gitignored) for people to look at."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("width", [1366, 1280])
def test_ministry_navbar_fits_and_its_groups_open(page, personas, width):
    page.set_viewport_size({"width": width, "height": 800})
    browser_login(page, personas.admin.username, PASSWORD)
    page.goto("/ministry/")
    expect(page.get_by_role("heading", name="主管部门工作台")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0, "horizontal scrollbar"
    menu = page.locator("#user-menu")
    expect(menu).to_be_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"navbar-ministry-{width}.png"))
    # the grouped items are one click (or Enter) away
    page.get_by_role("button", name="专家评审").click()
    page.locator("#mainnav").get_by_role("link", name="评分表").click()
    expect(page.get_by_role("heading", name="评分表")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0
    menu.click()
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / f"navbar-ministry-{width}-usermenu.png"))
