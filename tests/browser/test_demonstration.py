"""One project's self-evaluation through spot check and star rating, in Chromium: the applicant submits,
the unit sends it up, the ministry closes the reporting phase (a silent project loses its status), draws
the sample and assigns an expert, the expert rates, the ministry concludes and publishes."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from declarations.services import transition
from demonstration import services
from demonstration.models import Demonstration, Rating, Report, Round
from review.selection import open_public_notice, publish_results, select_projects
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD, complete_declaration, make_guide
from tests.review.conftest import make_reviewer

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _selected(guide, org, unit, code, name):
    decl = complete_declaration(guide, org, unit, direction_code=code, project_name=name)
    transition(decl, "submitted", actor=None, submitted_at=timezone.now())
    for state in ("passed", "recommended"):
        transition(decl, state, actor=None)
    return decl


def as_user(browser, live_server, username):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url)
    context.set_default_timeout(20000)
    pg = context.new_page()
    pg.problems = []
    pg.on("response", lambda r: pg.problems.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    browser_login(pg, username, PASSWORD)
    return pg


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_self_evaluation_through_spot_check_and_star_rating(browser, live_server, personas, shot, tmp_path):
    p = personas
    guide = make_guide(2022, title="2022年度（已公布）")
    mine = _selected(guide, p.org_a, p.district_a, "4", "甲公司港口数据平台")
    silent = _selected(guide, p.org_b, p.district_b, "5", "乙公司数据服务平台")
    from tests.review.conftest import reviewed

    reviewed([mine, silent], p.admin)  # a project needs a submitted review to be selected
    select_projects(guide=guide, declaration_ids=[mine.pk, silent.pk], actor=p.admin)
    today = timezone.localdate()
    open_public_notice(guide=guide, start=today - timedelta(days=21), end=today - timedelta(days=2), actor=p.admin,
                       now=timezone.now() - timedelta(days=21))  # opened on its first day, since ended
    publish_results(guide=guide, actor=p.admin)
    now = timezone.now()
    rnd = services.open_round(guide=guide, title="2022年度示范项目自查评估", report_deadline=now + timedelta(days=10),
                              unit_deadline=now + timedelta(days=20), sample_percent=30, actor=p.admin)
    expert = make_reviewer("star_expert", name="周专家", employer="北京大学")
    make_reviewer("star_conflicted", name="吴专家", employer=p.org_a.name)

    # The applicant finds the round from the dashboard, attaches evidence and submits the report.
    applicant = as_user(browser, live_server, "applicant_a")
    applicant.get_by_role("link", name="示范期自查评估").click()
    applicant.get_by_role("link", name="填写自查报告").click()
    evidence = tmp_path / "验收报告.pdf"
    evidence.write_bytes(PDF)
    applicant.get_by_label("附件（PDF、JPG 或 PNG）").set_input_files(str(evidence))
    applicant.get_by_role("button", name="上传").click()
    expect(applicant.get_by_text("附件“验收报告.pdf”已上传")).to_be_visible()
    applicant.get_by_label("目标完成情况").fill("平台二期已上线，接入港口企业 126 家。")
    applicant.get_by_role("button", name="提交自查报告").click()
    expect(applicant.get_by_text("请填写存在问题")).to_be_visible()  # refused, the draft kept
    expect(applicant.get_by_label("目标完成情况")).to_have_value("平台二期已上线，接入港口企业 126 家。")
    applicant.get_by_label("指标名称 1").fill("接入企业数（家）")
    applicant.get_by_label("申报值 1").fill("100")
    applicant.get_by_label("实际完成值 1").fill("126")
    applicant.get_by_label("存在问题").fill("跨企业数据标准尚不统一。")
    applicant.get_by_label("下一步工作计划").fill("制定接口规范并在全市推广。")
    applicant.get_by_role("button", name="提交自查报告").click()
    expect(applicant.get_by_text("自查报告已提交，等待推荐单位审核")).to_be_visible()
    expect(applicant.locator("#indicator-table")).to_contain_text("126")
    shot(applicant, "applicant-submitted")

    # The district checks it from its workspace and sends it up.
    clerk = as_user(browser, live_server, "district_a_staff")
    clerk.goto("/unit/")
    clerk.get_by_role("link", name="示范项目自查审核").click()
    clerk.locator(f"tr[data-report='{rnd.reports.get(declaration=mine).pk}']").get_by_role("button", name="审核通过").click()
    clerk.get_by_role("button", name="报送主管部门（1 份）").click()
    expect(clerk.get_by_text("已向主管部门报送 1 份自查报告")).to_be_visible()
    shot(clerk, "unit-sent-up")

    # Both deadlines pass; B's project never reported.
    Round.objects.filter(pk=rnd.pk).update(report_deadline=now - timedelta(days=2), unit_deadline=now - timedelta(days=1))

    admin = as_user(browser, live_server, "ministry_admin")
    admin.goto("/ministry/")
    admin.get_by_role("link", name="自查评估与抽查").click()
    admin.get_by_role("link", name="2022年度示范项目自查评估").click()
    expect(admin.locator("#round-progress")).to_contain_text("已报送主管部门 1")
    admin.get_by_role("button", name="截止处理（未报送项目取消示范资格）").click()
    expect(admin.get_by_text("1 个项目未按期报送")).to_be_visible()
    admin.get_by_role("button", name="按方向分层抽样").click()
    expect(admin.get_by_text("已按方向分层抽取 1 个项目")).to_be_visible()
    shot(admin, "sampled")
    admin.get_by_role("link", name="甲公司港口数据平台").click()
    options = admin.locator("#id_reviewer option")
    expect(options.filter(has_text="吴专家")).to_be_disabled()  # works for the applicant: must recuse
    admin.get_by_label("分配专家（须回避的专家不可选）").select_option(str(expert.pk))
    admin.get_by_role("button", name="分配").click()
    expect(admin.get_by_text("已分配专家")).to_be_visible()

    # The expert rates the four dimensions and the overall level.
    rater = as_user(browser, live_server, "star_expert")
    rater.goto("/review/")
    rater.get_by_role("link", name="示范项目抽查星级评价任务 →").click()
    rater.get_by_role("link", name="星级评价").click()
    expect(rater.get_by_role("link", name="验收报告.pdf")).to_be_visible()
    for field, stars in (("strength", 4), ("innovation", 5), ("benefit", 4), ("promotion", 3), ("overall", 4)):
        rater.locator(f"#id_{field}_{stars - 1}").check()
    rater.get_by_label("评价意见").fill("目标基本完成，指标超额，推广模式清晰。")
    rater.get_by_role("button", name="提交评价").click()
    expect(rater.get_by_text("星级评价已提交")).to_be_visible()
    shot(rater, "rated")

    # The ministry concludes (the experts' level is suggested) and publishes.
    admin.reload()
    expect(admin.get_by_role("cell", name="4★")).to_be_visible()
    admin.get_by_label("合格", exact=True).check()
    expect(admin.get_by_label("星级（合格时必填）")).to_have_value("4")
    admin.get_by_role("button", name="保存结论").click()
    expect(admin.get_by_text("抽查结论已保存")).to_be_visible()
    admin.get_by_role("link", name="2022年度示范项目自查评估").click()
    admin.get_by_label("请输入登录密码以确认").fill(PASSWORD)
    admin.get_by_role("button", name="公布结果").click()
    expect(admin.get_by_text("结果已公布")).to_be_visible()

    public = as_user(browser, live_server, "applicant_b")
    public.goto("/demonstration/results/")
    public.get_by_role("link", name="2022年度示范项目自查评估").click()
    row = public.locator("#results-table tr", has_text="甲公司港口数据平台")
    expect(row).to_contain_text("抽查合格")
    expect(row).to_contain_text("★★★★")
    expect(public.locator("#results-table tr", has_text="乙公司数据服务平台")).to_contain_text("取消示范资格")
    shot(public, "published")

    assert Report.objects.get(declaration=mine).star_level == 4
    assert Rating.objects.get(reviewer=expert).innovation == 5
    assert Demonstration.objects.get(declaration=silent).status == "revoked"
    for pg in (applicant, clerk, admin, rater, public):
        assert not pg.problems, pg.problems
