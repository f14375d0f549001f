"""Publication only after a real review and a real public notice (issue 12).

Seed 000 (2021): the list is published after the units' recommendation, the expert review
and an online public notice (公示); the brief's scale note: 204 projects published 18 Sep 2021.
The seeds give no notice length: five working days is the usual minimum for ministry notices,
and the guide data may set another (``notice_min_working_days``).
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord
from declarations.loading import load_guide, read_guide_data
from review.models import Selection
from review.queries import ranking
from review.assignment import add_reviewer
from review.base import ReviewError
from review.selection import open_public_notice, publish_results, select_projects, set_selected
from review.setup import settings_for
from tests.utils import login

from .conftest import make_reviewer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _at(day):
    return datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)


def _ended_notice(rp):
    today = timezone.localdate()
    open_public_notice(guide=rp.guide, start=today - timedelta(days=21), end=today - timedelta(days=1),
                       actor=rp.p.admin, now=timezone.now() - timedelta(days=21))


def test_a_notice_cannot_start_in_the_past(rp):
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    today = timezone.localdate()
    with pytest.raises(ReviewError, match="公示开始日期不能早于今天"):
        open_public_notice(guide=rp.guide, start=today - timedelta(days=1), end=today + timedelta(days=14),
                           actor=rp.p.admin)
    assert not settings_for(rp.guide).notice_open


def test_a_notice_lasts_five_working_days_with_public_holidays_left_out(rp):
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    now = _at(date(2026, 9, 1))
    # Mon 28 Sep – Fri 2 Oct 2026: five weekdays, but 1 and 2 October are National Day.
    with pytest.raises(ReviewError, match="不少于 5 个工作日.*最早至 2026-10-09 结束"):
        open_public_notice(guide=rp.guide, start=date(2026, 9, 28), end=date(2026, 10, 2), actor=rp.p.admin, now=now)
    cfg = open_public_notice(guide=rp.guide, start=date(2026, 9, 28), end=date(2026, 10, 9), actor=rp.p.admin,
                             now=now)
    assert cfg.notice_open and cfg.notice_end == date(2026, 10, 9)


def test_the_minimum_notice_length_is_guide_data(db):
    data = {**read_guide_data(2021), "notice_min_working_days": 7}
    guide = load_guide(data, title="公示期测试指南")
    assert settings_for(guide).notice_min_working_days == 7
    assert settings_for(load_guide(read_guide_data(2022), title="默认公示期指南")).notice_min_working_days == 5


def test_the_notice_page_of_the_admin_explains_the_rule(rp, client):
    login(client, rp.p.admin)
    html = client.get(reverse("review:manage_guide", args=[rp.guide.pk])).content.decode()
    assert "不少于 5 个工作日" in html


def test_results_are_published_only_after_the_notice_ended(rp):
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    today = timezone.localdate()
    open_public_notice(guide=rp.guide, start=today, end=today + timedelta(days=14), actor=rp.p.admin)
    with pytest.raises(ReviewError, match="结束后才能公布名单"):
        publish_results(guide=rp.guide, actor=rp.p.admin)


def test_outstanding_reviews_hold_publication_unless_the_admin_records_why(rp, client):
    rp.score(rp.decl_a)
    add_reviewer(declaration=rp.decl_b, reviewer=rp.assigned, actor=rp.p.admin)  # assigned, never submitted
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    _ended_notice(rp)
    with pytest.raises(ReviewError, match="尚有 1 份已分配的评审未提交评分"):
        publish_results(guide=rp.guide, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="至少 10 个字"):
        publish_results(guide=rp.guide, actor=rp.p.admin, outstanding_reason="来不及")
    rp.decl_a.refresh_from_db()
    assert rp.decl_a.state == "recommended"

    login(client, rp.p.admin)
    reason = "该专家因病无法完成评审，其余评分已足够"
    response = client.post(reverse("review:publish", args=[rp.guide.pk]),
                           {"doc_number": "", "outstanding_reason": reason, "confirm_password": "Test#pass-2026"},
                           follow=True)
    assert "评审结果已公布" in response.content.decode()
    published = AuditRecord.objects.get(action="review.publish")
    assert published.reason == reason and published.data["outstanding_reviews"] == 1


def test_a_project_short_of_the_panels_minimum_is_not_ranked_nor_selectable(rp):
    rp.panel.min_reviews = 2
    rp.panel.save()
    second = make_reviewer("rev_second", name="钱评审", employer="浙江大学", region="33")
    rp.panel.reviewers.add(second)
    rp.score(rp.decl_a, rp.decl_b)
    from review.scoring import submit_review
    from review.setup import sheet_for

    a = add_reviewer(declaration=rp.decl_b, reviewer=second, actor=rp.p.admin)
    submit_review(assignment=a, actor=second, comment="项目基础扎实，技术有创新，推广价值较高。",
                  scores={f"score_{c.pk}": "70" for c in sheet_for(rp.decl_b).criteria.all()})

    ranks = {r.pk: r.rank for r in ranking(rp.guide)}
    assert ranks == {rp.decl_a.pk: None, rp.decl_b.pk: 1}
    with pytest.raises(ReviewError, match="只有 1 份已提交的评分，评审组要求至少 2 份"):
        set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="至少 2 份"):
        select_projects(guide=rp.guide, declaration_ids=[rp.decl_a.pk, rp.decl_b.pk], actor=rp.p.admin)
    set_selected(declaration=rp.decl_b, selected=True, actor=rp.p.admin)
    assert list(Selection.objects.values_list("declaration_id", flat=True)) == [rp.decl_b.pk]


def test_the_ranking_page_marks_projects_short_of_reviews(rp, client):
    login(client, rp.p.admin)
    rp.score(rp.decl_b)
    html = client.get(reverse("review:ranking", args=[rp.guide.pk])).content.decode()
    assert html.count("data-short-of-reviews") == 1 and "评审数不足" in html
