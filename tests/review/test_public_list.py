"""Issue 14: the public list (the notice, then the published results) is numbered when it is fixed and
read a page at a time by the stored positions: the 序号 runs on within each direction across pages, the
order is by direction, region and declaration, and a change of the selection during the notice
renumbers the list at once."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

import review.views
from declarations.models import Declaration
from operations import national
from review.models import ReviewSettings, Selection
from review.selection import publish_results, set_selected

pytestmark = pytest.mark.django_db
PAGE = 7
ROW = re.compile(r"<tr>\s*<td>(\d+)</td>\s*<td>([^<]*)</td>")


@pytest.fixture
def year(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    settings.OTP_REQUIRED_ROLES = ()
    monkeypatch.setattr(review.views, "RESULTS_PAGE_SIZE", PAGE)
    return national.generate(applicants=300, reviewers=40, ranked=0.4, seed=5, regions=["11", "12", "31"])


def _expected(decls):
    """[(序号, project name)] in the order and numbering the list had when each page numbered it all."""
    decls = sorted(decls.select_related("organisation", "direction"),
                   key=lambda d: (d.direction.order, d.organisation.region, d.pk))
    serial, rows = {}, []
    for d in decls:
        serial[d.direction_id] = serial.get(d.direction_id, 0) + 1
        rows.append((serial[d.direction_id], d.project_name))
    return rows


def _all_pages(client, guide):
    url = reverse("review:results_guide", args=[guide.pk])
    rows, number = [], 1
    while True:
        html = client.get(url, {"page": number}).content.decode()
        if "没有第" in html:
            return rows, number - 1
        found = [(int(n), name) for n, name in ROW.findall(html)]
        assert 0 < len(found) <= PAGE
        rows += found
        number += 1


def test_the_notice_pages_run_on_and_follow_a_change_of_the_selection(client, year):
    guide = year["guide"]
    selected = Declaration.objects.filter(guide=guide, selection__isnull=False)
    assert selected.count() > 2 * PAGE and selected.values("organisation__region").distinct().count() > 1
    rows, pages = _all_pages(client, guide)
    assert rows == _expected(selected) and pages == -(-len(rows) // PAGE)
    assert any(serial > PAGE for serial, _name in rows)  # a direction's 序号 runs on past the first page

    # Withdrawn from the list during the notice: the list closes up, the later 序号 move down by one.
    admin = get_user_model().objects.get(username=f"{national.PREFIX}admin")
    gone = Selection.objects.get(guide=guide, public_position=3).declaration
    set_selected(declaration=gone, selected=False, actor=admin)
    rows, _pages = _all_pages(client, guide)
    assert gone.project_name not in [name for _s, name in rows]
    assert rows == _expected(Declaration.objects.filter(guide=guide, selection__isnull=False))
    positions = list(Selection.objects.filter(guide=guide).order_by("public_position")
                     .values_list("public_position", flat=True))
    assert positions == list(range(1, len(rows) + 1))

    # A page past the end says so and shows the last page, as before.
    last = -(-len(rows) // PAGE)
    html = client.get(reverse("review:results_guide", args=[guide.pk]), {"page": 999}).content.decode()
    assert f"没有第 999 页（共 {last} 页）" in html and ROW.findall(html)[-1][1] == rows[-1][1]


def test_the_published_list_holds_the_selected_projects_only(client, year):
    guide = year["guide"]
    admin = get_user_model().objects.get(username=f"{national.PREFIX}admin")
    # A selected project reopened by its unit before publication stays on the notice but is not selected.
    reopened = Selection.objects.get(guide=guide, public_position=2).declaration
    Declaration.objects.filter(pk=reopened.pk).update(state=Declaration.State.PASSED)
    cfg = ReviewSettings.objects.get(guide=guide)
    publish_results(guide=guide, actor=admin, doc_number="工信厅信发函〔2026〕9号",
                    outstanding_reason="测试：不再等待未提交的评审意见", now=timezone.now() + timedelta(days=60))
    assert ReviewSettings.objects.get(pk=cfg.pk).is_published
    rows, _pages = _all_pages(client, guide)
    published = Declaration.objects.filter(guide=guide, state=Declaration.State.SELECTED)
    assert rows == _expected(published) and reopened.project_name not in [name for _s, name in rows]
    assert not Selection.objects.get(declaration=reopened).public_position
