"""Ranking within the quota, with the DCMM exemption, through the pages a clerk uses."""

import pytest
from django.urls import reverse

from quotas.lists import ListError
from quotas.queries import counter
from tests.factories import PASSWORD, make_guide, make_unit, make_user
from tests.utils import login

from .conftest import passed, rec_list, recommend


def _post(client, name, rl, **data):
    rl.refresh_from_db()
    return client.post(reverse(name, args=[rl.pk]), {"version": rl.version, **data}, HTTP_HX_REQUEST="true")


def test_counter_moves_as_the_clerk_recommends(client, personas):
    p = personas
    decls = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(2)]
    rl = rec_list(p.district_b, p.guide)
    login(client, p.district_b_staff)
    response = _post(client, "quotas:recommend", rl, declaration=decls[0].pk, recommended="1")
    html = response.content.decode()
    assert response.status_code == 200 and 'id="ranking-panel"' in html
    numbers = counter(rl)
    assert (numbers["quota"], numbers["used"], numbers["left"]) == (2, 1, 1)
    assert 'data-counter="used">1<' in html and 'data-counter="left">1<' in html


def test_going_over_the_quota_is_refused_with_a_clear_message(client, personas):
    p = personas  # district_b: 2 places
    decls = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(3)]
    recommend(decls[0], p.district_b_staff)
    recommend(decls[1], p.district_b_staff)
    rl = rec_list(p.district_b, p.guide)
    login(client, p.district_b_staff)
    html = _post(client, "quotas:recommend", rl, declaration=decls[2].pk, recommended="1").content.decode()
    assert "超出推荐名额" in html
    assert counter(rl)["used"] == 2
    assert not rl.entries.get(declaration=decls[2]).recommended


def test_dcmm_level_three_does_not_take_a_place(personas):
    p = personas
    plain = [passed(p.guide, p.district_b, p.district_b_staff) for _ in range(2)]
    exempt = [passed(p.guide, p.district_b, p.district_b_staff, dcmm=level) for level in (3, 5)]
    below = passed(p.guide, p.district_b, p.district_b_staff, dcmm=2)
    for d in plain + exempt:
        recommend(d, p.district_b_staff)
    numbers = counter(rec_list(p.district_b, p.guide))
    assert (numbers["used"], numbers["exempt"], numbers["recommended"], numbers["left"]) == (2, 2, 4, 0)
    with pytest.raises(ListError, match="超出推荐名额"):
        recommend(below, p.district_b_staff)  # DCMM 2 still counts


def test_without_an_exemption_rule_every_project_counts(personas):
    guide = make_guide(2021)
    unit = make_unit(kind="soe", region="")
    staff = make_user("unit", unit=unit)
    decl = passed(guide, unit, staff, dcmm=5, direction="1")
    recommend(decl, staff)
    assert counter(rec_list(unit, guide))["used"] == 1


def test_moving_entries_changes_the_rank(client, personas):
    p = personas
    first, second = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    rl = rec_list(p.district_a, p.guide)
    assert list(rl.entries.values_list("declaration_id", flat=True)) == [first.pk, second.pk]
    login(client, p.district_a_staff)
    _post(client, "quotas:move", rl, declaration=second.pk, direction="up")
    assert list(rl.entries.values_list("declaration_id", flat=True)) == [second.pk, first.pk]
    assert list(rl.entries.values_list("rank", flat=True)) == [1, 2]


def test_a_stale_page_cannot_overwrite_a_newer_list(client, personas):
    p = personas
    first, second = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    rl = rec_list(p.district_a, p.guide)
    stale_version = rl.version
    recommend(first, p.district_a_staff)  # a colleague changed the list meanwhile
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:move", args=[rl.pk]),
                           {"version": stale_version, "declaration": second.pk, "direction": "up"},
                           HTTP_HX_REQUEST="true")
    assert "其他人员修改" in response.content.decode()
    assert list(rl.entries.values_list("declaration_id", flat=True)) == [first.pk, second.pk]


@pytest.mark.parametrize("data, message", [
    ({"declaration": "abc", "direction": "up"}, "项目编号无效"),
    ({"declaration": "1", "direction": "sideways"}, "移动方向只能是上移或下移"),
    ({"direction": "up"}, "未指明项目"),
])
def test_bad_form_values_get_a_specific_message(client, personas, data, message):
    p = personas
    passed(p.guide, p.district_a, p.district_a_staff)
    rl = rec_list(p.district_a, p.guide)
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:move", args=[rl.pk]), {"version": rl.version, **data},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and message in response.content.decode()


def test_another_units_list_answers_404(client, personas):
    p = personas
    passed(p.guide, p.district_a, p.district_a_staff)
    rl = rec_list(p.district_a, p.guide)
    login(client, p.district_b_staff)
    for name in ("quotas:move", "quotas:recommend", "quotas:confirm"):
        response = client.post(reverse(name, args=[rl.pk]), {"version": rl.version, "confirm_password": PASSWORD})
        assert response.status_code == 404


def test_ranking_actions_reject_get(client, personas):
    p = personas
    rl = rec_list(p.district_a, p.guide)
    login(client, p.district_a_staff)
    assert client.get(reverse("quotas:recommend", args=[rl.pk])).status_code == 405


def test_bad_filter_parameters_are_reported_not_crashing(client, personas):
    p = personas
    login(client, p.district_a_staff)
    response = client.get(reverse("quotas:workspace") + "?direction=999999&state=zz&exempt=maybe&guide=abc")
    html = response.content.decode()
    assert response.status_code == 200
    for message in ("所选方向不属于该指南", "没有这种申报状态", "名额筛选只能是", "所选申报指南不存在"):
        assert message in html


def test_filters_narrow_the_list(client, personas):
    p = personas
    exempt = passed(p.guide, p.district_a, p.district_a_staff, dcmm=4, name="豁免甲公司")
    plain = passed(p.guide, p.district_a, p.district_a_staff, name="普通乙公司", direction="5")
    login(client, p.district_a_staff)
    url = reverse("quotas:workspace")
    html = client.get(url + "?exempt=yes").content.decode()
    assert "豁免甲公司" in html and "普通乙公司" not in html
    d5 = p.guide.directions.get(code="5")
    html = client.get(url + f"?direction={d5.pk}").content.decode()
    assert "普通乙公司" in html and "豁免甲公司" not in html
    html = client.get(url + "?q=" + plain.organisation.credit_code.lower()).content.decode()
    assert "普通乙公司" in html and "豁免甲公司" not in html
    assert exempt.pk
