"""The dashboard's pictures say what its lists say: the province cartogram's squares and the review progress
charts are drawn from numbers equal to the list pages' counts."""

import json
import re

from django.urls import reverse

from core.regions import REGION_NAMES
from tests.factories import complete_declaration, make_org
from tests.ops.test_dashboard import _count, spread  # noqa: F401 - the shared fixture
from tests.utils import login


def _chart_data(response):
    html = response.content.decode()
    raw = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    return json.loads(raw)


def test_cartogram_has_one_square_per_region_and_the_lists_numbers(client, personas, spread):  # noqa: F811
    complete_declaration(spread, make_org(region="66"), personas.city, state="submitted")  # the corps
    login(client, personas.admin)
    data = _chart_data(client.get(reverse("operations:dashboard"), {"guide": spread.pk}))
    tiles = data["tiles"]
    assert sorted(t["key"] for t in tiles) == sorted(REGION_NAMES)  # 31 provinces and the XPCC
    assert len({(t["x"], t["y"]) for t in tiles}) == 32  # no two squares in one place
    base = reverse("operations:declarations") + f"?guide={spread.pk}"
    assert data["list_url"] == base
    for t in tiles:
        assert _count(client, f"{base}&region={t['key']}") == t["n"], t
    assert {t["key"]: t["n"] for t in tiles if t["n"]} == {"12": 3, "13": 2, "66": 1}
    # rough geography: Xinjiang west of Shanghai, Heilongjiang north of Hainan
    pos = {t["key"]: (t["x"], t["y"]) for t in tiles}
    assert pos["65"][0] < pos["31"][0] and pos["23"][1] < pos["46"][1]


def test_review_progress_per_panel_and_per_direction(client, personas):
    from review.models import Panel, ReviewerProfile
    from review.assignment import add_reviewer
    from review.scoring import save_review
    from review.setup import sheet_for
    from tests.factories import make_user
    from tests.review.conftest import recommended_declaration

    guide = personas.guide
    d4 = recommended_declaration(guide, direction_code="4")
    d5 = recommended_declaration(guide, direction_code="5")
    reviewers = []
    for i in range(2):
        u = make_user("reviewer", f"rv{i}")
        ReviewerProfile.objects.create(user=u, name=f"专家{i}", employer="某大学")
        reviewers.append(u)
    panel = Panel.objects.create(guide=guide, name="第一组")
    panel.directions.set([d4.direction, d5.direction])
    a = add_reviewer(declaration=d4, reviewer=reviewers[0], actor=personas.admin)
    add_reviewer(declaration=d4, reviewer=reviewers[1], actor=personas.admin)
    add_reviewer(declaration=d5, reviewer=reviewers[0], actor=personas.admin)
    save_review(assignment=a, actor=reviewers[0], comment="很好，建议入选。" * 3, submit=True,
                scores={f"score_{c.pk}": "90" for c in sheet_for(d4).criteria.all()})
    login(client, personas.admin)
    data = _chart_data(client.get(reverse("operations:dashboard"), {"guide": guide.pk}))
    assert data["review"]["panels"] == [{"label": "第一组", "done": 1, "total": 3}]
    by_label = {d["label"].split(".")[0]: (d["done"], d["total"]) for d in data["review"]["directions"]}
    assert by_label == {"4": (1, 2), "5": (0, 1)}
