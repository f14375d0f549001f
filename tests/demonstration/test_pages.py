"""The pages: each role sees its own, the forms answer in Chinese, and lists keep a fixed query count."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from demonstration import manage_views, spotcheck, views
from demonstration.models import Rating, Report
from tests.demonstration.conftest import STARS_POST
from tests.factories import complete_declaration, make_org


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def test_the_applicant_fills_in_and_submits_the_report(sel, client):
    rnd = sel.open_round()
    report = sel.report_of(rnd, sel.decl_a)
    login(client, sel.p.applicant_a)
    assert "示范期自查评估" in client.get("/applicant/").content.decode()
    url = f"/demonstration/reports/{report.pk}/edit/"
    page = client.get(url).content.decode()
    assert "指标完成情况" in page and sel.decl_a.project_name in page
    data = {"progress": "已完成", "problems": "无", "next_steps": "推广", "ind_name": ["接入企业数", ""],
            "ind_declared": ["100", ""], "ind_achieved": ["120", ""], "submit": "1"}
    response = client.post(url, data, follow=True)
    assert "已提交" in response.content.decode()
    report.refresh_from_db()
    assert report.state == Report.State.SUBMITTED
    assert report.indicators == [{"name": "接入企业数", "declared": "100", "achieved": "120"}]


def test_an_incomplete_submission_says_what_is_missing(sel, client):
    rnd = sel.open_round()
    report = sel.report_of(rnd, sel.decl_a)
    login(client, sel.p.applicant_a)
    response = client.post(f"/demonstration/reports/{report.pk}/edit/", {"progress": "进展", "submit": "1"}, follow=True)
    text = response.content.decode()
    assert "请填写存在问题" in text and "请至少填写一项指标" in text
    assert Report.objects.get(pk=report.pk).progress == "进展"


def test_strangers_get_404(sel, client):
    rnd = sel.open_round()
    report = sel.report_of(rnd, sel.decl_a)
    for user in (sel.p.applicant_b, sel.p.district_b_staff):
        login(client, user)
        assert client.get(f"/demonstration/reports/{report.pk}/").status_code == 404
    login(client, sel.p.applicant_b)
    assert client.get(f"/demonstration/reports/{report.pk}/edit/").status_code == 404


def test_the_unit_passes_and_sends_up_from_its_page(sel, client):
    rnd = sel.open_round()
    report = sel.report_of(rnd, sel.decl_a)
    sel.submit(report, sel.p.applicant_a)
    login(client, sel.p.district_a_staff)
    assert "示范项目自查审核" in client.get("/unit/").content.decode()
    client.post(f"/demonstration/unit/reports/{report.pk}/pass/")
    response = client.post(f"/demonstration/unit/rounds/{rnd.pk}/send-up/", follow=True)
    assert "已向主管部门报送 1 份" in response.content.decode()
    assert Report.objects.get(pk=report.pk).state == Report.State.SENT_UP


def test_the_expert_rates_through_the_form(sel, client, expert):
    rnd = sel.sampled_round()
    report = rnd.reports.filter(sampled=True).first()
    rating = spotcheck.assign_expert(report=report, reviewer=expert, actor=sel.p.admin)
    login(client, expert)
    url = f"/demonstration/expert/ratings/{rating.pk}/"
    text = client.post(url, {**STARS_POST, "overall": "9", "comment": "好"}).content.decode()
    assert "1 到 5 星" in text
    client.post(url, {**STARS_POST, "comment": "好"})
    assert Rating.objects.get(pk=rating.pk).overall == 4


def test_the_ministry_assign_list_marks_conflicted_experts(sel, client, expert, conflicted_expert):
    rnd = sel.sampled_round()
    report = sel.report_of(rnd, sel.decl_a)
    Report.objects.filter(pk=report.pk).update(sampled=True)
    login(client, sel.p.admin)
    text = client.get(f"/demonstration/manage/reports/{report.pk}/").content.decode()
    assert f'value="{conflicted_expert.pk}" disabled' in text and "专家工作单位与申报单位相同" in text
    assert f'value="{expert.pk}" >' in text


@pytest.mark.parametrize("page", ["manage_round", "unit", "results_round"])
def test_pages_keep_a_fixed_query_count(sel, client, expert, page):
    rnd = sel.sampled_round()
    for r in rnd.reports.filter(sampled=True):
        g = spotcheck.assign_expert(report=r, reviewer=expert, actor=sel.p.admin)
        spotcheck.submit_rating(rating=g, actor=expert, stars=STARS_POST, comment="好")
        spotcheck.conclude(report=r, outcome="pass", star_level="4", comment="", actor=sel.p.admin)
    spotcheck.publish_round(round=rnd, actor=sel.p.admin)
    user = {"manage_round": sel.p.admin, "unit": sel.p.district_a_staff, "results_round": None}[page]
    url = {"manage_round": f"/demonstration/manage/rounds/{rnd.pk}/", "unit": "/demonstration/unit/",
           "results_round": f"/demonstration/results/{rnd.pk}/"}[page]
    if user:
        login(client, user)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    before = count()
    for i in range(5):  # five more projects in the round
        decl = complete_declaration(sel.guide, make_org(f"追加企业{i}"), sel.p.district_a, direction_code="7")
        Report.objects.create(round=rnd, declaration=decl, state=Report.State.SENT_UP)
    assert count() == before


def test_the_progress_panel_counts_per_state(sel, client):
    rnd = sel.open_round()
    sel.submit(sel.report_of(rnd, sel.decl_a), sel.p.applicant_a)
    login(client, sel.p.admin)
    text = client.get(f"/demonstration/manage/rounds/{rnd.pk}/").content.decode()
    assert "round-progress" in text
    from demonstration.queries import progress

    counts = dict(progress(rnd)["rows"])
    assert counts[Report.State.DRAFT.label] == 7 and counts[Report.State.SUBMITTED.label] == 1


def test_the_ministry_opens_a_round_from_its_page(sel, client):
    from django.utils import timezone

    login(client, sel.p.admin)
    page = client.get("/demonstration/manage/").content.decode()
    assert sel.guide.title in page  # only guides with published results are offered
    soon = timezone.localtime() + timezone.timedelta(days=10)
    data = {"guide": str(sel.guide.pk), "title": "第一轮", "sample_percent": "30",
            "report_deadline": soon.strftime("%Y-%m-%dT%H:%M"),
            "unit_deadline": (soon - timezone.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")}
    text = client.post("/demonstration/manage/", data, follow=True).content.decode()
    assert "推荐单位报送截止时间须晚于项目提交截止时间" in text and not sel.guide.evaluation_rounds.exists()
    data["unit_deadline"] = (soon + timezone.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/demonstration/manage/", data, follow=True)
    rnd = sel.guide.evaluation_rounds.get()
    assert response.redirect_chain[-1][0] == f"/demonstration/manage/rounds/{rnd.pk}/"
    assert rnd.reports.count() == len(sel.decls)


def test_after_the_deadline_the_applicant_is_offered_no_edit(sel, client):
    rnd = sel.open_round()
    login(client, sel.p.applicant_a)
    assert "填写自查报告" in client.get("/demonstration/").content.decode()
    sel.after_deadline(rnd)
    text = client.get("/demonstration/").content.decode()
    assert "填写自查报告" not in text and "查看" in text


def test_the_ministrys_round_page_shows_a_page_of_projects_at_a_time(sel, client, monkeypatch):
    """A national round holds thousands of projects: the ministry's page lists them a page at a time."""
    monkeypatch.setattr(manage_views, "ROUND_PAGE_SIZE", 2)
    rnd = sel.sampled_round()
    total = rnd.reports.count()
    assert total >= 3
    login(client, sel.p.admin)
    url = f"/demonstration/manage/rounds/{rnd.pk}/"
    pages = -(-total // 2)
    first = client.get(url).content.decode()
    assert first.count("data-report=") == 2 and f"第 1 / {pages} 页" in first
    seen = set()
    for n in range(1, pages + 1):
        body = client.get(url, {"page": n}).content.decode()
        seen.update(re.findall(r'data-report="(\d+)"', body))
    assert seen == {str(pk) for pk in rnd.reports.values_list("pk", flat=True)}
    past = client.get(url, {"page": 99}).content.decode()
    assert f"没有第 99 页（共 {pages} 页）" in past


def test_the_units_page_is_paged_and_its_send_up_counts_the_whole_round(sel, client, monkeypatch):
    """The unit sees its reports a page at a time; the send-up button counts every passed report of the round."""
    monkeypatch.setattr(views, "UNIT_PAGE_SIZE", 1)
    rnd = sel.open_round()
    mine = Report.objects.filter(round=rnd, declaration__unit=sel.p.district_a)
    for i in range(2):  # two more passed projects of the unit in the round
        decl = complete_declaration(sel.guide, make_org(f"分页企业{i}"), sel.p.district_a, direction_code="7")
        Report.objects.create(round=rnd, declaration=decl, state=Report.State.PASSED)
    total, passed = mine.count(), mine.filter(state=Report.State.PASSED).count()
    assert total >= 3 and passed >= 2
    login(client, sel.p.district_a_staff)
    seen = set()
    for n in range(1, total + 1):
        body = client.get("/demonstration/unit/", {"page": n}).content.decode()
        assert body.count("data-report=") == 1 and f"第 {n} / {total} 页" in body
        seen.update(re.findall(r'data-report="(\d+)"', body))
        if "报送主管部门（" in body:
            assert f"报送主管部门（{passed} 份）" in body
    assert seen == {str(pk) for pk in mine.values_list("pk", flat=True)}
