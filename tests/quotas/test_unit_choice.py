"""Which units an applicant may choose: the queryset (form choices) and the check of one loaded unit
(eligibility on pages that already hold the unit) must agree for every kind of unit."""

import pytest

from quotas.models import Unit
from tests.factories import make_org, make_unit

pytestmark = pytest.mark.django_db


def test_may_recommend_agrees_with_recommending_for():
    org = make_org(region="12")
    units = [make_unit(kind=Unit.Kind.PROVINCE, region="12"), make_unit(kind=Unit.Kind.PROVINCE, region="31"),
             make_unit(kind=Unit.Kind.SOE, region=""), make_unit(kind=Unit.Kind.DISTRICT, region="12")]
    retired = make_unit(kind=Unit.Kind.PROVINCE, region="12")
    retired.is_active = False
    retired.save()
    units.append(retired)
    allowed = set(Unit.objects.recommending_for(org).values_list("pk", flat=True))
    assert {u.pk for u in units if u.may_recommend(org)} == allowed & {u.pk for u in units}
    assert units[0].may_recommend(org) and units[2].may_recommend(org)
    assert not units[1].may_recommend(org) and not retired.may_recommend(org)
