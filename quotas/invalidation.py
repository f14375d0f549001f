"""Which cached pages a write to a quotas model touches (see core/pagecache.py).

Units, quota rules and per-unit settings are not listed: their rare edits bump "site".
"""

from core import pagecache
from quotas.models import ListEntry, RecommendationList, Unit


def list_scopes(rec_list):
    # A parent unit sees what its children confirmed: a child's list changes what the parent may open.
    parent = Unit.objects.filter(pk=rec_list.unit_id).values_list("parent_id", flat=True).first()
    return [f"unit:{rec_list.unit_id}", f"unit:{parent}" if parent else None]


def register():
    pagecache.depends_on(RecommendationList, list_scopes)
    pagecache.depends_on(ListEntry, lambda e: [f"decl:{e.declaration_id}", "ranking"])
