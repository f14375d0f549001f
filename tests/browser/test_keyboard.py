"""Keyboard only: an applicant signs in, starts, fills in, attaches evidence to and submits a declaration
without touching the mouse (GB/T 37668-2019: every function operable from the keyboard). Only Tab, Shift+Tab,
arrow keys, Space, Enter and typing are used; no click() or fill()."""

import pytest
from playwright.sync_api import expect

from declarations.models import Declaration
from tests.factories import PASSWORD, make_guide, make_org, make_unit, make_user
from units.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
# The accessible name of the focused element: its aria-label, its <label>s (less the required-field star),
# else its text.
NAME = """el => (el.getAttribute('aria-label') || (el.labels && el.labels.length
    ? Array.from(el.labels).map(l => l.textContent).join(' ') : el.textContent) || '')
    .replace(/\\s+/g, ' ').trim().replace(/\\s*\\*$/, '')"""


def focused_name(page):
    return page.evaluate(f"() => document.activeElement ? ({NAME})(document.activeElement) : ''")


def tab_to(page, name, *, exact=True, limit=250):
    """Press Tab until the focused element's accessible name is `name` (or starts with it); an element that
    already has the focus (autofocus) counts."""
    def hit(current):
        return current == name or (not exact and current.startswith(name))

    if hit(focused_name(page)):
        return
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        current = focused_name(page)
        seen.append(current)
        if hit(current):
            return
    raise AssertionError(f"“{name}” cannot be reached with the Tab key; seen: {seen[:40]}")


def type_into(page, name, text, **kw):
    tab_to(page, name, **kw)
    page.keyboard.type(text, delay=5)


def choose(page, name, option_prefix):
    """Arrow down through a focused <select> until the chosen option starts with `option_prefix`."""
    tab_to(page, name, exact=False)
    for _ in range(60):
        if page.evaluate("() => document.activeElement.selectedOptions[0]?.textContent.trim() || ''") \
                .startswith(option_prefix):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option “{option_prefix}” in “{name}”")


def test_an_applicant_submits_a_declaration_with_the_keyboard_alone(page, shot, tmp_path):
    guide = make_guide(2022)
    city = make_unit("天津市工业和信息化局（键盘测试）", Unit.Kind.PROVINCE, "12")
    district = make_unit("滨海新区工业和信息化局（键盘测试）", Unit.Kind.DISTRICT, "12", parent=city)
    org = make_org("天津键盘数据科技有限公司", region="12", division=district.division)
    make_user("applicant", "keyboard_user", organisation=org, email="kb@example.com")

    page.goto("/accounts/login/")
    type_into(page, "用户名", "keyboard_user")
    type_into(page, "密码", PASSWORD)
    page.keyboard.press("Enter")
    expect(page.locator(".open-guide").filter(has_text=guide.title)).to_be_visible()

    tab_to(page, "开始申报")
    page.keyboard.press("Enter")
    expect(page.get_by_text("输入内容将自动保存")).to_be_visible()
    type_into(page, "项目名称", "港口物流大数据分析平台")
    choose(page, "申报方向", "4.")
    choose(page, "建设状态", "已建")
    choose(page, "推荐单位", district.name)
    type_into(page, "项目简介", "面向港口物流的数据采集、治理与分析平台。")
    type_into(page, "技术先进性与关键创新点", "实时流处理与多源数据融合。")
    tab_to(page, "+ 添加一项知识产权")
    page.keyboard.press("Enter")
    type_into(page, "类型（专利/软件著作权等） 1", "软件著作权")
    type_into(page, "名称 1", "港口数据分析平台V1.0")
    type_into(page, "登记号/专利号 1", "2021SR0123456")
    for i in range(1, 6):
        tab_to(page, "+ 添加一个案例")
        page.keyboard.press("Enter")
        type_into(page, f"案例名称 {i}", f"第{i}号码头应用")
        type_into(page, f"应用单位 {i}", f"天津港第{i}公司")
    type_into(page, "经济效益和社会效益", "年节约成本约两千万元。")
    type_into(page, "推广价值", "可推广至沿海港口。")
    tab_to(page, "本单位已在工业和信息化部运行监测系统", exact=False)
    page.keyboard.press("Space")
    type_into(page, "统计报表年度", "2021", exact=False)
    page.keyboard.press("Tab")  # leave the field, as a person moving on would
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10000)
    shot(page, "keyboard-filled-in")

    pdf = tmp_path / "营业执照.pdf"
    pdf.write_bytes(PDF)
    choose(page, "附件类型", "营业执照")
    tab_to(page, "选择文件", exact=False)
    # The operating system's file dialog is outside the page; the file is handed to the focused input directly.
    assert page.evaluate("document.activeElement.id") == "id_file"
    page.locator("#id_file").set_input_files(str(pdf))
    type_into(page, "材料说明", "营业执照", exact=False)
    tab_to(page, "上传")
    page.keyboard.press("Enter")
    expect(page.get_by_text("附件“营业执照.pdf”已上传")).to_be_visible()

    tab_to(page, "提交申报")
    page.keyboard.press("Enter")
    expect(page.get_by_text("申报已提交，请等待推荐单位形式审查。")).to_be_visible(timeout=90000)
    shot(page, "keyboard-submitted")
    decl = Declaration.objects.get(organisation=org, guide=guide)
    assert decl.state == "submitted" and decl.unit == district and len(decl.cases) == 5
