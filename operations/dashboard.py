"""The admin dashboard's numbers, each one database aggregation over the same
queryset the matching list page shows (admin_declarations), so they agree.

Unit progress reads the quotas room and review progress the review room; each
part returns None when its room has no tables yet.
"""

from django.db import DatabaseError
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from core.regions import REGION_NAMES, TILES
from declarations import tallies
from declarations.models import Declaration
from quotas.models import RecommendationList, UnitGuideSetting
from review.models import Assignment, Panel
from units.models import Unit

S = Declaration.State


def admin_declarations(guide, *, state=None, direction=None, region=None, include_drafts=False):
    """The declarations the admin's list shows for a guide, with the dashboard's filters."""
    qs = Declaration.objects.filter(guide=guide)
    if not include_drafts and state != S.DRAFT:
        qs = qs.exclude(state=S.DRAFT)
    if state:
        qs = qs.filter(state=state)
    if direction:
        qs = qs.filter(direction_id=direction)
    if region:
        qs = qs.filter(organisation__region=region)
    return qs


def breakdown(guide):
    """[(state, direction id, region, unit id, n)] over the guide's declarations, for the counts below (by state,
    by direction, by region, per unit): read from the counters the services keep (declarations.tallies), a few
    hundred rows whatever the size of the year, instead of a scan of the guide's declarations."""
    return tallies.breakdown(guide)


def by_state(guide, rows=None):
    rows = breakdown(guide) if rows is None else rows
    counts = {}
    for state, _direction, _region, _unit, n in rows:
        counts[state] = counts.get(state, 0) + n
    return [{"key": value, "label": str(label), "n": counts.get(value, 0)} for value, label in S.choices]


def directions_of(guide):
    return list(guide.directions.order_by("order", "id"))


def by_direction(guide, rows=None, directions=None):
    """Declarations past draft, per direction of the guide (directions without any count 0)."""
    rows = breakdown(guide) if rows is None else rows
    counts = {}
    for state, direction, _region, _unit, n in rows:
        if state != S.DRAFT:
            counts[direction] = counts.get(direction, 0) + n
    directions = directions_of(guide) if directions is None else directions
    return [{"key": d.pk, "label": f"{d.code}. {d.name}", "n": counts.get(d.pk, 0)} for d in directions]


def by_region(guide, rows=None):
    """Declarations past draft (the admin list's default, `admin_declarations`) per region, most first."""
    rows = breakdown(guide) if rows is None else rows
    counts = {}
    for state, _direction, region, _unit, n in rows:
        if state != S.DRAFT:
            counts[region] = counts.get(region, 0) + n
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))
    return [{"key": region, "label": str(REGION_NAMES.get(region, "—")), "n": n} for region, n in ordered]


def region_tiles(regions):
    """Every province-level region as a tile of the cartogram, with the count `by_region` gave it (0 if none)."""
    counts = {r["key"]: r["n"] for r in regions}
    return [{"key": code, "label": str(REGION_NAMES[code]), "short": short, "x": x, "y": y, "n": counts.get(code, 0)}
            for code, (short, x, y) in TILES.items()]


