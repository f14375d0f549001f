"""List pages run a fixed number of queries, however many rows they show."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review.models import Assignment, Review, Selection
from review.selection import number_public_list, open_public_notice
from review.setup import settings_for
from tests.review.conftest import recommended_declaration
from tests.utils import login


def _grow(rp, n):
    """n recommended declarations, each assigned to the panel reviewer with a submitted review."""
    have = rp.guide.declarations.count()
    for i in range(n - have):
        decl = recommended_declaration(rp.guide, unit=rp.p.district_a)
        a = Assignment.objects.create(declaration=decl, reviewer=rp.assigned)
        Review.objects.create(assignment=a, state="submitted", total=60 + i, comment="意见")
        Selection.objects.create(declaration=decl)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["queue", "ranking", "assignments", "results"])
def test_list_pages_do_not_grow_with_rows(rp, client, page):
    if page == "queue":
        login(client, rp.assigned)
        url = reverse("review:queue")
    elif page == "results":
        url = reverse("review:results_guide", args=[rp.guide.pk])
    else:
        login(client, rp.p.admin)
        url = reverse(f"review:{page}", args=[rp.guide.pk])
    _grow(rp, 3)
    if page == "results":
        today = timezone.localdate()
        open_public_notice(guide=rp.guide, start=today, end=today + timedelta(days=14), actor=rp.p.admin)
    settings_for(rp.guide)
    small = _count(client, url)
    _grow(rp, 30)
    if page == "results":  # the selection grew during the notice: the service renumbers its list
        number_public_list(rp.guide, published=False)
    large = _count(client, url)
    assert small == large
