"""Issue 14: list pages come a page at a time; the next page shows the next rows, filters hold across
pages, a page number out of range or an edited cursor gets a clear message, never a 500."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from operations import national
from core.pagination import encode_cursor
from declarations.models import Declaration
from quotas.models import RecommendationList, UnitGuideSetting
from review.models import Assignment, Review
from tests.utils import login

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def year(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.OTP_REQUIRED_ROLES = ()
    return national.generate(applicants=160, reviewers=6, ranked=0.3, seed=5, regions=["12"])


@pytest.fixture
def small_pages(monkeypatch):
    import operations.views
    import quotas.views
    import review.assignment_views
    import review.reviewer_views

    monkeypatch.setattr(operations.views, "PAGE_SIZE", 7)
    monkeypatch.setattr(quotas.views, "PAGE_SIZE", 7)
    monkeypatch.setattr(quotas.views, "RANK_PAGE", 7)
    monkeypatch.setattr(review.reviewer_views, "QUEUE_PAGE_SIZE", 4)
    monkeypatch.setattr(review.assignment_views, "ASSIGNMENT_PAGE_SIZE", 2)


def _admin(client):
    return login(client, User.objects.get(username=f"{national.PREFIX}admin"))


def _next(html):
    m = re.search(r'rel="next"\s+href="\?([^"]*)"', html)
    return m and m.group(1).replace("&amp;", "&")


def _prev(html):
    m = re.search(r'rel="prev"\s+href="\?([^"]*)"', html)
    return m and m.group(1).replace("&amp;", "&")


def _ids(html, attr):
    return [int(x) for x in re.findall(rf'{attr}="(\d+)"', html)]


def test_the_admin_list_pages_on_in_id_order_and_back(client, year, small_pages):
    guide = year["guide"]
    _admin(client)
    url = reverse("operations:declarations")
    first = client.get(url, {"guide": guide.pk}).content.decode()
    expected = list(Declaration.objects.filter(guide=guide).exclude(state="draft").order_by("pk")
                    .values_list("project_name", flat=True))
    rows = re.findall(r'<tr class="declaration-row"><td>([^<]*)</td>', first)
    assert rows == expected[:7]
    second = client.get(f"{url}?{_next(first)}").content.decode()
    assert re.findall(r'<tr class="declaration-row"><td>([^<]*)</td>', second) == expected[7:14]
    back = client.get(f"{url}?{_prev(second)}").content.decode()
    assert re.findall(r'<tr class="declaration-row"><td>([^<]*)</td>', back) == expected[:7]
    assert f"共 {len(expected)} 份" in second


def test_a_filter_holds_on_every_page(client, year, small_pages):
    guide = year["guide"]
    _admin(client)
    url = reverse("operations:declarations")
    html = client.get(url, {"guide": guide.pk, "state": "not_recommended"}).content.decode()
    seen = []
    while True:
        seen += re.findall(r'<tr class="declaration-row"><td>([^<]*)</td>', html)
        nxt = _next(html)
        if not nxt:
            break
        assert "state=not_recommended" in nxt
        html = client.get(f"{url}?{nxt}").content.decode()
    assert seen == list(Declaration.objects.filter(guide=guide, state="not_recommended").order_by("pk")
                        .values_list("project_name", flat=True))
    assert len(seen) > 7  # more than one page


def test_an_edited_or_foreign_cursor_is_refused_with_a_message(client, year, small_pages):
    guide = year["guide"]
    _admin(client)
    url = reverse("operations:declarations")
    nxt = _next(client.get(url, {"guide": guide.pk}).content.decode())
    cursor = re.search(r"cursor=([^&]*)", nxt).group(1)
    for bad in (cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"), "garbage",
                encode_cursor("review.queue", "a", [1])):
        response = client.get(url, {"guide": guide.pk, "state": "recommended", "cursor": bad})
        assert response.status_code == 302
        assert response["Location"] == f"{url}?guide={guide.pk}&state=recommended"
        page = client.get(response["Location"]).content.decode()
        assert "翻页链接无效" in page and "declaration-row" in page


def test_a_units_list_pages_newest_first(client, year, small_pages):
    guide = year["guide"]
    rl = RecommendationList.objects.filter(guide=guide).order_by("-version").first()  # the biggest pool
    login(client, User.objects.get(username__startswith=national.PREFIX, unit=rl.unit))
    url = reverse("quotas:workspace")
    html = client.get(url, {"guide": guide.pk}).content.decode()
    seen = []
    while True:
        seen += _ids(html, "data-declaration")
        nxt = _next(html)
        if not nxt:
            break
        html = client.get(f"{url}?{nxt}").content.decode()
    own = Declaration.objects.filter(guide=guide, unit=rl.unit).exclude(state="draft")
    assert len(seen) > 7 and set(seen) >= set(own.values_list("pk", flat=True))
    times = dict(Declaration.objects.filter(pk__in=seen).values_list("pk", "submitted_at"))
    assert [times[pk] for pk in seen] == sorted((times[pk] for pk in seen), reverse=True)


def test_a_ranking_page_out_of_range_says_so(client, year, small_pages):
    guide = year["guide"]
    rl = RecommendationList.objects.filter(guide=guide).order_by("-version").first()
    login(client, User.objects.get(username__startswith=national.PREFIX, unit=rl.unit))
    url = reverse("quotas:ranking")
    pages = -(-rl.entries.count() // 7)
    assert pages > 1
    page2 = client.get(url, {"guide": guide.pk, "page": 2}).content.decode()
    ranks = [int(r) for r in re.findall(r'<td class="fw-bold">(\d+)</td>', page2)]
    assert ranks == list(range(8, 15))
    for raw in ("999", "abc", "0"):
        response = client.get(url, {"guide": guide.pk, "page": raw})
        assert response.status_code == 200
        assert f"没有第 {raw} 页（共 {pages} 页）" in response.content.decode()


def test_inbox_audit_log_and_public_list_pages_out_of_range_say_so(client, year):
    _admin(client)
    for url in (reverse("core:inbox"), reverse("core:audit_log"),
                reverse("review:results_guide", args=[year["guide"].pk])):
        response = client.get(url, {"page": "999"})
        assert response.status_code == 200 and "没有第 999 页" in response.content.decode()
        response = client.get(url, {"page": "x"})
        assert response.status_code == 200 and "页码“x”无效" in response.content.decode()


def test_a_reviewer_with_many_tasks_gets_pages_and_a_status_filter(client, year, small_pages):
    counts = {}
    for rid in Assignment.objects.filter(state="active").values_list("reviewer_id", flat=True):
        counts[rid] = counts.get(rid, 0) + 1
    reviewer = User.objects.get(pk=max(counts, key=counts.get))
    mine = list(Assignment.objects.filter(reviewer=reviewer, state="active").order_by("pk"))
    assert len(mine) >= 8
    Review.objects.filter(assignment__in=mine[:3]).update(state=Review.State.DRAFT)  # three still to score
    login(client, reviewer)
    url = reverse("review:queue")
    first = client.get(url).content.decode()
    second = client.get(f"{url}?{_next(first)}").content.decode()
    link = re.compile(r'/review/(?:assignments/)?(\d+)/')
    assert f"已完成 {len(mine) - 3} / 共 {len(mine)} 项" in second
    on_pages = [int(x) for x in link.findall(first)] + [int(x) for x in link.findall(second)]
    assert on_pages == [a.pk for a in mine[:8]]
    todo = client.get(url, {"status": "todo"}).content.decode()
    assert [int(x) for x in link.findall(todo)] == [a.pk for a in mine[:3]] and not _next(todo)
    response = client.get(url, {"status": "nonsense"})
    assert response.status_code == 200 and "没有这种任务状态" in response.content.decode()


def test_the_assignment_table_pages_per_direction(client, year, small_pages):
    guide = year["guide"]
    direction = (Declaration.objects.filter(guide=guide, state="recommended").values("direction")
                 .annotate(n=Count("pk")).order_by("-n").values_list("direction", flat=True)[0])
    _admin(client)
    url = reverse("review:assignments", args=[guide.pk])
    html = client.get(url, {"direction": direction}).content.decode()
    seen = []
    while True:
        seen += [int(x) for x in re.findall(r'<tr id="d(\d+)">', html)]
        nxt = _next(html)
        if not nxt:
            break
        html = client.get(f"{url}?{nxt}").content.decode()
    expected = list(Declaration.objects.filter(guide=guide, direction=direction,
                                               state__in=["recommended", "selected", "not_selected"])
                    .order_by("pk").values_list("pk", flat=True))
    assert seen == expected and len(expected) > 2
    assert "<datalist" not in html  # the reviewer inputs ask the server (review:assignment_reviewers)


def test_generate_national_builds_the_requested_size(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("generate_national", "--applicants", "2000", "--ranked", "0.1", "--reviewers", "40", "--seed", "4",
                 stdout=open("/dev/null", "w"))
    guide = national.Guide.objects.get(title=national.TITLE)
    assert Declaration.objects.filter(guide=guide).count() == 2000
    assert User.objects.filter(username__startswith=f"{national.PREFIX}app_").count() == 2000
    assert User.objects.filter(username__startswith=f"{national.PREFIX}rev_").count() == 40
    ranked = Declaration.objects.filter(guide=guide, state="recommended").count()
    # About the share asked: quotas are whole places per unit, and DCMM level 3+ projects take none.
    assert 0.07 * 2000 <= ranked <= 0.2 * 2000
    assert UnitGuideSetting.objects.filter(guide=guide, quota__isnull=False).count() == 55
    assert Review.objects.filter(assignment__declaration__guide=guide, state="submitted").count() >= 3 * ranked
    with pytest.raises(CommandError):
        call_command("generate_national", "--applicants", "10", "--ranked", "2")
