"""Review personas on top of the shared ones: a panel with assigned, conflicted and unassigned reviewers."""

import pytest

from declarations.services import transition
from review.models import Panel, ReviewerProfile
from review.setup import settings_for
from tests.factories import complete_declaration, make_org, make_user


def make_reviewer(username, *, name=None, employer="某大学", region="11", directions=(), conflicts=()):
    user = make_user("reviewer", username, full_name=name or username)
    profile = ReviewerProfile.objects.create(user=user, name=name or username, employer=employer, region=region)
    profile.expertise.set(directions)
    profile.conflicts.set(conflicts)
    return user


def recommend(decl, actor=None):
    for state in ("submitted", "passed", "recommended"):
        transition(decl, state, actor=actor)
    return decl


def recommended_declaration(guide, org=None, unit=None, direction_code="4", **fields):
    org = org or make_org()
    return recommend(complete_declaration(guide, org, unit, direction_code=direction_code, **fields))


class ReviewPersonas:
    def __init__(self, p):
        self.p = p
        guide = p.guide
        self.guide = guide
        self.direction = guide.directions.get(code="4")
        cfg = settings_for(guide)
        cfg.reviewers_per_declaration = 2
        cfg.save()
        self.decl_a = recommended_declaration(guide, p.org_a, p.district_a)
        self.decl_b = recommended_declaration(guide, p.org_b, p.district_b)
        self.assigned = make_reviewer("rev_assigned", name="王评审", employer="北京大学", region="11",
                                      directions=[self.direction])
        self.conflicted = make_reviewer("rev_conflicted", name="李评审", employer="甲数据公司", region="11")
        self.unassigned = make_reviewer("rev_unassigned", name="赵评审", employer="清华大学", region="11")
        self.panel = Panel.objects.create(guide=guide, name="第一评审组")
        self.panel.directions.set([self.direction])
        self.panel.reviewers.set([self.assigned, self.conflicted])

    def score(self, *decls, value=80):
        """One submitted review by the assigned reviewer on each declaration: enough for the panel's minimum (1)."""
        from review.assignment import add_reviewer
        from review.scoring import submit_review
        from review.setup import sheet_for

        for decl in decls:
            a = add_reviewer(declaration=decl, reviewer=self.assigned, actor=self.p.admin)
            scores = {f"score_{c.pk}": str(value) for c in sheet_for(decl).criteria.all()}
            submit_review(assignment=a, actor=self.assigned, scores=scores, comment="项目基础扎实，技术有创新，推广价值较高。")


@pytest.fixture
def rp(personas):
    return ReviewPersonas(personas)


def reviewed(decls, admin, username="rev_scored"):
    """One submitted review on each declaration (enough for a panel's default minimum), by a fresh expert."""
    from review.assignment import add_reviewer
    from review.scoring import submit_review
    from review.setup import sheet_for

    expert = make_reviewer(username, employer="南开大学", region="11")
    for decl in decls:
        a = add_reviewer(declaration=decl, reviewer=expert, actor=admin)
        submit_review(assignment=a, actor=expert, comment="项目基础扎实，技术有创新，推广价值较高。",
                      scores={f"score_{c.pk}": "80" for c in sheet_for(decl).criteria.all()})
