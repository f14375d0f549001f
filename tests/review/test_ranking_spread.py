"""The ranking shows each project's score spread (the standard deviation already computed) as a small bar."""

import re

from django.urls import reverse

from review.assignment import add_reviewer
from review.scoring import save_review
from review.setup import settings_for, sheet_for
from tests.review.conftest import make_reviewer
from tests.utils import login


def test_each_scored_row_carries_a_spread_bar_equal_to_its_std(rp, client):
    cfg = settings_for(rp.guide)
    cfg.disagreement_threshold = 10
    cfg.save()
    other = make_reviewer("rev_other", name="钱评审", employer="浙江大学", region="33")
    for reviewer, value in ((rp.assigned, "60"), (other, "100")):
        a = add_reviewer(declaration=rp.decl_a, reviewer=reviewer, actor=rp.p.admin)
        save_review(assignment=a, actor=reviewer, comment="评审意见：项目基础扎实。", submit=True,
                    scores={f"score_{c.pk}": value for c in sheet_for(rp.decl_a).criteria.all()})
    login(client, rp.p.admin)
    html = client.get(reverse("review:ranking", args=[rp.guide.pk])).content.decode()
    meters = re.findall(r'<meter class="spread-bar" min="0" max="([\d.]+)" high="([\d.]+)" optimum="0" '
                        r'value="([\d.]+)" aria-label="评分分歧（标准差） ([\d.]+)"></meter>', html)
    assert len(meters) == 1  # decl_b has no reviews: no bar
    top, high, value, shown = meters[0]
    assert (top, high) == ("20.00", "10.00")
    assert value == shown and float(value) > 10  # 60 vs 100: well past the threshold
    assert "分歧</span>" in html