def unit_progress(guide, rows=None):
    """Per unit with something to confirm: submitted/passed counts, its deadline and list state."""
    rows = breakdown(guide) if rows is None else rows
    declared, passed = {}, {}
    for state, _direction, _region, unit, n in rows:
        if unit is None or state == S.DRAFT:
            continue
        declared[unit] = declared.get(unit, 0) + n
        if state not in (S.SUBMITTED, S.RETURNED):
            passed[unit] = passed.get(unit, 0) + n
    lists = RecommendationList.objects.filter(guide=guide, unit=OuterRef("pk"))
    extension = UnitGuideSetting.objects.filter(guide=guide, unit=OuterRef("pk"), deadline__isnull=False)
    try:
        units = list(
            Unit.objects.annotate(
                list_state=Subquery(lists.values("state")[:1]),
                confirmed_at=Subquery(lists.values("confirmed_at")[:1]),
                deadline=Subquery(extension.values("deadline")[:1]),
            ).filter(Q(pk__in=list(declared)) | Q(list_state__isnull=False)).order_by("region", "name")
            .only("pk", "name", "kind", "region", "parent_id")
        )
    except DatabaseError:
        return None
    now = timezone.now()
    for u in units:
        u.n_declarations, u.n_passed = declared.get(u.pk, 0), passed.get(u.pk, 0)
        u.extended = u.deadline is not None
        u.deadline = u.deadline or guide.unit_deadline
        u.confirmed = u.list_state == RecommendationList.State.CONFIRMED
        # Formatted here, once per unit: the template's date filters were a fifth of the page's rendering.
        u.late = not u.confirmed and u.deadline is not None and u.deadline < now
        u.deadline_text = _local(u.deadline, "%Y-%m-%d %H:%M") or "—"
        u.confirmed_text = _local(u.confirmed_at, "%m-%d %H:%M")
    return units


def _local(moment, fmt):
    """A datetime as the `date` filter shows it (in the current time zone), "" for None."""
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _assignments_by_direction(guide):
    """{direction id: {"total": active assignments, "done": with a submitted review}}: one grouped query."""
    rows = (Assignment.objects.filter(declaration__guide=guide, state="active").order_by()
            .values("declaration__direction").annotate(total=Count("pk"),
                                                       done=Count("pk", filter=Q(review__state="submitted"))))
    return {r["declaration__direction"]: r for r in rows}


def review_progress(guide, by_direction=None):
    """Per panel: active assignments on its directions' declarations, and how many are scored.

    Summed from the per-direction counts (a declaration has one direction): a query that joined panels to
    declarations to assignments counted each panel's rows again per panel (44 ms of the dashboard's SQL at
    5,000 declarations, against 2 ms for the grouped count)."""
    try:
        by_direction = _assignments_by_direction(guide) if by_direction is None else by_direction
        panels = list(Panel.objects.filter(guide=guide).annotate(n_reviewers=Count("reviewers", distinct=True))
                      .order_by("id"))
        directions = {}
        for panel_id, direction_id in (Panel.directions.through.objects.filter(panel__guide=guide)
                                       .values_list("panel_id", "direction_id")):
            directions.setdefault(panel_id, []).append(direction_id)
    except DatabaseError:
        return None
    for p in panels:
        rows = [by_direction[d] for d in directions.get(p.pk, []) if d in by_direction]
        p.total = sum(r["total"] for r in rows)
        p.done = sum(r["done"] for r in rows)
        p.percent = round(100 * p.done / p.total) if p.total else 0
    return panels


def review_by_direction(guide, by_direction=None, directions=None):
    """Per direction with active assignments: how many there are and how many are scored."""
    try:
        by_direction = _assignments_by_direction(guide) if by_direction is None else by_direction
    except DatabaseError:
        return None
    return [{"key": d.pk, "label": f"{d.code}. {d.name}", "total": by_direction[d.pk]["total"],
             "done": by_direction[d.pk]["done"]}
            for d in (directions_of(guide) if directions is None else directions) if d.pk in by_direction]


def summary(guide):
    rows = breakdown(guide)
    directions = directions_of(guide)
    states = by_state(guide, rows)
    try:
        assignments = _assignments_by_direction(guide)
    except DatabaseError:
        assignments = None
    return {
        "states": states,
        "total": sum(s["n"] for s in states if s["key"] != S.DRAFT),
        "drafts": next(s["n"] for s in states if s["key"] == S.DRAFT),
        "directions": by_direction(guide, rows, directions),
        "regions": by_region(guide, rows),
        "units": unit_progress(guide, rows),
        "panels": review_progress(guide, assignments) if assignments is not None else None,
        "review_directions": review_by_direction(guide, assignments, directions) if assignments is not None else None,
    }
