"""Random and hostile input against the applicant's forms: never a 500, always a
Chinese message, and nothing half-written."""

import json

import pytest
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from declarations.models import Declaration, Organisation
from tests.factories import make_guide, make_org, make_unit
from tests.hostile.conftest import CJK, hostile_int, hostile_text
from tests.utils import login

FIELDS = ["project_name", "summary", "innovation", "benefits", "promotion", "open_source",
          "construction_status", "applicant_role", "stats_report_year"]


@pytest.fixture
def world(db):
    guide = make_guide(2022)
    other_guide = make_guide(2021)
    org = make_org(region="12")
    from tests.factories import make_user

    user = make_user("applicant", organisation=org)
    decl = Declaration.objects.create(guide=guide, organisation=org, project_name="原始名称")
    unit = make_unit(region="12")
    foreign_unit = make_unit(region="44")
    return {"guide": guide, "decl": decl, "user": user, "unit": unit, "foreign_unit": foreign_unit,
            "foreign_direction": other_guide.directions.first()}


@given(data=st.data())
def test_autosave_rejects_garbage_without_touching_the_draft(world, data):
    client = login(Client(), world["user"])
    decl = Declaration.objects.get(pk=world["decl"].pk)
    before = model_to_dict(decl)
    payload = {name: data.draw(hostile_text, label=name) for name in FIELDS}
    payload["version"] = data.draw(st.one_of(st.just(decl.version), hostile_int), label="version")
    payload["direction"] = data.draw(st.sampled_from(
        ["", str(world["foreign_direction"].pk), "999999", "abc", str(world["guide"].directions.first().pk)]))
    payload["unit"] = data.draw(st.sampled_from(["", str(world["foreign_unit"].pk), "-1", str(world["unit"].pk)]))
    payload["cases"] = data.draw(st.one_of(hostile_text, st.just(json.dumps([{"name": "x" * 200}])),
                                           st.just(json.dumps({"not": "a list"}))))
    payload["ip_items"] = data.draw(st.one_of(hostile_text, st.just("[" * 1000)))
    response = client.post(reverse("declarations:autosave", args=[decl.pk]), payload)
    assert response.status_code in (200, 400, 409), response.status_code
    body = response.json()
    after = model_to_dict(Declaration.objects.get(pk=decl.pk))
    if response.status_code == 200:
        assert after["version"] == before["version"] + 1
        assert after["unit"] in (None, world["unit"].pk)  # never a unit outside the applicant's region
    else:
        assert after == before  # nothing half-written
        messages = [body.get("message", "")] + [m for ms in body.get("errors", {}).values() for m in ms]
        assert any(CJK.search(m) for m in messages if m)


@given(data=st.data())
def test_registration_never_fails_with_a_server_error(db, data):
    client = Client()
    payload = {
        "org_name": data.draw(hostile_text), "credit_code": data.draw(hostile_text),
        "kind": data.draw(st.sampled_from(["enterprise", "institute", "bogus", ""])),
        "region": data.draw(st.sampled_from(["12", "99", "", "<x>"])),
        "dcmm_level": data.draw(hostile_int), "contact_name": data.draw(hostile_text),
        "contact_phone": data.draw(hostile_text), "email": data.draw(hostile_text),
        "username": data.draw(hostile_text), "password1": "Strong#pass-2026", "password2": data.draw(
            st.sampled_from(["Strong#pass-2026", "other"])),
    }
    count = Organisation.objects.count()
    response = client.post(reverse("register"), payload)
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert Organisation.objects.count() == count
        form = response.context["form"]
        assert form.errors
        for field, messages in form.errors.items():
            for m in messages:
                assert CJK.search(m), (field, m)
