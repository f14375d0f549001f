from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord, Notification
from declarations.eligibility import check_eligibility
from declarations.models import Declaration
from review.models import DirectionSetting
from review.base import ReviewError
from review.selection import add_years, open_public_notice, publish_results, select_projects, set_selected
from tests.factories import PASSWORD, complete_declaration, make_guide
from tests.utils import login


def _notice(rp, end_days_ago=1):
    """A notice that was opened (on its first day) three weeks ago and has ended."""
    today = timezone.localdate()
    opened = timezone.now() - timedelta(days=21)
    open_public_notice(guide=rp.guide, start=today - timedelta(days=21), end=today - timedelta(days=end_days_ago),
                       actor=rp.p.admin, now=opened)


def test_selection_respects_the_direction_limit(rp):
    rp.score(rp.decl_a, rp.decl_b)
    DirectionSetting.objects.create(direction=rp.direction, selection_limit=1)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="最多入选 1 个项目，已选满"):
        set_selected(declaration=rp.decl_b, selected=True, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="最多入选 1 个项目，当前选择了 2 个"):
        select_projects(guide=rp.guide, declaration_ids=[rp.decl_a.pk, rp.decl_b.pk], actor=rp.p.admin)
    select_projects(guide=rp.guide, declaration_ids=[rp.decl_b.pk], actor=rp.p.admin)
    assert list(rp.guide.declarations.filter(selection__isnull=False)) == [rp.decl_b]
    assert AuditRecord.objects.filter(action="review.select").count() == 1
    assert AuditRecord.objects.filter(action="review.select_list").count() == 1


def test_publication_needs_a_finished_notice_period(rp):
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="请先发布公示"):
        publish_results(guide=rp.guide, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="公示结束日期不能早于开始日期"):
        open_public_notice(guide=rp.guide, start=date(2026, 5, 10), end=date(2026, 5, 1), actor=rp.p.admin)
    today = timezone.localdate()
    open_public_notice(guide=rp.guide, start=today, end=today + timedelta(days=14), actor=rp.p.admin)
    with pytest.raises(ReviewError, match="结束后才能公布名单"):
        publish_results(guide=rp.guide, actor=rp.p.admin)


def test_decide_then_release(rp, client):
    """Before publication applicants and units see "under review" and nothing of the decision."""
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    login(client, rp.p.applicant_a)
    html = client.get(reverse("declarations:detail", args=[rp.decl_a.pk])).content.decode()
    assert "已推荐，专家评审中" in html and "入选" not in html
    assert not Notification.objects.filter(kind="results_published").exists()
    client.logout()
    assert client.get(reverse("review:results_guide", args=[rp.guide.pk])).status_code == 404


def test_publication_starts_demonstration_periods_and_notifies(rp, client, django_capture_on_commit_callbacks):
    rp.score(rp.decl_a, rp.decl_b)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    _notice(rp)
    client.logout()
    notice = client.get(reverse("review:results_guide", args=[rp.guide.pk])).content.decode()
    assert "拟入选项目公示" in notice and rp.decl_a.project_name in notice
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # the notices are written after commit
        publish_results(guide=rp.guide, actor=rp.p.admin, doc_number="工信厅信发函〔2026〕1号", now=now)
    rp.decl_a.refresh_from_db()
    rp.decl_b.refresh_from_db()
    pub_day = timezone.localdate(now)
    assert rp.decl_a.state == "selected" and rp.decl_a.demo_period_end == add_years(pub_day, 2)
    assert rp.decl_b.state == "not_selected" and rp.decl_b.demo_period_end is None
    assert AuditRecord.objects.filter(action="review.publish", actor=rp.p.admin).exists()
    assert AuditRecord.objects.filter(action="declaration.select", target_id=str(rp.decl_a.pk)).exists()
    assert Notification.objects.filter(user=rp.p.applicant_a, kind="results_published",
                                       title="评审结果：您的项目已入选").exists()
    assert Notification.objects.filter(user=rp.p.applicant_b, kind="results_published").exists()
    assert Notification.objects.filter(user=rp.p.district_a_staff, kind="results_published").exists()
    page = client.get(reverse("review:results_guide", args=[rp.guide.pk])).content.decode()
    assert "入选试点示范项目名单" in page
    assert rp.decl_a.project_name in page and "甲数据公司" in page and "天津市" in page
    assert rp.decl_b.project_name not in page
    assert "工信厅信发函〔2026〕1号" in page
    assert rp.guide.title in client.get(reverse("review:results")).content.decode()
    with pytest.raises(ReviewError, match="已于"):
        publish_results(guide=rp.guide, actor=rp.p.admin)
    with pytest.raises(ReviewError, match="已公布"):
        set_selected(declaration=rp.decl_b, selected=True, actor=rp.p.admin)


