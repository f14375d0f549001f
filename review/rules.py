"""Who may see what of the review. The one place for these checks (django-rules)."""

import rules

from core.rules import is_ministry, is_reviewer

from .conflicts import conflict_reason
from .models import Assignment, ReviewerProfile, ReviewSettings


def active_assignment(user, declaration):
    """The reviewer's active assignment of `declaration` if the conflict rule allows it, else None."""
    if not (user.is_authenticated and user.is_reviewer) or declaration is None:
        return None
    a = Assignment.objects.filter(reviewer=user, declaration=declaration, state=Assignment.State.ACTIVE).first()
    if a is None:
        return None
    profile = ReviewerProfile.objects.filter(user=user).first()
    region_switch = ReviewSettings.objects.filter(guide_id=declaration.guide_id, region_conflict=True).exists()
    if conflict_reason(profile, declaration, region_switch=region_switch):
        return None
    return a


@rules.predicate
def is_assigned_reviewer(user, declaration):
    return active_assignment(user, declaration) is not None


@rules.predicate
def owns_review_copy(user, assignment):
    """The reviewer's PDF copy follows the assignment: its reviewer, while it is active and conflict-free."""
    if assignment is None or not isinstance(assignment, Assignment) or assignment.reviewer_id != user.pk:
        return False
    found = active_assignment(user, assignment.declaration)
    return found is not None and found.pk == assignment.pk


@rules.predicate
def is_own_active_assignment(user, assignment):
    """The reviewer's own assignment while it is active. The pages' fetcher (review.queries.reviewer_page_assignment)
    applies the conflict rule in the query that finds it, so this predicate costs nothing more."""
    return (isinstance(assignment, Assignment) and user.is_authenticated and assignment.reviewer_id == user.pk
            and assignment.state == Assignment.State.ACTIVE)


rules.add_perm("review.work_as_reviewer", is_reviewer)  # the reviewer's queue and profile
rules.add_perm("review.open_assignment", is_own_active_assignment)
rules.add_perm("review.view_declaration", is_assigned_reviewer | is_ministry)
rules.add_perm("review.view_review_copy", owns_review_copy)
rules.add_perm("review.manage", is_ministry)
