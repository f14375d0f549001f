"""The assignment table's reviewer search (issue 14): a gated JSON endpoint over the row's panel, and the add and
swap forms that take a name, username or employer and say in Chinese when it matches nobody or several."""

import pytest
from django.urls import reverse

from review.assignment import add_reviewer
from review.models import Assignment, Panel
from review.reviewer_search import SEARCH_LIMIT
from tests.factories import make_guide
from tests.review.conftest import make_reviewer
from tests.utils import login


def _search(client, rp, q, panel="default"):
    params = {"q": q}
    if panel == "default":
        params["panel"] = rp.panel.pk
    elif panel is not None:
        params["panel"] = panel
    return client.get(reverse("review:assignment_reviewers", args=[rp.guide.pk]), params)


def _values(response):
    assert response.status_code == 200
    return [r["value"] for r in response.json()["results"]]


@pytest.mark.parametrize("who", ["assigned", "applicant_a", "city_staff", "district_a_staff"])
def test_only_the_ministry_may_search_reviewers(rp, client, who):
    user = getattr(rp, who, None) or getattr(rp.p, who)
    login(client, user)
    assert _search(client, rp, "王").status_code in (403, 404)


def test_anonymous_is_sent_to_sign_in(rp, client):
    assert _search(client, rp, "王").status_code in (302, 403, 404)


def test_search_offers_the_panels_reviewers_by_name_username_or_employer(rp, client):
    login(client, rp.p.admin)
    assert _values(_search(client, rp, "王")) == ["rev_assigned"]
    assert _values(_search(client, rp, "北京")) == ["rev_assigned"]  # employer
    assert sorted(_values(_search(client, rp, "rev_"))) == ["rev_assigned", "rev_conflicted"]  # not rev_unassigned
    assert _values(_search(client, rp, "赵")) == []  # a reviewer outside the panel is never offered
    assert _values(_search(client, rp, "")) == []
    assert "王评审（北京大学）" in [r["label"] for r in _search(client, rp, "王").json()["results"]]
    # A declaration whose direction has no panel is offered every reviewer, as the datalist did.
    assert _values(_search(client, rp, "赵", panel=None)) == ["rev_unassigned"]


def test_search_refuses_a_panel_of_another_guide(rp, client):
    other = Panel.objects.create(guide=make_guide(2023), name="他组")
    login(client, rp.p.admin)
    assert _search(client, rp, "王", panel=other.pk).status_code == 404
    assert _search(client, rp, "王", panel="x").status_code == 404


def test_search_answers_at_most_the_limit(rp, client):
    rp.panel.reviewers.add(*[make_reviewer(f"zhang{i:02d}", name=f"张{i:02d}") for i in range(SEARCH_LIMIT + 5)])
    login(client, rp.p.admin)
    values = _values(_search(client, rp, "张"))
    assert len(values) == SEARCH_LIMIT and values == [f"zhang{i:02d}" for i in range(SEARCH_LIMIT)]


def _add(client, rp, text, decl=None, referer=None):
    extra = {"HTTP_REFERER": referer} if referer else {}
    return client.post(reverse("review:add_assignment", args=[rp.guide.pk]),
                       {"declaration": (decl or rp.decl_b).pk, "reviewer": text}, **extra)


@pytest.mark.parametrize("text", ["王评审", "rev_assigned", "王", "北京大学", " 王评审 "])
def test_the_add_form_takes_a_name_username_or_prefix(rp, client, text):
    login(client, rp.p.admin)
    _add(client, rp, text)
    assert list(rp.decl_b.assignments.values_list("reviewer", flat=True)) == [rp.assigned.pk]


def test_the_add_form_still_takes_a_user_id(rp, client):
    login(client, rp.p.admin)
    _add(client, rp, str(rp.assigned.pk))
    assert list(rp.decl_b.assignments.values_list("reviewer", flat=True)) == [rp.assigned.pk]


def test_no_match_or_several_say_so_and_keep_the_input(rp, client):
    rp.panel.reviewers.add(make_reviewer("rev_wang2", name="王二", employer="南开大学"))
    login(client, rp.p.admin)
    page = client.get(_add(client, rp, "王").url).content.decode()
    assert "有多位评审专家与“王”匹配" in page and "rev_wang2" in page and 'value="王"' in page
    page = client.get(_add(client, rp, "赵评审").url).content.decode()  # outside the panel
    assert "评审组“第一评审组”中没有与“赵评审”匹配的评审专家" in page and 'value="赵评审"' in page
    page = client.get(_add(client, rp, "").url).content.decode()
    assert "请输入评审专家的姓名、用户名或工作单位" in page
    assert not rp.decl_b.assignments.exists()
    # The kept input is shown once, in its own row's form only.
    page = client.get(reverse("review:assignments", args=[rp.guide.pk])).content.decode()
    assert 'value="赵评审"' not in page


def test_an_exact_name_wins_over_a_longer_one(rp, client):
    rp.panel.reviewers.add(make_reviewer("rev_wang2", name="王评审二"))
    login(client, rp.p.admin)
    _add(client, rp, "王评审")
    assert list(rp.decl_b.assignments.values_list("reviewer", flat=True)) == [rp.assigned.pk]


def test_a_refused_assignment_keeps_the_input_too(rp, client):
    login(client, rp.p.admin)
    page = client.get(_add(client, rp, "李评审", decl=rp.decl_a).url).content.decode()  # employer conflict
    assert "专家工作单位与申报单位相同" in page and 'value="李评审"' in page
    assert not rp.decl_a.assignments.exists()


def test_swap_by_name(rp, client):
    a = add_reviewer(declaration=rp.decl_b, reviewer=rp.conflicted, actor=rp.p.admin)
    login(client, rp.p.admin)
    response = client.post(reverse("review:swap_assignment", args=[a.pk]), {"reviewer": "赵"})
    page = client.get(response.url).content.decode()
    assert "没有与“赵”匹配的评审专家" in page and 'value="赵"' in page
    client.post(reverse("review:swap_assignment", args=[a.pk]), {"reviewer": "王评审"})
    assert list(rp.decl_b.assignments.values_list("reviewer", flat=True)) == [rp.assigned.pk]


def test_back_on_the_page_the_form_came_from(rp, client):
    login(client, rp.p.admin)
    url = reverse("review:assignments", args=[rp.guide.pk])
    response = _add(client, rp, "王评审", referer=f"http://testserver{url}?direction={rp.direction.pk}&evil=1")
    assert response.url == f"{url}?direction={rp.direction.pk}#d{rp.decl_b.pk}"
    response = _add(client, rp, "王评审", decl=rp.decl_a, referer="http://elsewhere.example/x?direction=1")
    assert response.url == f"{url}#d{rp.decl_a.pk}"
    assert Assignment.objects.filter(reviewer=rp.assigned).count() == 2


def test_the_table_embeds_no_reviewer_list(rp, client):
    login(client, rp.p.admin)
    page = client.get(reverse("review:assignments", args=[rp.guide.pk])).content.decode()
    assert "<datalist" not in page and "王评审" not in page and "赵评审" not in page
    assert f'data-panel="{rp.panel.pk}"' in page and "js/reviewer-search.js" in page
