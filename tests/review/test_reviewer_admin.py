"""In-site management of reviewers by the ministry admin: create, edit, list, permissions."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditRecord
from review.models import Assignment, ReviewerProfile
from review.assignment import add_reviewer
from tests.review.conftest import make_reviewer
from tests.utils import login

STRONG = "Zhuanjia#2026-pw"


def _create_data(rp, **overrides):
    data = {"username": "new_expert", "password": STRONG, "name": "孙专家", "employer": "复旦大学",
            "region": "31", "title": "教授", "email": "sun@example.com", "expertise": [rp.direction.pk]}
    data.update(overrides)
    return data


def _edit_data(profile, **overrides):
    data = {"name": profile.name, "employer": profile.employer, "region": profile.region, "title": profile.title,
            "email": profile.user.email or "x@example.com",
            "expertise": [d.pk for d in profile.expertise.all()],
            "conflicts": [o.pk for o in profile.conflicts.all()], "add_conflict": ""}
    if profile.is_active:
        data["is_active"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_admin_creates_reviewer_who_logs_in_and_sees_queue(rp, client):
    login(client, rp.p.admin)
    response = client.post(reverse("review:reviewer_new"), _create_data(rp))
    assert response.status_code == 302, response.content.decode()
    user = get_user_model().objects.get(username="new_expert")
    assert user.role == "reviewer" and user.email == "sun@example.com" and user.full_name == "孙专家"
    profile = user.reviewer_profile
    assert (profile.name, profile.employer, profile.region, profile.title) == ("孙专家", "复旦大学", "31", "教授")
    assert list(profile.expertise.all()) == [rp.direction]
    assert AuditRecord.objects.filter(action="review.reviewer_create", target_id=str(profile.pk)).count() == 1

    listing = client.get(reverse("review:reviewers")).content.decode()
    assert "孙专家" in listing and "复旦大学" in listing

    client.logout()
    response = client.post(reverse("login"), {"username": "new_expert", "password": STRONG})
    assert response.status_code == 302
    assert client.get(reverse("review:queue")).status_code == 200


def test_duplicate_username_is_refused(rp, client):
    login(client, rp.p.admin)
    response = client.post(reverse("review:reviewer_new"), _create_data(rp, username="REV_ASSIGNED"))
    assert response.status_code == 400
    assert "该登录名已被使用" in response.content.decode()
    assert not ReviewerProfile.objects.filter(name="孙专家").exists()


@pytest.mark.parametrize("password", ["12345678", "abc", "new_expert1"])
def test_weak_password_is_refused(rp, client, password):
    login(client, rp.p.admin)
    response = client.post(reverse("review:reviewer_new"), _create_data(rp, password=password))
    assert response.status_code == 400
    assert not get_user_model().objects.filter(username="new_expert").exists()
    assert 'id="error_1_id_password"' in response.content.decode() or "密码" in response.content.decode()


def test_missing_fields_have_chinese_messages(rp, client):
    login(client, rp.p.admin)
    response = client.post(reverse("review:reviewer_new"), _create_data(rp, name="", employer="", email="bad"))
    body = response.content.decode()
    assert response.status_code == 400
    for text in ("请填写专家姓名", "请填写工作单位", "请填写有效的电子邮箱"):
        assert text in body


def test_edit_changes_expertise_and_active(rp, client):
    profile = rp.unassigned.reviewer_profile
    other = rp.guide.directions.exclude(pk=rp.direction.pk).first()
    login(client, rp.p.admin)
    url = reverse("review:reviewer_edit", args=[profile.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _edit_data(profile, expertise=[other.pk], is_active=None, employer="中国人民大学"))
    assert response.status_code == 302, response.content.decode()
    profile.refresh_from_db()
    assert list(profile.expertise.all()) == [other]
    assert profile.is_active is False and profile.employer == "中国人民大学"
    assert AuditRecord.objects.filter(action="review.reviewer_update", target_id=str(profile.pk)).count() == 1

    response = client.post(url, _edit_data(profile, is_active="on"))
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_active is True


def test_edit_declares_and_revokes_conflicts(rp, client):
    profile = rp.assigned.reviewer_profile
    a = add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.p.admin)
    url = reverse("review:reviewer_edit", args=[profile.pk])
    response = client.post(url, _edit_data(profile, add_conflict=rp.p.org_a.credit_code.lower()))
    assert response.status_code == 302, response.content.decode()
    assert list(profile.conflicts.all()) == [rp.p.org_a]
    a.refresh_from_db()
    assert a.state == Assignment.State.DECLINED

    response = client.post(url, _edit_data(profile, add_conflict=rp.p.org_b.name, conflicts=[]))
    assert response.status_code == 302
    assert list(profile.conflicts.all()) == [rp.p.org_b]

    response = client.post(url, _edit_data(profile, add_conflict="不存在的单位"))
    assert response.status_code == 400
    assert "未找到该单位" in response.content.decode()
    assert list(profile.conflicts.all()) == [rp.p.org_b]


@pytest.mark.parametrize("who", ["applicant_a", "city_staff", "reviewer"])
def test_non_admin_roles_get_403(rp, client, who):
    user = rp.assigned if who == "reviewer" else getattr(rp.p, who)
    login(client, user)
    profile = rp.unassigned.reviewer_profile
    for url in (reverse("review:reviewers"), reverse("review:reviewer_new"),
                reverse("review:reviewer_edit", args=[profile.pk])):
        assert client.get(url).status_code == 403, url
    response = client.post(reverse("review:reviewer_new"), _create_data(rp))
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="new_expert").exists()
    response = client.post(reverse("review:reviewer_edit", args=[profile.pk]), _edit_data(profile, is_active=None))
    assert response.status_code == 403
    profile.refresh_from_db()
    assert profile.is_active


def _grow(rp, n):
    directions = list(rp.guide.directions.all()[:2])
    have = ReviewerProfile.objects.count()
    for i in range(n - have):
        user = make_reviewer(f"grow{i}", name=f"专家{i}", directions=directions, conflicts=[rp.p.org_b])
        Assignment.objects.create(declaration=rp.decl_a, reviewer=user)


def _count(client):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("review:reviewers"))
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


def test_list_query_count_does_not_grow(rp, client):
    login(client, rp.p.admin)
    _grow(rp, 3)
    small, _ = _count(client)
    _grow(rp, 30)
    large, body = _count(client)
    assert ReviewerProfile.objects.count() == 30
    assert "专家26" in body and body.count("review/manage/reviewers/") >= 30
    assert large == small


def test_the_list_pages_fifty_at_a_time_and_finds_by_name_employer_or_login(rp, client):
    """A national year has thousands of experts: the list is paged, and the search keeps its term across pages."""
    login(client, rp.p.admin)
    _grow(rp, 61)
    first = client.get(reverse("review:reviewers")).content.decode()
    assert first.count('href="/review/manage/reviewers/') >= 50 and "第 1 / 2 页" in first and "共 61 位专家" in first
    second = client.get(reverse("review:reviewers"), {"page": 2}).content.decode()
    assert "第 2 / 2 页" in second
    shown = [name for name in (f"专家{i}" for i in range(61 - ReviewerProfile.objects.exclude(
        name__startswith="专家").count())) if f">{name}<" in first or f">{name}<" in second]
    assert len(shown) == ReviewerProfile.objects.filter(name__startswith="专家").count()

    ReviewerProfile.objects.filter(name="专家7").update(employer="中国科学院计算技术研究所")
    found = client.get(reverse("review:reviewers"), {"q": "计算技术"}).content.decode()
    assert ">专家7<" in found and ">专家8<" not in found and "共 1 位专家" in found
    by_login = client.get(reverse("review:reviewers"), {"q": "grow12"}).content.decode()
    assert ">专家12<" in by_login and ">专家13<" not in by_login
    none = client.get(reverse("review:reviewers"), {"q": "不存在的专家"}).content.decode()
    assert "没有与“不存在的专家”匹配的评审专家" in none
    # a page past the end shows the last page and says so, the search kept in the pager's links
    past = client.get(reverse("review:reviewers"), {"q": "专家", "page": 9})
    body = past.content.decode()
    assert past.status_code == 200 and "没有第 9 页（共 2 页）" in body and "q=%E4%B8%93%E5%AE%B6&amp;page=1" in body


def test_the_list_runs_a_fixed_number_of_queries(rp, client):
    login(client, rp.p.admin)
    _grow(rp, 70)
    queries, _ = _count(client)
    assert queries <= 8
