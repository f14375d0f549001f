import pytest
from django.utils import timezone

from declarations.services import submit_declaration
from quotas.administration import set_unit_setting
from quotas.formal_check import pass_check
from quotas.lists import get_list
from quotas.recommendation import confirm_recommendations, set_recommended
from tests.factories import PASSWORD, complete_declaration, make_org
from units.models import GroupMembership


def submitted(guide, unit, *, org=None, dcmm=0, direction="4", name=None):
    """A complete declaration to `unit`, submitted the way an applicant does."""
    org = org or make_org(name, region=unit.region or "12", dcmm=dcmm, division=unit.division or None)
    if unit.kind in ("soe", "demo_base"):  # a group or a base reaches only the members it has confirmed
        GroupMembership.objects.get_or_create(organisation=org, group=unit, defaults={
            "state": "accepted", "note": "集团全资子公司", "decided_at": timezone.now()})
    decl = complete_declaration(guide, org, unit, direction_code=direction)
    submit_declaration(decl, actor=None)
    return decl


def passed(guide, unit, staff, **kwargs):
    decl = submitted(guide, unit, **kwargs)
    pass_check(declaration=decl, actor=staff)
    return decl


def rec_list(unit, guide):
    return get_list(unit=unit, guide=guide)


def recommend(decl, staff, on=True):
    rl = rec_list(staff.unit, decl.guide)
    return set_recommended(rec_list=rl, declaration_id=decl.pk, recommended=on, actor=staff)


def confirm(staff, guide):
    return confirm_recommendations(rec_list=rec_list(staff.unit, guide), actor=staff)


@pytest.fixture
def confirm_password():
    return {"confirm_password": PASSWORD}


def close_districts(p, *units):
    """Let the districts' own confirmation deadlines pass (default: both of the personas' city), so the city
    may confirm without waiting for them."""
    from datetime import timedelta

    from django.utils import timezone

    for unit in units or (p.district_a, p.district_b):
        set_unit_setting(unit=unit, guide=p.guide, quota=None, deadline=timezone.now() - timedelta(minutes=1),
                                  reason="区级确认截止", actor=p.admin)
