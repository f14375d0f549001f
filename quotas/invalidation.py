"""Which cached pages a write to a quotas model touches (see core/pagecache.py).

Units, quota rules and per-unit settings are not listed: their rare edits bump "site".
"""

from core import pagecache
from quotas.models import ListEntry, RecommendationList, Unit


def list_scopes(rec_list):
    # A parent unit sees what its children confirmed: a child's list changes what the parent may open.
    parent = Unit.objects.filter(pk=rec_list.unit_id).values_list("parent_id", flat=True).first()
    return [f"unit:{rec_list.unit_id}", f"unit:{parent}" if parent else None]


def _saved_list_scopes(rec_list):
    # Confirming or reopening a district's list changes what its declarations' pages say
    # ("sent up to the parent unit") without a state change of their own.
    ids = ListEntry.objects.filter(rec_list=rec_list).values_list("declaration_id", flat=True)
    return [*list_scopes(rec_list), *(f"decl:{pk}" for pk in ids)]


def register():
    pagecache.depends_on(RecommendationList, _saved_list_scopes)
    pagecache.depends_on(ListEntry, lambda e: [f"decl:{e.declaration_id}", "ranking"])
