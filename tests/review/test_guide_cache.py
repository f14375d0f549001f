"""The scoring page caches the scoring sheet's criteria under the guide's data version: a sheet saved in the
site shows on the reviewer's next page at once."""

from django.urls import reverse

from review.assignment import add_reviewer
from review.sheets import save_scoring_sheet
from tests.utils import login


def test_a_new_direction_sheet_and_its_change_show_on_the_scoring_page_at_once(rp, client):
    a = add_reviewer(declaration=rp.decl_a, reviewer=rp.assigned, actor=rp.p.admin)
    login(client, rp.assigned)
    url = reverse("review:score", args=[a.pk])
    client.get(url)
    assert "项目综合实力" in client.get(url).content.decode()  # the default sheet, from a warm cache
    rows = [{"name": "场景数量", "guidance": "", "max_points": "100", "weight_percent": "100"}]
    sheet = save_scoring_sheet(guide=rp.guide, actor=rp.p.admin, name="方向4评分表", direction=rp.direction,
                               criteria=rows)
    html = client.get(url).content.decode()
    assert "场景数量" in html and "项目综合实力" not in html
    save_scoring_sheet(guide=rp.guide, actor=rp.p.admin, name="方向4评分表", direction=rp.direction,
                       criteria=[{**rows[0], "name": "典型场景数量"}], sheet=sheet)
    assert "典型场景数量" in client.get(url).content.decode()
