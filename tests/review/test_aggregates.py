"""Aggregates against hand-computed examples. These run on SQLite and PostgreSQL alike."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from review.models import Criterion, ScoringSheet
from review.queries import ranking
from review.assignment import add_reviewer
from review.scoring import submit_review
from tests.review.conftest import make_reviewer, recommended_declaration
from tests.utils import login

COMMENT = "评审意见：项目总体情况良好。"


@pytest.fixture
def one_criterion(guide):
    """Direction 4 scored on one criterion of 100 points, so a review's total is its score."""
    sheet = ScoringSheet.objects.create(guide=guide, direction=guide.directions.get(code="4"), name="单项")
    Criterion.objects.create(sheet=sheet, name="综合评价", max_points=100, weight=1)
    return sheet


_reviewers = {}


def reviewer(i):
    return make_reviewer(f"agg_r{i}", employer=f"评审单位{i}", region="11")


def score(decl, rev, value, crit):
    a = add_reviewer(declaration=decl, reviewer=rev, actor=None)
    return submit_review(assignment=a, actor=rev, scores={f"score_{crit.pk}": str(value)}, comment=COMMENT)


def agg(decl):
    (row,) = ranking(decl.guide, declaration_ids=[decl.pk])
    return row


def test_trimmed_mean_drops_highest_and_lowest_from_five_reviews(guide, one_criterion):
    crit = one_criterion.criteria.get()
    decl = recommended_declaration(guide)
    for i, v in enumerate([60, 70, 80, 90, 95]):
        score(decl, reviewer(i), v, crit)
    row = agg(decl)
    assert row.n_reviews == 5
    assert row.mean == 79.0                     # 395 / 5
    assert row.final == 80.0                  # (395 − 95 − 60) / 3 = 240 / 3
    assert row.std_dev == 12.81                 # sqrt(((−19)² + (−9)² + 1² + 11² + 16²) / 5) = sqrt(164)
    assert row.final == 80.0


def test_with_fewer_than_five_reviews_the_mean_is_used(guide, one_criterion):
    crit = one_criterion.criteria.get()
    decl = recommended_declaration(guide)
    for i, v in enumerate([60, 70, 80, 91]):
        score(decl, reviewer(i), v, crit)
    row = agg(decl)
    assert row.n_reviews == 4 and row.mean == 75.25 and row.final == 75.25


def test_trimmed_mean_of_uneven_numbers_rounds_to_two_places(guide, one_criterion):
    crit = one_criterion.criteria.get()
    decl = recommended_declaration(guide)
    for i, v in enumerate([70, 71, 72, 60, 99, 73.5]):
        score(decl, reviewer(i), v, crit)
    # sum 445.5 − 99 − 60 = 286.5 over 4 = 71.625 → 71.63 (half up on both databases)
    row = agg(decl)
    assert row.final == 71.63
    assert row.mean == 74.25


def test_no_reviews_means_no_scores(guide):
    row = agg(recommended_declaration(guide))
    assert row.n_reviews == 0 and row.mean is None and row.final is None and row.std_dev is None


def test_z_scores_correct_a_harsh_and_a_lenient_reviewer(guide, one_criterion):
    """Harsh H gives D1 50 and D2 70 (mean 60, sd 10); lenient L gives D3 85 and D4 95 (mean 90, sd 5).

    z: D1 = (50 − 60) / 10 = −1, D2 = +1, D3 = (85 − 90) / 5 = −1, D4 = +1. Raw ranking D4, D3, D2, D1;
    normalised, H's best project D2 ties with L's best D4.
    """
    crit = one_criterion.criteria.get()
    d1, d2, d3, d4 = (recommended_declaration(guide) for _ in range(4))
    h, lenient = reviewer("H"), reviewer("L")
    score(d1, h, 50, crit)
    score(d2, h, 70, crit)
    score(d3, lenient, 85, crit)
    score(d4, lenient, 95, crit)
    rows = {r.pk: r for r in ranking(guide)}
    assert [rows[d.pk].z_score for d in (d1, d2, d3, d4)] == [-1.0, 1.0, -1.0, 1.0]
    assert [rows[d.pk].final_rank for d in (d1, d2, d3, d4)] == [4, 3, 2, 1]
    assert [rows[d.pk].z_rank for d in (d1, d2, d3, d4)] == [3, 1, 3, 1]


