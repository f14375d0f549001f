"""A person registers an organisation and submits a 2022-guide declaration in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from declarations.models import Declaration, Organisation
from tests.factories import credit_code, make_guide, make_unit
from units.models import Unit

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_fill_in_and_submit_a_2022_declaration(page, shot, tmp_path):
    guide = make_guide(2022)
    city = make_unit("天津市工业和信息化局（浏览器测试）", Unit.Kind.PROVINCE, "12")
    district = make_unit("滨海新区工业和信息化局（浏览器测试）", Unit.Kind.DISTRICT, "12", parent=city)
    code = credit_code(777001, division="120116")  # registered in 滨海新区: its unit is the Binhai district
    problems = []  # script errors, CSP refusals and server errors would mean a page silently lost its behaviour
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    # Register the organisation and its first user.
    page.goto("/accounts/register/")
    page.get_by_label("单位名称").fill("天津浏览器数据科技有限公司")
    page.get_by_label("统一社会信用代码").fill(code[:17] + ("0" if code[-1] != "0" else "1"))
    page.get_by_label("单位类型").select_option(label="企业")
    # Leaving the code field proposes the place from characters 3–8 (滨海新区 120116).
    expect(page.locator("#id_division")).to_have_value("120116")
    page.get_by_label("所在省级地区").select_option(label="天津市")
    page.get_by_label("属于工业企业").check()
    page.get_by_label("联系人姓名").fill("王五")
    page.get_by_label("联系人手机").fill("13911112222")
    page.get_by_label("电子邮箱").fill("wangwu@example.com")
    page.get_by_label("登录名").fill("wangwu")
    page.locator("#id_password1").fill("Wangwu#2026-pass")
    page.locator("#id_password2").fill("Wangwu#2026-pass")
    page.get_by_role("button", name="注册").click()
    # A wrong check character is named, and what was typed stays.
    expect(page.get_by_text("统一社会信用代码校验位不正确，请核对最后一位")).to_be_visible()
    expect(page.get_by_label("单位名称")).to_have_value("天津浏览器数据科技有限公司")
    shot(page, "register-error")
    page.get_by_label("统一社会信用代码").fill(code)
    page.locator("#id_password1").fill("Wangwu#2026-pass")
    page.locator("#id_password2").fill("Wangwu#2026-pass")
    page.get_by_role("button", name="注册").click()
    expect(page.get_by_text("注册成功，欢迎使用。")).to_be_visible()
    expect(page.locator(".open-guide").filter(has_text=guide.title).locator(".time-left")).to_contain_text("距截止还有")
    shot(page, "dashboard")

    # Start the declaration and fill it in as a person would.
    page.locator(".open-guide").filter(has_text=guide.title).get_by_role("button", name="开始申报").click()
    expect(page.get_by_text("输入内容将自动保存")).to_be_visible()
    page.get_by_label("项目名称").press_sequentially("港口物流大数据分析平台", delay=10)
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10000)
    shot(page, "autosaved")
    # The data-owner / service-provider question appears only for the directions that ask it.
    expect(page.get_by_label("申报主体角色")).to_be_hidden()
    page.get_by_label("申报方向").select_option(label="1. 数据管理能力提升（数据要素市场培育）")
    expect(page.get_by_label("申报主体角色")).to_be_visible()
    page.get_by_label("申报方向").select_option(label="4. 大数据重点产品（大数据重点产品和服务）")
    expect(page.get_by_label("申报主体角色")).to_be_hidden()
    page.get_by_label("建设状态").select_option(label="已建")
    expect(page.get_by_text(f"按贵单位所在地（天津市滨海新区）确定为“{district.name}”")).to_be_visible()
    page.get_by_label("推荐单位").select_option(label=f"{district.name}（区县主管部门）")
    summary = page.get_by_label("项目简介")
    expect(page.locator("#id_summary-counter")).to_have_text("已输入 0 / 2000 字")
    summary.press_sequentially("面向港口物流")
    expect(page.locator("#id_summary-counter")).to_have_text("已输入 6 / 2000 字")  # counts as you type
    summary.fill("面向港口物流的数据采集、治理与分析平台。")
    expect(page.locator("#id_summary-counter")).to_have_text("已输入 20 / 2000 字")
    page.get_by_label("技术先进性与关键创新点").fill("实时流处理与多源数据融合。")
    page.get_by_role("button", name="+ 添加一项知识产权").click()
    page.get_by_label("类型（专利/软件著作权等） 1").fill("软件著作权")
    page.get_by_label("名称 1", exact=True).fill("港口数据分析平台V1.0")
    page.get_by_label("登记号/专利号 1").fill("2021SR0123456")
    for i in range(1, 6):
        page.get_by_role("button", name="+ 添加一个案例").click()
        page.get_by_label(f"案例名称 {i}").fill(f"第{i}号码头应用")
        page.get_by_label(f"应用单位 {i}").fill(f"天津港第{i}公司")
    expect(page.locator(".rowlist-count").last).to_have_text("已填写 5 个")
    page.get_by_label("经济效益和社会效益").fill("年节约成本约两千万元。")
    page.get_by_label("推广价值").fill("可推广至沿海港口。")
    page.get_by_label("本单位已在工业和信息化部运行监测系统完成 2021 年度统计报表填报").check()
    page.get_by_label("统计报表年度").fill("2021")
    page.get_by_label("推广价值").click()  # leave the field, as a person moving on would
    expect(page.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10000)
    shot(page, "filled-in")

    # Upload the evidence; typing is saved first, the page comes back with the file listed.
    # The checklist says the licence is still missing, then ticks it once uploaded.
    licence = page.locator('.attachment-checklist [data-kind="business_licence"]')
    expect(licence).to_have_attribute("data-done", "0")
    pdf = tmp_path / "营业执照.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("附件类型").select_option(label="营业执照或法人登记证书（必传）（不向匿名评审专家展示）")
    page.get_by_label("选择文件（PDF/JPG/PNG）").set_input_files(str(pdf))
    page.get_by_label("材料说明").fill("营业执照副本")
    page.get_by_role("button", name="上传").click()
    expect(page.get_by_text("附件“营业执照.pdf”已上传")).to_be_visible()
    expect(licence).to_have_attribute("data-done", "1")
    expect(page.get_by_label("项目名称")).to_have_value("港口物流大数据分析平台")
    expect(page.locator(".rowlist-count").last).to_have_text("已填写 5 个")
    shot(page, "uploaded")

    # Without a broker, Celery renders the application form (PDF) in-process on commit: allow it time.
    page.get_by_role("button", name="提交申报").click(timeout=90000)
    expect(page.get_by_text("申报已提交，请等待推荐单位形式审查。")).to_be_visible(timeout=90000)
    expect(page.locator("#decl-state")).to_contain_text("已提交，待形式审查")
    expect(page.get_by_role("link", name="撤回申报")).to_be_visible()  # opens the confirmation page
    expect(page.get_by_role("link", name="营业执照.pdf")).to_be_visible()
    shot(page, "submitted")

    assert problems == []
    org = Organisation.objects.get(credit_code=code)
    decl = Declaration.objects.get(organisation=org, guide=guide)
    assert decl.state == "submitted" and decl.unit == district
    assert len(decl.cases) == 5 and decl.ip_items[0]["title"] == "港口数据分析平台V1.0"
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", decl.attachments.get().file.name.rsplit("/", 1)[1])
