"""An admin prepares next year's guide from last year's in a real browser, then looks at the dashboard."""

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook
from playwright.sync_api import expect

from declarations.models import Guide, Rule
from quotas.models import QuotaRule
from tests.factories import PASSWORD, complete_declaration
from units.models import Unit

from .conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_copies_edits_imports_previews_and_publishes(page, shot, personas, tmp_path):
    source = personas.guide
    browser_login(page, personas.admin.username, PASSWORD)
    page.goto("/manage/guides/")
    expect(page.get_by_role("heading", name="申报指南管理")).to_be_visible()
    page.get_by_role("link", name="复制往年指南生成新指南").click()
    page.get_by_label("复制哪一年的指南").select_option(str(source.pk))
    page.get_by_label("新指南年度").fill("2031")
    page.get_by_label("新指南标题").fill("2031年大数据产业发展试点示范项目申报指南")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("已生成新指南")
    copy = Guide.objects.get(year=2031)
    shot(page, "copied")

    # a direction in the copy is renamed, a rule added with structured fields
    page.locator('tr[data-direction-code="4"]').get_by_role("link", name="修改").click()
    page.locator("input[name=name]").fill("大数据重点产品（2031）")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("方向已保存")
    page.get_by_role("link", name="新增申报条件").click()
    page.get_by_label("规则类型").select_option("stats_report")
    expect(page.get_by_label("DCMM 最低等级")).to_be_hidden()
    page.get_by_label("统计报表年度").fill("2030")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success")).to_contain_text("申报条件已保存")

    # spreadsheet import: a bad row first, then a good file
    wb = Workbook()
    wb.active.append(["领域编号", "领域名称", "方向编号", "方向名称", "需求要点", "实施内容", "应用成效"])
    wb.active.append(["四", "数据安全", "", "数据安全治理", "", "", ""])
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    page.get_by_role("link", name="从表格导入方向").click()
    page.get_by_label("方向表格（.xlsx）").set_input_files(str(bad))
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator("#import-errors")).to_contain_text("第 2 行")
    expect(page.get_by_role("button", name="确认导入")).to_have_count(0)
    wb.active["C2"] = "9"
    good = tmp_path / "good.xlsx"
    wb.save(good)
    page.get_by_label("方向表格（.xlsx）").set_input_files(str(good))
    page.get_by_role("button", name="上传并检查").click()
    page.get_by_role("button", name="确认导入").click()
    expect(page.locator(".alert-success")).to_contain_text("新增 1 个方向")
    shot(page, "imported")

    page.get_by_role("link", name="以申报单位视角预览").click()
    expect(page.get_by_text("大数据重点产品（2031）")).to_be_visible()
    expect(page.get_by_text("数据安全治理")).to_be_visible()
    shot(page, "preview")
    page.get_by_role("link", name="返回管理").click()
    # The publish checklist refuses a copy without its document number and deadlines.
    expect(page.get_by_role("button", name="发布指南")).to_be_disabled()
    expect(page.get_by_text("请填写指南文号")).to_be_visible()
    copy.refresh_from_db()
    copy.doc_number = "工信厅信发函〔2031〕1号"
    copy.applicant_deadline = timezone.now() + timedelta(days=30)
    copy.unit_deadline = timezone.now() + timedelta(days=45)
    copy.save(update_fields=["doc_number", "applicant_deadline", "unit_deadline"])
    # Last year's statistics-report rule came with the copy: it is switched off (the new one above asks for 2030),
    # and the provinces get a quota (the 2022 data gave Tianjin's districts theirs only).
    copy.rules.filter(kind=Rule.Kind.STATS_REPORT, params__report_year=2021).update(is_active=False)
    QuotaRule.objects.update_or_create(guide=copy, unit_kind=Unit.Kind.PROVINCE, defaults={"quota": 10})
    page.reload()
    page.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    page.get_by_role("button", name="发布指南").click()
    expect(page.locator(".alert-success")).to_contain_text("指南已发布")
    copy.refresh_from_db()
    assert copy.is_published and copy.directions.count() == 9


def test_dashboard_draws_its_charts_under_the_csp(page, shot, personas):
    complete_declaration(personas.guide, personas.org_a, personas.city, state="submitted")
    errors = []  # script errors, CSP refusals, and failed loads other than the browser's favicon probe
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    browser_login(page, personas.admin.username, PASSWORD)
    page.goto(f"/ministry/dashboard/?guide={personas.guide.pk}")
    expect(page.get_by_role("heading", name="统计看板")).to_be_visible()
    drawn = page.evaluate("() => ['chart-states','chart-directions','chart-regions']"
                          ".map(id => !!echarts.getInstanceByDom(document.getElementById(id)))")
    assert drawn == [True, True, True]
    # The cartogram: 32 squares, the city's one submitted declaration on Tianjin's.
    tiles = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-regions'))"
                          ".getOption().series[0].data.map(d => [d.key, d.n])")
    assert len(tiles) == 32 and dict(tiles)["12"] == 1 and sum(n for _k, n in tiles) == 1
    # Hovering Tianjin's square shows its tooltip (built by script, allowed by the CSP) with the same number.
    x, y = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-regions'))"
                         ".convertToPixel({seriesIndex: 0}, [7, 3])")
    page.locator("#chart-regions").scroll_into_view_if_needed()
    box = page.locator("#chart-regions").bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    expect(page.locator("#chart-regions")).to_contain_text("天津市：1")
    assert not errors, errors
    shot(page, "dashboard")
