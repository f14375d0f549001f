"""Stored scores (review.scores): written by the review services in the change's transaction, they equal the
from-scratch reference (review.queries.guide_scores) after any sequence of changes, and the ranking page reads
its rows, order and ranks from them."""

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from declarations.services import transition
from review import queries, scores
from review.assignment import add_reviewer
from review.models import Panel, ProjectScore, Review, ReviewerScore
from review.scoring import reopen_review, save_review
from review.setup import sheet_for
from tests.factories import make_org
from tests.review.conftest import make_reviewer, recommended_declaration
from tests.utils import login

COMMENT = "项目基础扎实，技术有创新，推广价值较高。"


def stored_rows(guide):
    return {p.pk: (p.n, p.mean, p.final, p.std_dev, p.z) for p in ProjectScore.objects.filter(guide=guide)}


def reference_rows(guide):
    return {pk: (s.n_reviews, s.mean, s.final, s.std_dev, s.z_score) for pk, s in queries.guide_scores(guide).items()}


def assert_stored_equals_reference(guide):
    assert stored_rows(guide) == reference_rows(guide)
    # and a rebuild from scratch writes the same rows
    before = stored_rows(guide)
    scores.refresh_guide_scores(guide)
    assert stored_rows(guide) == before


def submit(decl, reviewer, fraction, admin, assignment=None):
    """The reviewer's review of `decl` with every criterion at `fraction` of its maximum (one decimal)."""
    a = assignment or add_reviewer(declaration=decl, reviewer=reviewer, actor=admin)
    values = {f"score_{c.pk}": str((c.max_points * Decimal(fraction)).quantize(Decimal("0.1")))
              for c in sheet_for(decl).criteria.all()}
    save_review(assignment=a, actor=reviewer, scores=values, comment=COMMENT, submit=True)
    return a


@pytest.fixture
def year(rp):
    """Seven projects in direction 4 (panel minimum 2) and three in another direction, six reviewers whose
    spreads differ (one always gives the same score), one project with six reviews (trimmed mean)."""
    p, guide = rp.p, rp.guide
    other = guide.directions.exclude(code="4").order_by("order", "pk").first()
    rp.panel.min_reviews = 2
    rp.panel.save()
    panel2 = Panel.objects.create(guide=guide, name="第二评审组")
    panel2.directions.set([other])
    four = [rp.decl_a, rp.decl_b] + [recommended_declaration(guide, make_org(), p.district_a) for _ in range(5)]
    others = [recommended_declaration(guide, make_org(), p.district_b, direction_code=other.code)
              for _ in range(3)]
    reviewers = [make_reviewer(f"rev_s{i}", employer=f"大学{i}", region="11") for i in range(6)]
    plan = {  # reviewer index -> fractions per project of `four`, then of `others`
        0: ([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3], [0.9, 0.5, None]),
        1: ([0.85, 0.85, 0.85, 0.85, 0.85, 0.85, None], [0.85, None, 0.85]),  # no spread: z 0
        2: ([0.6, 0.9, None, 0.7, 0.95, None, 0.55], [None, 0.6, 0.7]),
        3: ([0.75, None, 0.8, 0.65, None, 0.9, None], [0.5, 0.5, 0.5]),
        4: ([0.95, 0.7, 0.65, None, None, None, None], [None, None, None]),
        5: ([0.5, None, None, None, None, None, None], [None, None, None]),
    }
    assignments = {}
    for i, (fours, others_) in plan.items():
        for decl, fraction in list(zip(four, fours)) + list(zip(others, others_)):
            if fraction is not None:
                assignments[i, decl.pk] = submit(decl, reviewers[i], fraction, p.admin)
    return {"four": four, "others": others, "reviewers": reviewers, "assignments": assignments, "other": other}


