from django.urls import reverse

from tests.utils import login


def test_landing_page_is_chinese(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "试点示范项目申报系统" in response.content.decode()
    assert 'lang="zh-CN"' in response.content.decode()


def test_applicant_dashboard_lists_open_guide(client, personas):
    login(client, personas.applicant_a)
    response = client.get(reverse("declarations:dashboard"))
    assert response.status_code == 200
    assert personas.guide.title in response.content.decode()


def test_setup_demo_loads_the_guides_and_an_open_demo_guide_twice(db, client):
    from django.core.management import call_command

    from declarations.demo import demo_guide
    from declarations.models import Guide

    call_command("setup_demo", stdout=__import__("io").StringIO())
    call_command("setup_demo", stdout=__import__("io").StringIO())  # safe to run again
    assert set(Guide.objects.values_list("year", flat=True)) >= {2017, 2020, 2021, 2022}
    live = demo_guide()
    assert live is not None and not live.applicant_deadline_passed()
    assert client.login(username="applicant1", password="Demo#2026pass")
    page = client.get(reverse("declarations:dashboard")).content.decode()
    assert live.title in page and "距截止还有" in page


def test_the_demo_years_derived_rows_match_their_sources(db, client):
    """The demo makes its rows directly: the dashboard's counters and the ranking's stored scores are rebuilt
    from them, so the demo's pages show what a fresh count and the reference scores give."""
    from django.core.management import call_command

    from declarations.models import Guide
    from review import queries
    from review.models import ProjectScore
    from tests.quotas.test_tallies import _tallies, _truth

    call_command("setup_demo", stdout=__import__("io").StringIO())
    for guide in Guide.objects.all():
        assert _tallies(guide) == _truth(guide), guide.title
        stored = {p.pk: (p.n, p.final, p.z) for p in ProjectScore.objects.filter(guide=guide)}
        assert stored == {pk: (s.n_reviews, s.final, s.z_score) for pk, s in queries.guide_scores(guide).items()}
    assert ProjectScore.objects.exists()