def test_a_reviewer_with_one_review_gets_z_zero(guide, one_criterion):
    crit = one_criterion.criteria.get()
    decl = recommended_declaration(guide)
    score(decl, reviewer(1), 77, crit)
    assert agg(decl).z_score == 0.0


def test_ranking_order_ties_and_filters(personas, one_criterion):
    guide = personas.guide
    crit = one_criterion.criteria.get()
    a = recommended_declaration(guide, unit=personas.district_a)
    b = recommended_declaration(guide, unit=personas.district_b)
    c = recommended_declaration(guide, unit=personas.district_a)
    d = recommended_declaration(guide, unit=personas.district_b)
    other = recommended_declaration(guide, unit=personas.district_a, direction_code="5")
    r1, r2 = reviewer(1), reviewer(2)
    for decl, (x, y) in [(a, (80, 90)), (b, (90, 80)), (c, (70, 70)), (d, (95, 96)), (other, (10, 10))]:
        score(decl, r1, x, crit) if decl is not other else None
        score(decl, r2, y, crit) if decl is not other else None
    rows = list(ranking(guide))
    direction4 = [(r.pk, r.rank) for r in rows if r.direction.code == "4"]
    assert direction4[0] == (d.pk, 1)
    assert {direction4[1], direction4[2]} == {(a.pk, 2), (b.pk, 2)}  # a tie shares the rank
    assert direction4[3] == (c.pk, 4)
    # Unscored: fewer reviews than the minimum (no panel: one), so it is listed without a rank.
    assert [(r.pk, r.rank) for r in rows if r.direction.code == "5"] == [(other.pk, None)]
    # Filtering by unit hides rows but keeps the ranks of the whole direction.
    filtered = [(r.pk, r.rank) for r in ranking(guide, unit=personas.district_a) if r.direction.code == "4"]
    assert filtered == [(a.pk, 2), (c.pk, 4)]
    assert [r.pk for r in ranking(guide, direction=guide.directions.get(code="5"))] == [other.pk]
    assert [r.pk for r in ranking(guide, region="13")] == []


def test_ranking_page_and_excel_export_show_the_same_numbers(personas, client, one_criterion,
                                                             django_capture_on_commit_callbacks):
    guide = personas.guide
    crit = one_criterion.criteria.get()
    decl = recommended_declaration(guide, unit=personas.district_a)
    for i, v in enumerate([60, 70, 80, 90, 95]):
        score(decl, reviewer(i), v, crit)
    login(client, personas.admin)
    page = client.get(reverse("review:ranking", args=[guide.pk])).content.decode()
    assert "80.00" in page and "79.00" in page and "12.81" in page
    assert "分歧" in page  # 12.81 > the default threshold of 10
    with django_capture_on_commit_callbacks(execute=True):  # the worker builds the file after commit
        response = client.post(reverse("review:ranking_export", args=[guide.pk]),
                               {"query": f"unit={personas.district_a.pk}"})
    assert response.status_code == 302  # to the export's page: nothing heavy in the request
    export_page = client.get(response["Location"]).content.decode()
    assert "已生成" in export_page
    export_id = int(response["Location"].rstrip("/").split("/")[-1])
    response = client.get(reverse("core:export_download", args=[export_id]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows[2]
    data = dict(zip(header, rows[3]))
    assert data["项目名称"] == decl.project_name and data["方向内排名"] == 1
    assert data["去极值平均分"] == 80.0 and data["平均分"] == 79.0 and data["标准差"] == 12.81
    assert data["分歧"] == "是"
