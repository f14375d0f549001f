"""The ranking's Excel file, built by the worker a few declarations at a time and direction by direction,
lists exactly what the ranking lists, in the same order, whatever the chunk size."""

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from openpyxl import load_workbook

from core.models import Export
from review.queries import ranking
from tests.review.conftest import recommended_declaration
from tests.utils import login


@pytest.fixture
def ranked(rp):
    """Eight projects over three directions (direction 1 comes before 4 and 5), scored 60..95."""
    decls = []
    for i, (code, value) in enumerate([("4", 70), ("5", 90), ("1", 60), ("4", 95), ("1", 85), ("5", 65),
                                       ("4", 80), ("1", 75)]):
        unit = rp.p.district_a if i % 2 else rp.p.district_b
        decl = recommended_declaration(rp.guide, unit=unit, direction_code=code)
        rp.score(decl, value=value)
        decls.append(decl)
    unscored = recommended_declaration(rp.guide, unit=rp.p.district_a, direction_code="5")  # listed, no rank
    return decls + [unscored, rp.decl_a, rp.decl_b]


def export_rows(client, guide, query, on_commit):
    with on_commit(execute=True):
        response = client.post(reverse("review:ranking_export", args=[guide.pk]), {"query": query})
    assert response.status_code == 302
    export = Export.objects.latest("pk")
    assert export.state == Export.State.DONE, export.error
    with default_storage.open(export.file.name, "rb") as f:  # read back from the storage, as a download does
        rows = list(load_workbook(f, read_only=True).active.iter_rows(values_only=True))
    assert rows[2][:3] == ("方向", "方向内排名", "项目名称")
    assert export.row_count == len(rows) - 3
    return [(r[0], r[1], r[2]) for r in rows[3:]]


def expected(guide, **filters):
    return [(str(r.direction), r.rank, r.project_name) for r in ranking(guide, **filters)]


@pytest.mark.parametrize("chunk", [1, 3, 500])
def test_the_file_lists_the_whole_ranking_in_order_across_directions(rp, ranked, client, monkeypatch, chunk,
                                                                    django_capture_on_commit_callbacks):
    monkeypatch.setattr("review.exports.CHUNK_SIZE", chunk)
    login(client, rp.p.admin)
    rows = export_rows(client, rp.guide, "", django_capture_on_commit_callbacks)
    assert rows == expected(rp.guide)
    assert len(rows) == len(ranked)
    # Direction by direction in the guide's order, each ranked from 1 with the unranked last.
    directions = [d for d, _rank, _name in rows]
    assert directions == sorted(directions, key=[str(d) for d in rp.guide.directions.all()].index)
    assert len(set(directions)) == 3
    d1 = str(rp.guide.directions.get(code="1"))
    assert [rank for d, rank, _n in rows if d == d1] == [1, 2, 3]
    assert [rank for d, rank, _n in rows if d == str(rp.guide.directions.get(code="5"))][-1] is None


def test_the_file_keeps_the_pages_filters_and_order(rp, ranked, client, monkeypatch,
                                                    django_capture_on_commit_callbacks):
    monkeypatch.setattr("review.exports.CHUNK_SIZE", 2)
    login(client, rp.p.admin)
    unit = rp.p.district_a
    rows = export_rows(client, rp.guide, f"unit={unit.pk}&order=z", django_capture_on_commit_callbacks)
    assert rows == expected(rp.guide, unit=unit, order="z")
    assert rows and len(rows) < len(ranked)
    d4 = rp.guide.directions.get(code="4")
    rows = export_rows(client, rp.guide, f"direction={d4.pk}", django_capture_on_commit_callbacks)
    assert rows == expected(rp.guide, direction=d4) and {d for d, _r, _n in rows} == {str(d4)}