def test_publication_through_the_admin_page(rp, client):
    rp.score(rp.decl_a)
    login(client, rp.p.admin)
    client.post(reverse("review:select", args=[rp.guide.pk]), {"select": rp.decl_a.pk})
    _notice(rp)
    response = client.post(reverse("review:publish", args=[rp.guide.pk]),
                           {"doc_number": "", "confirm_password": "wrong"}, follow=True)
    assert "请输入正确的登录密码" in response.content.decode()
    rp.decl_a.refresh_from_db()
    assert rp.decl_a.state == "recommended"  # nothing published without the password
    response = client.post(reverse("review:publish", args=[rp.guide.pk]),
                           {"doc_number": "", "confirm_password": PASSWORD}, follow=True)
    assert "评审结果已公布" in response.content.decode()
    rp.decl_a.refresh_from_db()
    assert rp.decl_a.state == "selected"


def test_a_selected_project_cannot_be_declared_again_in_the_next_guide(rp):
    rp.score(rp.decl_a)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    _notice(rp)
    publish_results(guide=rp.guide, actor=rp.p.admin)
    next_guide = make_guide(2022, title="下一年度指南")
    again = complete_declaration(next_guide, rp.p.org_a, rp.p.district_a, project_name=rp.decl_a.project_name)
    messages = [f.message for f in check_eligibility(again)]
    assert any("示范期" in m for m in messages)
    # A project not selected may be declared again.
    again_b = complete_declaration(next_guide, rp.p.org_b, rp.p.district_b, project_name=rp.decl_b.project_name)
    assert not any("示范期" in f.message for f in check_eligibility(again_b))


def test_add_years_handles_29_february():
    assert add_years(date(2024, 2, 29), 2) == date(2026, 2, 28)
    assert add_years(date(2021, 9, 18), 2) == date(2023, 9, 18)


def test_only_recommended_projects_can_be_selected(personas):
    draft = complete_declaration(personas.guide, personas.org_a, personas.district_a)
    with pytest.raises(ReviewError, match="只有已推荐的项目可以入选"):
        set_selected(declaration=draft, selected=True, actor=personas.admin)
    assert Declaration.objects.get(pk=draft.pk).state == "draft"


def test_review_steps_stay_out_of_the_history_applicants_read_but_admins_see_them(rp, client):
    from review.assignment import add_reviewer
    from review.scoring import submit_review
    from tests.review.test_scoring import COMMENT, full_scores

    a = add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    submit_review(assignment=a, actor=rp.assigned, scores=full_scores(rp.decl_a, 80), comment=COMMENT)
    set_selected(declaration=rp.decl_a, selected=True, actor=rp.p.admin)
    login(client, rp.p.applicant_a)
    html = client.get(reverse("declarations:detail", args=[rp.decl_a.pk])).content.decode()
    for secret in ("王评审", "提交评分", "拟入选", "80"):
        assert secret not in html.split("办理记录")[1], secret
    login(client, rp.p.admin)
    html = client.get(reverse("review:declaration_reviews", args=[rp.guide.pk, rp.decl_a.pk])).content.decode()
    assert "手动分配评审专家“王评审”" in html and "提交评分" in html and "列入拟入选名单" in html


def test_the_review_overview_warns_about_unsubmitted_reviews(rp, client):
    from review.assignment import add_reviewer

    add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.p.admin)
    html = client.get(reverse("review:manage_guide", args=[rp.guide.pk])).content.decode()
    assert "尚有 1 份评分未提交" in html and "第一评审组" in html
