"""The national generator: realistic, consistent with the domain rules, and idempotent."""

import pytest
from django.contrib.auth import get_user_model

from declarations.models import Declaration, Guide, Organisation
from declarations.validators import validate_credit_code
from operations import national
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
        # Five asked (the guide's setting); a panel member who declared a conflict is skipped.
        n = Review.objects.filter(assignment__declaration=decl, state="submitted").count()
        assert 1 <= n <= 5 and n == Assignment.objects.filter(declaration=decl, state="active").count()
    User = get_user_model()
    assert User.objects.filter(username__startswith=f"{national.PREFIX}rev_").count() == 40
    # every generated file has a kind, and what was submitted has the kinds the guide requires
    from declarations.attachment_kinds import missing_required
    from declarations.models import Attachment

    assert not Attachment.objects.filter(declaration__guide=guide, kind__isnull=True).exists()
    for decl in Declaration.objects.filter(guide=guide).exclude(state="draft").select_related("guide"):
        assert missing_required(decl) == [], decl


def test_it_can_run_again_without_duplicates(generated, settings, tmp_path):
    User = get_user_model()
    before = (User.objects.count(), Organisation.objects.count(), Declaration.objects.count(),
              Assignment.objects.count())
    again = national.generate(applicants=60, reviewers=40, seed=3)
    assert Guide.objects.filter(title=national.TITLE).count() == 1
    assert again["guide"].pk != generated["guide"].pk
    assert (User.objects.count(), Organisation.objects.count(), Declaration.objects.count(),
            Assignment.objects.count()) == before


def test_the_site_refuses_nothing_of_a_generated_year(generated):
    """Issue 12: the generator obeys the rules the site enforces; its own validators find nothing to refuse."""
    from datetime import timedelta

    from django.utils import timezone

    from declarations.eligibility import check_eligibility
    from declarations.guide_admin import publish_checklist
    from quotas.models import LetterSequence
    from quotas.readiness import confirmation_blockers
    from review.conflicts import conflict_reason
    from review.models import Panel, Selection
    from review.selection import min_reviews_by_direction, notice_problems, submitted_reviews
    from review.setup import settings_for

    guide = generated["guide"]
    refused = []
    refused += [f"guide: {item.problem}" for item in publish_checklist(guide, now=guide.published_at)
                if not item.ok]
    for decl in Declaration.objects.filter(guide=guide).exclude(state="draft").select_related("organisation"):
        refused += [f"{decl}: {f.message}" for f in check_eligibility(decl)]
    for rl in RecommendationList.objects.filter(guide=guide).select_related("unit", "guide"):
        if rl.is_confirmed:
            # As the unit saw it just before it confirmed: nothing may have stood in the way.
            refused += [f"{rl.unit}: {b}" for b in confirmation_blockers(rl, now=rl.confirmed_at - timedelta(seconds=1))]
        elif counter(rl)["over"]:
            refused.append(f"{rl.unit}: over quota")
    cfg = settings_for(guide)
    for a in Assignment.objects.filter(declaration__guide=guide, state="active").select_related(
            "declaration__organisation", "reviewer__reviewer_profile"):
        reason = conflict_reason(a.reviewer.reviewer_profile, a.declaration, region_switch=cfg.region_conflict)
        if reason:
            refused.append(f"assignment {a.pk}: {reason}")
        if not Panel.objects.filter(guide=guide, directions=a.declaration.direction_id, reviewers=a.reviewer).exists():
            refused.append(f"assignment {a.pk}: reviewer outside the direction's panel")
    minimum = min_reviews_by_direction(guide)
    selected = list(Selection.objects.filter(declaration__guide=guide).select_related("declaration"))
    have = submitted_reviews([s.declaration_id for s in selected])
    refused += [f"selection {s.declaration}: too few reviews" for s in selected
                if have.get(s.declaration_id, 0) < minimum.get(s.declaration.direction_id, 1)]
    refused += notice_problems(cfg, cfg.notice_start, cfg.notice_end, today=timezone.localdate(cfg.notice_opened_at))
    numbers = list(RecommendationList.objects.filter(guide=guide, state="confirmed")
                   .values_list("unit_id", "document_number"))
    assert len(set(numbers)) == len(numbers)
    for unit_id, number in numbers:
        assert LetterSequence.objects.get(unit_id=unit_id, year=timezone.localdate().year).last >= int(
            number.split("〕")[1].rstrip("号"))
    assert refused == []
    assert selected and Assignment.objects.filter(declaration__guide=guide).exists()