def test_stored_rows_follow_submit_reopen_resubmit_and_state_changes(rp, year):
    guide, four, reviewers = rp.guide, year["four"], year["reviewers"]
    assert_stored_equals_reference(guide)
    rows = stored_rows(guide)
    assert rows[four[0].pk][0] == 6  # five or more reviews: the trimmed mean differs from the mean
    assert rows[four[0].pk][1] != rows[four[0].pk][2]
    assert set(rows) == {d.pk for d in four + year["others"]}

    # reopen: the review leaves the scores, the reviewer's spread changes the z of all their projects
    review = Review.objects.get(assignment=year["assignments"][0, four[2].pk])
    reopen_review(review=review, actor=rp.p.admin, reason="请复核")
    assert stored_rows(guide)[four[2].pk][0] == rows[four[2].pk][0] - 1
    assert_stored_equals_reference(guide)
    # a draft changes nothing; the resubmission with another total does
    a = year["assignments"][0, four[2].pk]
    save_review(assignment=a, actor=reviewers[0], scores={}, comment="草稿", submit=False)
    assert_stored_equals_reference(guide)
    submit(four[2], reviewers[0], 0.2, rp.p.admin, assignment=a)
    assert_stored_equals_reference(guide)
    assert stored_rows(guide)[four[2].pk] != rows[four[2].pk]

    # a declaration leaving the ranked states loses its row (its reviews still count for its reviewers), and
    # gets it back with its reviews when it is recommended again
    transition(four[3], "passed", actor=rp.p.admin)
    assert four[3].pk not in stored_rows(guide)
    assert_stored_equals_reference(guide)
    transition(four[3], "recommended", actor=rp.p.admin)
    assert stored_rows(guide)[four[3].pk][0] == 4
    assert_stored_equals_reference(guide)

    # a reviewer's totals per guide: count, sum and sum of squares of their submitted totals
    rs = ReviewerScore.objects.get(guide=guide, reviewer=reviewers[1])
    totals = [float(t) for t in Review.objects.filter(assignment__reviewer=reviewers[1], state="submitted")
              .values_list("total", flat=True)]
    assert (rs.n, rs.total_sum) == (len(totals), pytest.approx(sum(totals)))


def test_rescore_of_a_reviewer_is_bounded_by_their_projects(rp, year):
    """One reviewer's change: a constant number of statements, whatever the number of their projects."""
    with CaptureQueriesContext(connection) as ctx:
        scores.rescore(rp.guide, [year["four"][0].pk], [year["reviewers"][0].pk])
    statements = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 7, statements
    assert_stored_equals_reference(rp.guide)


FILTERS = ({}, {"direction": "four"}, {"direction": "other"}, {"panel": True}, {"unit": True}, {"region": "12"})


def test_stored_ranking_pages_equal_the_reference(rp, year):
    """Every page (small pages cross the directions and the ranked / short segments), both orders, each filter."""
    for which in range(len(FILTERS)):
        for order in ("final", "z"):
            for per_page in (3, 4, 200):
                _compare_pages(rp, year, order, per_page, which)


def _compare_pages(rp, year, order, per_page, which):
    guide = rp.guide
    filters = {"panel": None, "direction": None, "unit": None, "region": None}
    f = FILTERS[which]
    if f.get("direction") == "four":
        filters["direction"] = rp.direction
    elif f.get("direction") == "other":
        filters["direction"] = year["other"]
    if f.get("panel"):
        filters["panel"] = rp.panel
    if f.get("unit"):
        filters["unit"] = rp.p.district_a
    if f.get("region"):
        filters["region"] = f["region"]
    pages = 1
    page = 1
    while page <= pages:
        ref, ref_page = queries.ranking_page_rows(guide, page=page, per_page=per_page, order=order, **filters)
        got, got_page, counts = scores.ranking_page_rows(guide, page=page, per_page=per_page, order=order, **filters)
        key = [(r.pk, r.direction_id, r.rank, r.final_rank, r.z_rank, r.n_reviews, r.mean, r.final, r.std_dev,
                r.z_score) for r in ref]
        assert key == [(r.pk, r.direction_id, r.rank, r.final_rank, r.z_rank, r.n_reviews, r.mean, r.final,
                        r.std_dev, r.z_score) for r in got]
        assert ref_page.paginator.count == got_page.paginator.count
        pages = ref_page.paginator.num_pages
        page += 1
    others = {k: v for k, v in filters.items() if k != "direction"}
    expected = {}
    for d in queries.ranked_declarations(guide, **others).values_list("direction_id", flat=True):
        expected[d] = expected.get(d, 0) + 1
    assert counts == expected


