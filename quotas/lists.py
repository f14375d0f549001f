"""A unit's recommendation list under a guide: getting it, locking it, keeping its entries in step.

Owns the list errors (`ListError`, `StaleList`), creating a list on first use, locking its row
(SELECT ... FOR UPDATE) and checking it is still an open draft before the deadline at the page's
version, syncing its entries with the unit's pool of passed declarations, and the quota check.
Every change to a list goes through these first; lock order is always child list → parent list →
declarations, so nothing deadlocks.
"""


from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations.models import Guide
from units.models import Unit

from .models import ListEntry, RecommendationList
from .queries import counter, deadline_for, mark_places, pool
from .readiness import child_ranks


class ListError(Exception):
    """A change the rules refuse; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleList(ListError):
    def __init__(self):
        super().__init__(_("推荐名单已被本单位其他人员修改，请刷新页面后再操作"))


def format_time(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def get_list(*, unit, guide):
    """The unit's list under the guide, created empty on first use."""
    rec_list, _created = RecommendationList.objects.get_or_create(guide=guide, unit=unit)
    if isinstance(guide, Guide) and isinstance(unit, Unit):  # the caller's objects: no query to read them again
        rec_list.guide, rec_list.unit = guide, unit
    return rec_list


def get_unit_list(*, unit_id, guide):
    """get_list for a unit's staff (`unit_id` from the user's row) with the unit and its parent read in the same
    query: the list pages need not read the user's unit on its own."""
    rec_list = RecommendationList.objects.select_related("unit__parent").filter(guide=guide, unit_id=unit_id).first()
    if rec_list is None:
        return get_list(unit=Unit.objects.select_related("parent").get(pk=unit_id), guide=guide)
    rec_list.guide = guide
    return rec_list


def lock_list(*, unit, guide):
    rec_list = get_list(unit=unit, guide=guide)
    # Lock the list row only ("of self"): joined guide and unit rows stay free for other units.
    return (RecommendationList.objects.select_for_update(of=("self",)).select_related("guide", "unit")
            .get(pk=rec_list.pk))


def ensure_open(rec_list, now=None, expected_version=None):
    if rec_list.is_confirmed:
        raise ListError(_("推荐名单已于 %(at)s 确认，不能再修改；如需修改请联系主管部门重新开放")
                        % {"at": format_time(rec_list.confirmed_at)})
    deadline = deadline_for(rec_list.unit, rec_list.guide)
    if deadline is not None and (now or timezone.now()) >= deadline:
        raise ListError(_("本单位的推荐确认已于 %(deadline)s 截止；如需延期请联系主管部门")
                        % {"deadline": format_time(deadline)})
    if expected_version is not None and expected_version != rec_list.version:
        raise StaleList()


def bump_version(rec_list):
    RecommendationList.objects.filter(pk=rec_list.pk).update(version=F("version") + 1, updated_at=timezone.now())
    rec_list.refresh_from_db(fields=["version", "updated_at"])


def sync_entries(rec_list):
    """Make the entries match the unit's pool of passed declarations (only while the list is a draft)."""
    wanted = list(pool(rec_list.unit, rec_list.guide).order_by("submitted_at", "pk").values_list("pk", flat=True))
    wanted_set = set(wanted)
    entries = list(rec_list.entries.all())
    stale = [e.pk for e in entries if e.declaration_id not in wanted_set]
    if stale:
        ListEntry.objects.filter(pk__in=stale).delete()
    kept = sorted((e for e in entries if e.declaration_id in wanted_set), key=lambda e: (e.rank, e.pk))
    have = {e.declaration_id for e in kept}
    arriving = [d for d in wanted if d not in have]
    if arriving and rec_list.unit.children.exists():
        # What a district sent up arrives in the district's order (its rank), not by submission time.
        ranks = child_ranks(rec_list)
        position = {d: i for i, d in enumerate(wanted)}
        arriving.sort(key=lambda d: (ranks[d][1] if d in ranks else 0, position[d]))
    new = [ListEntry(rec_list=rec_list, declaration_id=d, rank=0) for d in arriving]
    if new:
        ListEntry.objects.bulk_create(new)
        mark_places(rec_list.guide, rec_list.entries.filter(declaration_id__in=arriving))
        order = {d: i for i, d in enumerate(arriving)}
        new = sorted(rec_list.entries.filter(declaration_id__in=arriving), key=lambda e: order[e.declaration_id])
    changed = []
    for rank, entry in enumerate(kept + new, 1):
        if entry.rank != rank:
            entry.rank = rank
            changed.append(entry)
    if changed:
        ListEntry.objects.bulk_update(changed, ["rank"])


def refresh_list(*, unit, guide):
    """Bring a draft list up to date with its pool (new passes, children's confirmations); returns it."""
    with transaction.atomic():
        rec_list = lock_list(unit=unit, guide=guide)
        if not rec_list.is_confirmed:
            sync_entries(rec_list)
    return rec_list


def check_quota(rec_list):
    numbers = counter(rec_list)
    if numbers["used"] and numbers["quota"] is None:
        raise ListError(_("主管部门尚未为本单位设定本年度推荐名额，暂不能推荐占用名额的项目；请联系主管部门设定名额"))
    if numbers["over"]:
        raise ListError(_("超出推荐名额：本单位名额 %(quota)s 个，推荐后将占用 %(used)s 个。"
                          "DCMM 豁免的项目不占名额，请先取消其他项目的推荐") % numbers)
    return numbers
