"""The admin dashboard's numbers, each one database aggregation over the same
queryset the matching list page shows (admin_declarations), so they agree.

Unit progress reads the quotas room and review progress the review room; each
part returns None when its room has no tables yet.
"""

from django.db import DatabaseError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from core.regions import REGION_NAMES, TILES
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


def by_state(guide):
    rows = dict(Declaration.objects.filter(guide=guide).values_list("state").annotate(n=Count("id")).order_by())
    return [{"key": value, "label": str(label), "n": rows.get(value, 0)} for value, label in S.choices]


def by_direction(guide):
    """Declarations past draft, per direction of the guide (directions without any count 0)."""
    rows = (guide.directions.annotate(n=Count("declarations", filter=~Q(declarations__state=S.DRAFT)))
            .values("pk", "code", "name", "n").order_by("order", "id"))
    return [{"key": r["pk"], "label": f"{r['code']}. {r['name']}", "n": r["n"]} for r in rows]


def by_region(guide):
    rows = (admin_declarations(guide).values("organisation__region").annotate(n=Count("id"))
            .order_by("-n", "organisation__region"))
    return [{"key": r["organisation__region"], "label": str(REGION_NAMES.get(r["organisation__region"], "—")),
             "n": r["n"]} for r in rows]


def region_tiles(regions):
    """Every province-level region as a tile of the cartogram, with the count `by_region` gave it (0 if none)."""
    counts = {r["key"]: r["n"] for r in regions}
    return [{"key": code, "label": str(REGION_NAMES[code]), "short": short, "x": x, "y": y, "n": counts.get(code, 0)}
            for code, (short, x, y) in TILES.items()]


def unit_progress(guide):
    """Per unit with something to confirm: submitted/passed counts, its deadline and list state."""
    lists = RecommendationList.objects.filter(guide=guide, unit=OuterRef("pk"))
    extension = UnitGuideSetting.objects.filter(guide=guide, unit=OuterRef("pk"), deadline__isnull=False)
    in_guide = Q(declarations__guide=guide) & ~Q(declarations__state=S.DRAFT)
    try:
        units = list(
            Unit.objects.annotate(
                n_declarations=Count("declarations", filter=in_guide),
                n_passed=Count("declarations", filter=in_guide & ~Q(declarations__state__in=[S.SUBMITTED, S.RETURNED])),
                list_state=Subquery(lists.values("state")[:1]),
                confirmed_at=Subquery(lists.values("confirmed_at")[:1]),
                deadline=Subquery(extension.values("deadline")[:1]),
            ).filter(Q(n_declarations__gt=0) | Q(list_state__isnull=False)).order_by("region", "name")
        )
    except DatabaseError:
        return None
    for u in units:
        u.extended = u.deadline is not None
        u.deadline = u.deadline or guide.unit_deadline
        u.confirmed = u.list_state == RecommendationList.State.CONFIRMED
    return units


def review_progress(guide):
    """Per panel: active assignments on its directions' declarations, and how many are scored."""
    # Separate subqueries: joining assignments and reviewers in one query multiplies the rows.
    assignments = Assignment.objects.filter(declaration__guide=guide, state="active",
                                            declaration__direction__panels=OuterRef("pk"))
    reviewers = Panel.reviewers.through.objects.filter(panel=OuterRef("pk"))

    def count(qs):
        return Coalesce(Subquery(qs.order_by().values("declaration__direction__panels")
                                 .annotate(n=Count("pk")).values("n")[:1]), 0)

    try:
        panels = list(Panel.objects.filter(guide=guide).annotate(
            total=count(assignments),
            done=count(assignments.filter(review__state="submitted")),
            n_reviewers=Coalesce(Subquery(reviewers.order_by().values("panel").annotate(n=Count("pk"))
                                          .values("n")[:1]), 0),
        ).order_by("id"))
    except DatabaseError:
        return None
    for p in panels:
        p.percent = round(100 * p.done / p.total) if p.total else 0
    return panels


def review_by_direction(guide):
    """Per direction with active assignments: how many there are and how many are scored."""
    try:
        rows = list(Assignment.objects.filter(declaration__guide=guide, state="active").order_by()
                    .values("declaration__direction").annotate(
                        total=Count("pk"), done=Count("pk", filter=Q(review__state="submitted"))))
    except DatabaseError:
        return None
    by_direction = {r["declaration__direction"]: r for r in rows}
    return [{"key": d.pk, "label": f"{d.code}. {d.name}", "total": by_direction[d.pk]["total"],
             "done": by_direction[d.pk]["done"]}
            for d in guide.directions.order_by("order", "id") if d.pk in by_direction]


def summary(guide):
    states = by_state(guide)
    return {
        "states": states,
        "total": sum(s["n"] for s in states if s["key"] != S.DRAFT),
        "drafts": next(s["n"] for s in states if s["key"] == S.DRAFT),
        "directions": by_direction(guide),
        "regions": by_region(guide),
        "units": unit_progress(guide),
        "panels": review_progress(guide),
        "review_directions": review_by_direction(guide),
    }