def test_ties_share_a_rank_and_projects_short_of_reviews_come_last(rp, year):
    four = year["four"]
    rows = {r.pk: r for r in scores.ranking_page_rows(rp.guide, direction=rp.direction)[0]}
    ranked = sorted((r for r in rows.values() if r.final_rank is not None), key=lambda r: r.final_rank)
    for upper, lower in zip(ranked, ranked[1:]):
        assert upper.final >= lower.final
        assert (upper.final_rank == lower.final_rank) == (upper.final == lower.final)
    # four[6] has two reviews (the panel's minimum); a new project has none: unranked, listed last
    late = recommended_declaration(rp.guide, make_org(), rp.p.district_a)
    page_rows = scores.ranking_page_rows(rp.guide, direction=rp.direction)[0]
    assert page_rows[-1].pk == late.pk and page_rows[-1].rank is None and page_rows[-1].n_reviews == 0
    assert rows[four[6].pk].final_rank is not None
    # the panel's minimum is read with the page: raising it unranks projects at once
    rp.panel.min_reviews = 3
    rp.panel.save()
    page_rows = scores.ranking_page_rows(rp.guide, direction=rp.direction)[0]
    assert {r.pk for r in page_rows if r.rank is None} >= {four[6].pk, late.pk}
    assert_stored_equals_reference(rp.guide)


def test_the_ranking_page_shows_the_stored_order_and_ranks(rp, year, client):
    login(client, rp.p.admin)
    html = client.get(reverse("review:ranking", args=[rp.guide.pk]) + f"?direction={rp.direction.pk}").content.decode()
    expected = [r.pk for r in queries.ranking_page_rows(rp.guide, direction=rp.direction, panel=None, unit=None,
                                                        region=None)[0]]
    shown = [int(pk) for pk in re.findall(r'/declarations/(\d+)/', html)]
    shown = list(dict.fromkeys(shown))
    assert shown == expected


def test_a_projects_review_page_reads_its_stored_scores(rp, year, client):
    ref = queries.guide_scores(rp.guide)
    ids = [d.pk for d in year["four"] + year["others"]]
    assert scores.stored_scores(rp.guide, ids) == {pk: ref[pk] for pk in ids}
    login(client, rp.p.admin)
    response = client.get(reverse("review:declaration_reviews", args=[rp.guide.pk, year["four"][0].pk]))
    assert response.status_code == 200
    agg = response.context["agg"]
    assert (agg.final_rank, agg.z_rank, agg.final) == (ref[agg.pk].final_rank, ref[agg.pk].z_rank, ref[agg.pk].final)


def test_refresh_scores_command_repairs_rows_written_behind_the_services(rp, year):
    """A row edited by hand (or a bulk load that skipped the services) is put right by `manage.py refresh_scores`."""
    ProjectScore.objects.filter(guide=rp.guide).update(final=1.0, n=0)
    assert stored_rows(rp.guide) != reference_rows(rp.guide)
    out = StringIO()
    call_command("refresh_scores", guide=rp.guide.pk, stdout=out)
    assert stored_rows(rp.guide) == reference_rows(rp.guide)
    assert f"{len(reference_rows(rp.guide))} 个项目" in out.getvalue()
    with pytest.raises(CommandError, match="没有编号为 999999 的指南"):
        call_command("refresh_scores", guide=999999)
