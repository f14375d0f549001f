"""A reviewer opens their queue, reads an anonymised project and scores it in Chromium."""

import pytest
from playwright.sync_api import expect

from review.models import Panel, Review
from review.assignment import assign_reviewers
from review.setup import settings_for
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD, make_guide, make_org, make_unit, make_user
from tests.review.conftest import make_reviewer, recommended_declaration


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_reviewer_scores_a_project(page, shot):
    guide = make_guide(2022)
    cfg = settings_for(guide)
    cfg.reviewers_per_declaration = 1
    cfg.save()
    unit = make_unit("天津市工业和信息化局（评审浏览器测试）")
    org = make_org("天津匿名测试数据有限公司")
    decl = recommended_declaration(guide, org, unit)
    reviewer = make_reviewer("reviewer_b", name="周评审", employer="南开大学")
    panel = Panel.objects.create(guide=guide, name="浏览器评审组")
    panel.directions.set(guide.directions.all())
    panel.reviewers.set([reviewer])
    assign_reviewers(guide=guide, actor=make_user("admin", "admin_b"))

    browser_login(page, "reviewer_b", PASSWORD)
    expect(page.get_by_role("heading", name="我的评审任务")).to_be_visible()
    expect(page.get_by_text("已完成 0 / 共 1 项")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("天津匿名测试数据")
    shot(page, "queue")
    page.get_by_role("link", name="评分").click()
    expect(page.get_by_text("（申报单位）大数据平台项目").first).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("天津匿名测试数据")
    expect(page.locator("body")).not_to_contain_text(unit.name)

    # An out-of-range score is refused with the criterion and its range; what was typed stays.
    page.get_by_label("项目综合实力").fill("120")
    page.get_by_label("关键技术创新").fill("85")
    page.get_by_label("经济社会效益").fill("80")
    page.get_by_label("产业化推广价值").fill("75")
    page.get_by_label("评审意见").fill("数据资源丰富，应用成效明显，建议加强推广。")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("“项目综合实力”的得分须在 0 到 100 分之间")).to_be_visible()
    expect(page.get_by_label("关键技术创新")).to_have_value("85")
    shot(page, "range-error")

    page.get_by_label("项目综合实力").fill("90")
    # The weighted total previews as the reviewer types: 90×0.3 + 85×0.3 + 80×0.2 + 75×0.2.
    expect(page.locator("#score-total")).to_have_text("83.50")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.get_by_text("评分草稿已保存")).to_be_visible()
    expect(page.get_by_label("项目综合实力")).to_have_value("90.0")
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交评分").click()
    expect(page.get_by_text("评分已提交，感谢您的评审。")).to_be_visible()
    expect(page.get_by_text("已完成 1 / 共 1 项")).to_be_visible()
    shot(page, "submitted")
    review = Review.objects.get(assignment__declaration=decl)
    assert review.state == "submitted" and str(review.total) == "83.50"
