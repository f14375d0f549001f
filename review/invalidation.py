"""Which cached pages a write to a review model touches (see core/pagecache.py).

Settings, sheets, criteria and panels are not listed: their rare edits bump "site".
"""

from core import pagecache
from review.models import Assignment, Review, ReviewerProfile, Score, Selection


def assignment_scopes(a):
    return [f"user:{a.reviewer_id}", f"assignment:{a.pk}", f"decl:{a.declaration_id}", "ranking"]


def _review_scopes(review):
    a = Assignment.objects.filter(pk=review.assignment_id).values_list("reviewer_id", flat=True).first()
    return [f"assignment:{review.assignment_id}", f"user:{a}" if a else None, "ranking"]


def _score_scopes(score):
    a = Review.objects.filter(pk=score.review_id).values_list("assignment_id", flat=True).first()
    return [f"assignment:{a}" if a else None, "ranking"]


def register():
    pagecache.depends_on(Assignment, assignment_scopes)
    pagecache.depends_on(Review, _review_scopes)
    pagecache.depends_on(Score, _score_scopes)
    pagecache.depends_on(Selection, lambda s: [f"decl:{s.declaration_id}", "ranking"])
    pagecache.depends_on(ReviewerProfile, lambda p: [f"user:{p.user_id}"])
