"""Unit staff see their own unit's declarations and, for a parent, what its children sent up; never drafts."""

from django.urls import reverse

from declarations.access import can_view_declaration
from quotas.queries import declarations_for_unit
from tests.factories import complete_declaration, make_org
from tests.utils import login

from .conftest import confirm, passed, recommend, submitted


def test_sibling_districts_see_only_their_own(personas):
    p = personas
    a = submitted(p.guide, p.district_a)
    b = submitted(p.guide, p.district_b)
    assert list(declarations_for_unit(p.district_a_staff)) == [a]
    assert list(declarations_for_unit(p.district_b_staff)) == [b]
    assert can_view_declaration(p.district_a_staff, a) and not can_view_declaration(p.district_a_staff, b)


def test_drafts_are_never_visible(personas):
    p = personas
    draft = complete_declaration(p.guide, make_org(), p.district_a)
    assert draft.state == "draft"
    assert not declarations_for_unit(p.district_a_staff).exists()
    assert not can_view_declaration(p.district_a_staff, draft)


def test_parent_sees_only_what_children_recommended_in_confirmed_lists(personas):
    p = personas
    sent = passed(p.guide, p.district_a, p.district_a_staff)
    kept_back = passed(p.guide, p.district_a, p.district_a_staff)
    unchecked_sibling = submitted(p.guide, p.district_b)
    recommend(sent, p.district_a_staff)
    assert not declarations_for_unit(p.city_staff).exists()  # the child has not confirmed yet
    confirm(p.district_a_staff, p.guide)
    assert list(declarations_for_unit(p.city_staff)) == [sent]
    assert not can_view_declaration(p.city_staff, kept_back)
    assert not can_view_declaration(p.city_staff, unchecked_sibling)
    assert not can_view_declaration(p.district_b_staff, sent)  # a sibling never sees it


def test_other_units_pages_answer_404(client, personas):
    p = personas
    b = submitted(p.guide, p.district_b)
    login(client, p.district_a_staff)
    assert client.get(reverse("quotas:declaration", args=[b.pk])).status_code == 404
    assert client.post(reverse("quotas:pass", args=[b.pk])).status_code == 404
    assert client.post(reverse("quotas:return", args=[b.pk]), {"reason": "x"}).status_code == 404
    b.refresh_from_db()
    assert b.state == "submitted"


def test_workspace_lists_own_declarations_only(client, personas):
    p = personas
    a = submitted(p.guide, p.district_a, name="滨海甲公司")
    submitted(p.guide, p.district_b, name="河西乙公司")
    login(client, p.district_a_staff)
    html = client.get(reverse("quotas:workspace")).content.decode()
    assert a.organisation.name in html and a.organisation.credit_code in html
    assert "河西乙公司" not in html


def test_applicants_and_strangers_cannot_use_unit_pages(client, personas):
    login(client, p := personas.applicant_a)
    assert client.get(reverse("quotas:workspace")).status_code == 403
    client.logout()
    assert client.get(reverse("quotas:workspace")).status_code == 302
    assert p is not None


def test_parent_cannot_formally_check_what_a_child_sent_up(client, personas):
    p = personas
    sent = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(sent, p.district_a_staff)
    confirm(p.district_a_staff, p.guide)
    login(client, p.city_staff)
    assert client.get(reverse("quotas:declaration", args=[sent.pk])).status_code == 200
    assert client.post(reverse("quotas:return", args=[sent.pk]), {"reason": "退回"}).status_code == 404
    sent.refresh_from_db()
    assert sent.state == "passed"
