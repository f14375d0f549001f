"""The national generator: realistic, consistent with the domain rules, and idempotent."""

import pytest
from django.contrib.auth import get_user_model

from core import national
from declarations.models import Declaration, Guide, Organisation
from declarations.validators import validate_credit_code
from quotas.models import RecommendationList
from quotas.queries import counter
from review.models import Assignment, Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def generated(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return national.generate(applicants=60, reviewers=40, seed=3)


def test_it_builds_one_consistent_year(generated):
    guide = generated["guide"]
    assert "全国规模" in guide.title and guide.is_published
    orgs = Organisation.objects.filter(users__username__startswith=national.PREFIX)
    assert orgs.count() == 60
    for code in orgs.values_list("credit_code", flat=True):
        validate_credit_code(code)
    assert Declaration.objects.filter(guide=guide).count() == 60
    assert set(Declaration.objects.filter(guide=guide).values_list("state", flat=True)) >= {"draft", "recommended"}
    for rl in RecommendationList.objects.filter(guide=guide).select_related("unit", "guide"):
        assert not counter(rl)["over"], f"{rl.unit} recommends more than its quota"
        if rl.is_confirmed:
            assert not Declaration.objects.filter(guide=guide, unit=rl.unit, state="submitted").exists()
    for decl in Declaration.objects.filter(guide=guide, state="recommended"):
        assert Review.objects.filter(assignment__declaration=decl, state="submitted").count() == 5
    User = get_user_model()
    assert User.objects.filter(username__startswith=f"{national.PREFIX}rev_").count() == 40


def test_it_can_run_again_without_duplicates(generated, settings, tmp_path):
    User = get_user_model()
    before = (User.objects.count(), Organisation.objects.count(), Declaration.objects.count(),
              Assignment.objects.count())
    again = national.generate(applicants=60, reviewers=40, seed=3)
    assert Guide.objects.filter(title=national.TITLE).count() == 1
    assert again["guide"].pk != generated["guide"].pk
    assert (User.objects.count(), Organisation.objects.count(), Declaration.objects.count(),
            Assignment.objects.count()) == before
