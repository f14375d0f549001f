"""Units and the ministry open on the guide with work pending for them, not simply the newest
(a published, empty newer guide must not hide pending declarations of the current one)."""

from django.urls import reverse

from declarations.models import Guide
from declarations.services import submit_declaration
from quotas.formal_check import pass_check
from quotas.lists import get_list
from quotas.recommendation import confirm_recommendations, set_recommended
from tests.factories import complete_declaration, make_guide
from tests.utils import login


def _pending_setup(personas):
    decl = complete_declaration(personas.guide, personas.org_a, personas.district_a)
    submit_declaration(decl, actor=personas.applicant_a)
    newer = make_guide(2022, title="2027年空指南")
    Guide.objects.filter(pk=newer.pk).update(year=2027)
    newer.refresh_from_db()
    return decl, newer


def test_unit_opens_on_the_guide_with_declarations_to_check(personas, client):
    decl, newer = _pending_setup(personas)
    login(client, personas.district_a_staff)
    for name in ("quotas:workspace", "quotas:ranking"):
        assert client.get(reverse(name)).context["guide"] == personas.guide, name
    # a unit with nothing pending anywhere opens on the newest guide
    login(client, personas.district_b_staff)
    assert client.get(reverse("quotas:workspace")).context["guide"] == newer
    # ?guide= still wins
    login(client, personas.district_a_staff)
    assert client.get(reverse("quotas:workspace"), {"guide": newer.pk}).context["guide"] == newer


def test_once_the_list_is_confirmed_the_unit_opens_on_the_newest_guide(personas, client):
    decl, newer = _pending_setup(personas)
    pass_check(declaration=decl, actor=personas.district_a_staff)
    login(client, personas.district_a_staff)
    assert client.get(reverse("quotas:workspace")).context["guide"] == personas.guide  # still to rank
    rec_list = get_list(unit=personas.district_a, guide=personas.guide)
    set_recommended(rec_list=rec_list, declaration_id=decl.pk, recommended=True, actor=personas.district_a_staff)
    confirm_recommendations(rec_list=get_list(unit=personas.district_a, guide=personas.guide),
                              actor=personas.district_a_staff)
    assert client.get(reverse("quotas:workspace")).context["guide"] == newer
    # the city now has the sent-up declaration to rank: it opens on the older guide
    login(client, personas.city_staff)
    assert client.get(reverse("quotas:ranking")).context["guide"] == personas.guide


def test_ministry_opens_on_the_guide_with_declarations_in_progress(personas, client):
    _pending_setup(personas)
    login(client, personas.admin)
    assert client.get(reverse("operations:dashboard")).context["guide"] == personas.guide
    assert client.get(reverse("quotas:overview")).context["guide"] == personas.guide
