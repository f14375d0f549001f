"""One year of the programme, end to end, as the people involved would do it in a real browser.

admin copies last year's guide, sets deadlines, publishes → an applicant registers, fills in,
uploads, submits and downloads its application form → the unit clerk returns it, the applicant
fixes and resubmits, the clerk passes, ranks, confirms (password) and downloads the letter →
admin builds a panel and assigns reviewers → a reviewer scores → admin ranks, selects, opens the
public notice and publishes → the public results page lists the project and the verification
page of each printed form says whether it is current.

Only what nobody can do in the UI is set up in Python: last year's guide (with a quota rule for
provincial units), the recommending unit and its clerk's account, the admin and a reviewer with
a profile. Everyone works in their own browser context; each step leaves a screenshot under
var/test-artifacts/test_one_year_through_every_role/.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from declarations.loading import load_guide, read_guide_data
from declarations.models import Declaration, Guide
from documents.models import Document
from documents.signing import create_self_signed_p12
from quotas.models import RecommendationList
from review.models import Review, ReviewSettings
from tests.factories import PASSWORD, credit_code, make_unit, make_user
from tests.review.conftest import make_reviewer
from units.models import Unit

from .conftest import browser_login

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
RENDER = 120_000  # ms: a PDF is laid out with CJK fonts and signed; slow machines need the time
P12_PASSWORD = "full-cycle-signer"


@pytest.fixture
def signing(settings, tmp_path):
    """The application form and the letter are signed: a throwaway certificate for this test."""
    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "signer.p12", P12_PASSWORD,
                                                           common_name="全流程测试签章证书"))
    settings.SIGNING_P12_PASSWORD = P12_PASSWORD
    settings.SITE_URL = "https://sbxt.example.gov.cn"


@pytest.fixture
def person(browser, live_server):
    """person() opens a fresh browser (context) for one more person; all are closed at the end."""
    contexts = []

    def open_browser():
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url,
                                      accept_downloads=True)
        context.set_default_timeout(20000)
        contexts.append(context)
        pg = context.new_page()
        problems = []  # server errors and script errors mean a page silently lost its behaviour
        pg.on("pageerror", lambda e: problems.append(str(e)))
        pg.on("response", lambda r: problems.append(f"{r.status} {r.url}")
              if r.status >= 500 else None)
        pg.problems = problems
        return pg

    yield open_browser
    for context in contexts:
        context.close()


def _fresh_password(page):
    field = page.get_by_label("请输入登录密码以确认")
    if field.count():
        field.fill(PASSWORD)


def _local(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_one_year_through_every_role(person, shot, signing, tmp_path):
    now = timezone.now()
    this_year = timezone.localdate().year

    # --- what only an operator can set up -------------------------------------------------------
    # Last year's guide (the 2022 structure), closed long ago; provincial units had 5 places.
    data = read_guide_data(2022)
    data["year"] = this_year - 1
    data["quotas"] = [*data["quotas"], {"unit_kind": "province", "quota": 5}]
    last_year = load_guide(data, title=f"{this_year - 1}年大数据产业发展试点示范项目申报指南",
                           applicant_deadline=now - timedelta(days=400), unit_deadline=now - timedelta(days=390))
    # A top-level unit: its confirmed list goes straight to the ministry.
    unit = make_unit("天津市工业和信息化局（全流程）", Unit.Kind.PROVINCE, "12", parent=None)
    make_user("unit", "tj_clerk", unit=unit, full_name="孙科员")
    make_user("admin", "ministry_admin", is_staff=True)
    make_reviewer("reviewer_zhou", name="周评审", employer="南开大学", region="11")

    admin, applicant, clerk, reviewer, public = (person() for _ in range(5))

    # --- 1. the ministry copies last year's guide, sets this year's deadlines, publishes ----------
    browser_login(admin, "ministry_admin", PASSWORD)
    admin.goto("/manage/guides/")
    expect(admin.get_by_role("heading", name="申报指南管理")).to_be_visible()
    admin.get_by_role("link", name="复制往年指南生成新指南").click()
    admin.get_by_label("复制哪一年的指南").select_option(str(last_year.pk))
    expect(admin.get_by_label("新指南年度")).to_have_value(str(this_year))  # offered: the year after
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".alert-success")).to_contain_text("已生成新指南")
    guide = Guide.objects.get(year=this_year)
    assert guide.title == f"{this_year}年大数据产业发展试点示范项目申报指南" and guide.copied_from == last_year
    # The checklist: last year's dates moved one year on are still in the past, the copy has no document
    # number yet and still asks for last year's statistics report. Publishing waits for all three.
    checklist = admin.locator("#publish-checklist")
    expect(checklist).to_contain_text("申报截止时间已过")
    expect(checklist).to_contain_text("请填写指南文号")
    expect(checklist).to_contain_text(f"统计报表年度应为 {this_year - 1} 年")
    expect(admin.get_by_role("button", name="发布指南")).to_be_disabled()
    shot(admin, "admin-guide-copied")

    admin.get_by_role("link", name="修改基本信息").click()
    admin.get_by_label("文号").fill(f"工信厅信发函〔{this_year}〕71号")
    admin.get_by_label("申报截止时间").fill(_local(now + timedelta(days=30)))
    admin.get_by_label("推荐单位确认截止时间").fill(_local(now + timedelta(days=45)))
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".alert-success")).to_contain_text("指南信息已保存")
    # the statistics-report rule (not the attachment kind of the same name)
    admin.locator("tr:not([data-kind])").filter(has_text="统计报表").get_by_role("link", name="修改").click()
    admin.get_by_label("统计报表年度").fill(str(this_year - 1))
    admin.get_by_label("不符合时的提示").fill(f"申报单位须已完成{this_year - 1}年度软件和信息技术服务业统计年报的报送工作")
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator("#publish-checklist [data-check='fail']")).to_have_count(0)
    admin.get_by_label("请输入登录密码以确认").fill(PASSWORD)  # publishing asks for the password
    admin.get_by_role("button", name="发布指南").click()
    expect(admin.locator(".alert-success")).to_contain_text("指南已发布")
    shot(admin, "admin-guide-published")
    guide.refresh_from_db()
    assert guide.is_published and guide.directions.count() == last_year.directions.count()

    # --- 2. an applicant registers, fills in, uploads and submits -------------------------------
    code = credit_code(880001)
    applicant.goto("/accounts/register/")
    applicant.get_by_label("单位名称").fill("天津全流程数据科技有限公司")
    applicant.get_by_label("统一社会信用代码").fill(code)
    applicant.get_by_label("单位类型").select_option(label="企业")
    applicant.get_by_label("所在省级地区").select_option(label="天津市")
    applicant.get_by_label("属于工业企业").check()
    applicant.get_by_label("联系人姓名").fill("钱六")
    applicant.get_by_label("联系人手机").fill("13922223333")
    applicant.get_by_label("电子邮箱").fill("qianliu@example.com")
    applicant.get_by_label("登录名").fill("qianliu")
    applicant.locator("#id_password1").fill("Qianliu#2026-pass")
    applicant.locator("#id_password2").fill("Qianliu#2026-pass")
    applicant.get_by_role("button", name="注册").click()
    expect(applicant.get_by_text("注册成功，欢迎使用。")).to_be_visible()
    open_guide = applicant.locator(".open-guide").filter(has_text=guide.title)
    expect(open_guide.locator(".time-left")).to_contain_text("距截止还有")
    expect(applicant.locator(".open-guide").filter(has_text=last_year.title)).to_have_count(0)
    shot(applicant, "applicant-registered")

    open_guide.get_by_role("button", name="开始申报").click()
    expect(applicant.get_by_text("输入内容将自动保存")).to_be_visible()
    applicant.get_by_label("项目名称").fill("全流程工业数据治理平台")
    applicant.get_by_label("申报方向").select_option(label="4. 大数据重点产品（大数据重点产品和服务）")
    applicant.get_by_label("建设状态").select_option(label="已建")
    applicant.get_by_label("推荐单位").select_option(label=f"{unit.name}（省级主管部门）")
    applicant.get_by_label("项目简介").fill("面向制造企业的数据采集、治理与分析平台。")
    applicant.get_by_label("技术先进性与关键创新点").fill("多源异构数据实时融合。")
    applicant.get_by_role("button", name="+ 添加一项知识产权").click()
    applicant.get_by_label("类型（专利/软件著作权等） 1").fill("软件著作权")
    applicant.get_by_label("名称 1", exact=True).fill("工业数据治理平台V2.0")
    applicant.get_by_label("登记号/专利号 1").fill("2025SR0456789")
    for i in range(1, 6):
        applicant.get_by_role("button", name="+ 添加一个案例").click()
        applicant.get_by_label(f"案例名称 {i}").fill(f"第{i}号工厂应用")
        applicant.get_by_label(f"应用单位 {i}").fill(f"天津第{i}制造公司")
    expect(applicant.locator(".rowlist-count").last).to_have_text("已填写 5 个")
    applicant.get_by_label("经济效益和社会效益").fill("年节约成本约一千万元。")
    applicant.get_by_label("推广价值").fill("可推广至装备制造行业。")
    applicant.get_by_label(re.compile(r"本单位已在工业和信息化部运行监测系统完成 \d{4} 年度统计报表填报")).check()
    applicant.get_by_label("统计报表年度").fill(str(this_year - 1))  # last year's report, as the guide now asks
    applicant.get_by_label("推广价值").click()  # leave the field, as a person moving on would
    expect(applicant.locator("#autosave-status")).to_contain_text("已自动保存", timeout=10000)
    shot(applicant, "applicant-filled-in")

    pdf = tmp_path / "营业执照.pdf"  # the guide requires the licence: submission waits for it
    pdf.write_bytes(PDF)
    applicant.get_by_label("附件类型").select_option(label="营业执照或法人登记证书（必传）（不向匿名评审专家展示）")
    applicant.get_by_label("选择文件（PDF/JPG/PNG）").set_input_files(str(pdf))
    applicant.get_by_label("材料说明").fill("营业执照副本")
    applicant.get_by_role("button", name="上传").click()
    expect(applicant.get_by_text("附件“营业执照.pdf”已上传")).to_be_visible()
    expect(applicant.get_by_label("项目名称")).to_have_value("全流程工业数据治理平台")
    shot(applicant, "applicant-uploaded")

    applicant.get_by_role("button", name="提交申报").click(timeout=RENDER)
    expect(applicant.get_by_text("申报已提交，请等待推荐单位形式审查。")).to_be_visible(timeout=RENDER)
    expect(applicant.locator("#decl-state")).to_contain_text("已提交，待形式审查")
    decl = Declaration.objects.get(guide=guide, organisation__credit_code=code)
    assert decl.unit == unit

    # The application form is made in the background; the page shows it once it is ready.
    first_form_link = applicant.get_by_role("link", name="下载项目申报书")
    expect(first_form_link).to_be_visible(timeout=RENDER)
    first_code = applicant.locator(".documents-box a[href*='/documents/verify/']").inner_text().strip()
    shot(applicant, "applicant-submitted")
    with applicant.expect_download(timeout=RENDER) as download:
        first_form_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF")

    # --- 3. the unit clerk returns it with a reason ---------------------------------------------
    browser_login(clerk, "tj_clerk", PASSWORD)
    expect(clerk.get_by_role("heading", name="形式审查")).to_be_visible()
    row = clerk.locator(f'#declarations-table tr[data-declaration="{decl.pk}"]')
    expect(row).to_contain_text("天津全流程数据科技有限公司")
    row.get_by_role("link", name="退回").click()
    reason = "请补充第6个应用案例及其用户证明后重新提交"
    clerk.get_by_label("退回理由（申报单位可见）").fill(reason)
    shot(clerk, "clerk-return-reason")
    clerk.once("dialog", lambda d: d.accept())  # returning asks first
    clerk.get_by_role("button", name="退回修改").click()
    expect(clerk.locator(".alert-success")).to_contain_text("已退回")
    expect(row).to_contain_text("退回修改")
    shot(clerk, "clerk-returned")

    # --- 4. the applicant fixes it and resubmits -------------------------------------------------
    applicant.goto("/applicant/")
    expect(applicant.locator("#my-declarations")).to_contain_text("请按退回理由修改后重新提交")
    applicant.locator(".open-guide").filter(has_text=guide.title).get_by_role("link", name="继续填写").click()
    expect(applicant.get_by_text(reason)).to_be_visible()
    applicant.get_by_role("button", name="+ 添加一个案例").click()
    applicant.get_by_label("案例名称 6").fill("第6号工厂应用")
    applicant.get_by_label("应用单位 6").fill("天津第6制造公司")
    expect(applicant.locator(".rowlist-count").last).to_have_text("已填写 6 个")
    shot(applicant, "applicant-fixing")
    applicant.get_by_role("button", name="重新提交申报").click(timeout=RENDER)
    expect(applicant.get_by_text("申报已提交，请等待推荐单位形式审查。")).to_be_visible(timeout=RENDER)
    second_form_link = applicant.get_by_role("link", name="下载项目申报书")
    expect(second_form_link).to_be_visible(timeout=RENDER)
    second_code = applicant.locator(".documents-box a[href*='/documents/verify/']").inner_text().strip()
    assert second_code != first_code  # the content changed, so a new version of the form was made
    shot(applicant, "applicant-resubmitted")

    # --- 5. the clerk passes it, recommends it, confirms the list, downloads the letter ----------
    clerk.goto("/unit/")
    expect(row).to_contain_text("已提交")
    clerk.once("dialog", lambda d: d.accept())  # passing asks first
    row.get_by_role("button", name="通过").click()
    expect(clerk.locator(".alert-success")).to_contain_text("形式审查通过")
    shot(clerk, "clerk-passed")
    clerk.get_by_role("link", name=re.compile("推荐排序与确认")).first.click()
    expect(clerk.locator('[data-counter="left"]')).to_have_text("5")
    ranked = clerk.locator(f'#ranking-table tr[data-declaration="{decl.pk}"]')
    ranked.get_by_role("button", name="推荐").click()
    expect(clerk.locator('[data-counter="used"]')).to_have_text("1")
    expect(clerk.locator('[data-counter="left"]')).to_have_text("4")
    shot(clerk, "clerk-ranked")
    clerk.get_by_role("button", name="确认推荐名单").click()
    dialog = clerk.get_by_role("dialog")
    expect(dialog).to_contain_text("将推荐 1 个项目")
    expect(dialog).to_contain_text("报送至工业和信息化部")
    dialog.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    shot(clerk, "clerk-confirm-dialog")
    dialog.get_by_role("button", name="确认并锁定名单").click(timeout=RENDER)
    expect(clerk.locator(".alert-success")).to_contain_text("推荐名单已确认", timeout=RENDER)
    letter_link = clerk.get_by_role("link", name="下载推荐函")
    expect(letter_link).to_be_visible(timeout=RENDER)
    shot(clerk, "clerk-confirmed")
    with clerk.expect_download(timeout=RENDER) as download:
        letter_link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert download.value.path().read_bytes().startswith(b"%PDF")
    decl.refresh_from_db()
    assert decl.state == Declaration.State.RECOMMENDED
    assert RecommendationList.objects.get(guide=guide, unit=unit).is_confirmed

    # --- 6. the ministry forms a panel and assigns reviewers -------------------------------------
    admin.goto("/review/manage/")
    admin.locator("tr").filter(has_text=guide.title).get_by_role("link", name="管理").click()
    expect(admin.get_by_role("heading", name=guide.title)).to_be_visible()
    admin.get_by_label("每个项目评审专家数").fill("1")
    admin.get_by_role("button", name="保存设置").click()
    expect(admin.locator(".alert-success")).to_contain_text("评审设置已保存")
    admin.get_by_role("link", name="新建评审组").click()
    admin.get_by_label("评审组名称").fill("大数据产品评审组")
    admin.get_by_label("4. 大数据重点产品", exact=True).check()
    admin.get_by_label("周评审（南开大学）").check()
    admin.get_by_role("button", name="保存").click()
    expect(admin.locator(".alert-success")).to_contain_text("评审组已保存")
    admin.get_by_role("button", name=re.compile("自动分配")).click()
    # The run goes to the worker (in-process here); its page reports progress, then the outcome.
    expect(admin.locator("#assign-run")).to_have_attribute("data-state", "done", timeout=RENDER)
    expect(admin.locator("#assign-run")).to_contain_text("新增分配 1 条")
    expect(admin.get_by_text("所有项目均已分配足额评审专家。")).to_be_visible()
    shot(admin, "admin-assigned")

    # --- 7. the reviewer scores the project ------------------------------------------------------
    browser_login(reviewer, "reviewer_zhou", PASSWORD)
    expect(reviewer.get_by_role("heading", name="我的评审任务")).to_be_visible()
    expect(reviewer.get_by_text("已完成 0 / 共 1 项")).to_be_visible()
    expect(reviewer.locator("body")).not_to_contain_text("天津全流程数据科技")  # blind review
    reviewer.get_by_role("link", name="评分").click()
    reviewer.get_by_label("项目综合实力").fill("92")
    reviewer.get_by_label("关键技术创新").fill("88")
    reviewer.get_by_label("经济社会效益").fill("85")
    reviewer.get_by_label("产业化推广价值").fill("80")
    reviewer.get_by_label("评审意见").fill("数据治理能力突出，应用成效明显。")
    expect(reviewer.locator("#score-total")).to_have_text("87.00")  # 92×0.3 + 88×0.3 + 85×0.2 + 80×0.2
    shot(reviewer, "reviewer-scoring")
    reviewer.once("dialog", lambda d: d.accept())
    reviewer.get_by_role("button", name="提交评分").click()
    expect(reviewer.get_by_text("评分已提交，感谢您的评审。")).to_be_visible()
    expect(reviewer.get_by_text("已完成 1 / 共 1 项")).to_be_visible()
    shot(reviewer, "reviewer-submitted")
    assert Review.objects.get(assignment__declaration=decl).state == Review.State.SUBMITTED

    # --- 8. the ministry ranks, selects, runs the public notice and publishes --------------------
    admin.locator(".breadcrumb").get_by_role("link", name=guide.title).click()  # back from the run's page
    admin.get_by_role("link", name="按方向排名与入选").click()
    expect(admin.get_by_role("heading", name="按方向排名")).to_be_visible()
    ranking_row = admin.locator("tr").filter(has_text="全流程工业数据治理平台")
    expect(ranking_row).to_contain_text("87.00")
    ranking_row.get_by_role("button", name="列入").click()
    expect(admin.locator(".alert-success")).to_contain_text("已列入拟入选名单")
    expect(ranking_row.get_by_role("button", name="拟入选 ✓")).to_be_visible()
    shot(admin, "admin-selected")

    admin.get_by_role("link", name=guide.title).click()
    # A notice cannot start in the past nor be shorter than five working days; the page offers today and
    # the earliest end. Publishing is refused while it runs.
    today = timezone.localdate()
    admin.get_by_label("公示开始日期").fill((today - timedelta(days=10)).isoformat())
    admin.get_by_role("button", name="发布公示").click()
    expect(admin.locator(".alert-danger")).to_contain_text("公示开始日期不能早于今天")
    admin.get_by_label("公示开始日期").fill(today.isoformat())
    admin.get_by_role("button", name="发布公示").click()
    expect(admin.locator(".alert-success")).to_contain_text("拟入选名单公示已发布")
    shot(admin, "admin-notice")
    _fresh_password(admin)
    admin.once("dialog", lambda d: d.accept())
    admin.get_by_role("button", name="公布名单").click()
    expect(admin.locator(".alert-danger")).to_contain_text("结束后才能公布名单")
    # Two weeks pass: the notice has ended.
    cfg = ReviewSettings.objects.get(guide=guide)
    ReviewSettings.objects.filter(pk=cfg.pk).update(notice_start=cfg.notice_start - timedelta(days=14),
                                                    notice_end=cfg.notice_end - timedelta(days=14))
    admin.reload()
    admin.get_by_label("公布文号（可选）").fill(f"工信厅信发函〔{this_year}〕99号")
    _fresh_password(admin)  # a fresh password before publishing (remembered for five minutes)
    admin.once("dialog", lambda d: d.accept())
    admin.get_by_role("button", name="公布名单").click()
    expect(admin.locator(".alert-success").first).to_contain_text("评审结果已公布")
    shot(admin, "admin-published")
    decl.refresh_from_db()
    assert decl.state == Declaration.State.SELECTED and decl.demo_period_end is not None

    # --- 9. anyone: the public list and the verification pages of the printed forms --------------
    public.goto("/review/results/")
    public.get_by_role("link", name=re.compile(re.escape(guide.title))).first.click()
    expect(public.get_by_role("heading", name=re.compile("入选试点示范项目名单"))).to_be_visible()
    expect(public.locator("body")).to_contain_text("全流程工业数据治理平台")
    expect(public.locator("body")).to_contain_text("天津全流程数据科技有限公司")
    expect(public.locator("body")).to_contain_text(f"工信厅信发函〔{this_year}〕99号")
    shot(public, "public-results")

    public.goto(f"/documents/verify/{second_code}/")
    expect(public.get_by_text("此文档为当前有效版本。")).to_be_visible()
    expect(public.locator("table")).to_contain_text("天津全流程数据科技有限公司")
    shot(public, "public-verify-current")
    public.goto(f"/documents/verify/{first_code}/")
    expect(public.get_by_text("此文档已被替代，不是最新版本。")).to_be_visible()
    second = Document.objects.get(short_code=second_code)
    expect(public.locator("body")).to_contain_text(f"已被 {second.number} 替代")
    shot(public, "public-verify-superseded")

    for pg in (admin, applicant, clerk, reviewer, public):
        assert pg.problems == [], pg.problems
