import re

import pytest
from django.urls import reverse

from declarations.models import Declaration
from tests.factories import complete_declaration, make_org
from tests.utils import login

S = Declaration.State


def _count(client, url):
    body = client.get(url).content.decode()
    return int(re.search(r'id="result-count">共 (\d+) 份', body).group(1))


@pytest.fixture
def spread(personas):
    """Declarations in several states, directions and regions."""
    g = personas.guide
    plan = [("submitted", "4", "12"), ("submitted", "5", "12"), ("passed", "4", "13"), ("returned", "6", "12"),
            ("recommended", "4", "13"), ("draft", "4", "12"), ("draft", "5", "31")]
    for state, code, region in plan:
        complete_declaration(g, make_org(region=region), personas.city, direction_code=code, state=state)
    return g


class TestAdminDashboard:
    def test_it_is_for_the_ministry_only(self, client, personas):
        login(client, personas.city_staff)
        assert client.get(reverse("operations:dashboard")).status_code == 403
        login(client, personas.applicant_a)
        assert client.get(reverse("operations:declarations")).status_code == 403

    def test_numbers_match_the_lists(self, client, personas, spread):
        login(client, personas.admin)
        r = client.get(reverse("operations:dashboard"), {"guide": spread.pk})
        assert r.status_code == 200
        ctx = r.context
        assert ctx["total"] == 5 and ctx["drafts"] == 2
        base = reverse("operations:declarations") + f"?guide={spread.pk}"
        assert _count(client, base) == ctx["total"]
        for s in ctx["states"]:
            if s["key"] != "draft":
                assert _count(client, f"{base}&state={s['key']}") == s["n"], s
        assert {s["key"]: s["n"] for s in ctx["states"]}["submitted"] == 2
        for d in ctx["directions"]:
            assert _count(client, f"{base}&direction={d['key']}") == d["n"], d
        assert sum(d["n"] for d in ctx["directions"]) == ctx["total"]
        for reg in ctx["regions"]:
            assert _count(client, f"{base}&region={reg['key']}") == reg["n"], reg
        assert {r_["key"]: r_["n"] for r_ in ctx["regions"]} == {"12": 3, "13": 2}
        assert 'id="dashboard-data" type="application/json"' in r.content.decode()
        assert "<script>" not in r.content.decode()

    def test_unit_progress_matches_the_lists(self, client, personas, spread):
        from quotas.models import RecommendationList

        RecommendationList.objects.create(guide=spread, unit=personas.city, state="confirmed")
        login(client, personas.admin)
        units = client.get(reverse("operations:dashboard"), {"guide": spread.pk}).context["units"]
        city = next(u for u in units if u.pk == personas.city.pk)
        assert city.n_declarations == 5 and city.n_passed == 2 and city.confirmed
        assert city.n_declarations == Declaration.objects.filter(guide=spread, unit=personas.city).exclude(
            state="draft").count()

    def test_review_progress_per_panel(self, client, personas, spread):
        from review.models import Assignment, Panel, Review
        from tests.factories import make_user

        panel = Panel.objects.create(guide=spread, name="第一组")
        panel.directions.add(spread.directions.get(code="4"))
        r1, r2 = make_user("reviewer"), make_user("reviewer")
        panel.reviewers.add(r1, r2)
        decl = Declaration.objects.get(guide=spread, state="recommended")
        Assignment.objects.create(declaration=decl, reviewer=r1)
        done = Assignment.objects.create(declaration=decl, reviewer=r2)
        Review.objects.create(assignment=done, state="submitted")
        login(client, personas.admin)
        panels = client.get(reverse("operations:dashboard"), {"guide": spread.pk}).context["panels"]
        assert [(p.name, p.total, p.done, p.percent, p.n_reviewers) for p in panels] == [("第一组", 2, 1, 50, 2)]

    def test_unknown_guide_is_404(self, client, personas):
        login(client, personas.admin)
        assert client.get(reverse("operations:dashboard"), {"guide": "999999"}).status_code == 404
        assert client.get(reverse("operations:dashboard"), {"guide": "x"}).status_code == 404

    @pytest.mark.parametrize("n", [3, 30])
    def test_declaration_list_query_count_is_fixed(self, client, personas, count_queries, n):
        for _ in range(n):
            complete_declaration(personas.guide, make_org(), personas.city, state="submitted")
        login(client, personas.admin)
        url = reverse("operations:declarations") + f"?guide={personas.guide.pk}"
        assert count_queries(lambda: client.get(url)) <= 10

    @pytest.mark.parametrize("n", [3, 30])
    def test_dashboard_query_count_is_fixed(self, client, personas, count_queries, n):
        for i in range(n):
            complete_declaration(personas.guide, make_org(region=["12", "13", "31"][i % 3]), personas.city,
                                 state="submitted")
        login(client, personas.admin)
        assert count_queries(lambda: client.get(reverse("operations:dashboard"))) <= 14


def test_ministry_home_links_the_operations_pages(client, personas):
    login(client, personas.admin)
    body = client.get(reverse("operations:ministry_home")).content.decode()
    for name in ("operations:dashboard", "core:audit_log", "guides:list", "guides:copy"):
        assert f'href="{reverse(name)}"' in body, name
