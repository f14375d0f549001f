"""Querysets scoped to what unit staff may see, and the numbers every list page shows.

Used by views, exports, the admin overview and the permission rules, so the
jurisdiction is defined exactly once.
"""

from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from declarations.models import Declaration, Direction, Guide
from declarations.tallies import declared_per_unit
from units.models import Unit

from .models import ListEntry, QuotaRule, RecommendationList, UnitGuideSetting

S = Declaration.State


# --- quotas and deadlines ---------------------------------------------------

def quota_for(unit, guide):
    """The unit's quota under the guide: an admin override, else the guide's rule for its kind.

    None means "not set": no rule of the guide covers this kind of unit. Such a unit
    may rank but cannot recommend a counted project until an admin sets its quota.
    """
    setting = UnitGuideSetting.objects.filter(guide=guide, unit=unit).only("quota").first()
    if setting is not None and setting.quota is not None:
        return setting.quota
    rule = QuotaRule.objects.filter(guide=guide, unit_kind=unit.kind).only("quota").first()
    return rule.quota if rule else None


def quota_and_deadline(unit, guide):
    """quota_for and deadline_for together in one query (list pages show both): the unit's setting row and the
    guide's rule for its kind, each as a subquery."""
    setting = UnitGuideSetting.objects.filter(guide=guide, unit=unit).order_by()
    rule = QuotaRule.objects.filter(guide=guide, unit_kind=unit.kind).order_by()
    row = (Unit.objects.filter(pk=unit.pk).order_by()
           .annotate(set_quota=Subquery(setting.values("quota")[:1]), set_deadline=Subquery(setting.values("deadline")[:1]),
                     rule_quota=Subquery(rule.values("quota")[:1]))
           .values("set_quota", "set_deadline", "rule_quota").first()) or {}
    quota = row.get("set_quota")
    if quota is None:
        quota = row.get("rule_quota")
    deadline = row.get("set_deadline") or guide.unit_deadline
    return quota, deadline


def deadline_for(unit, guide):
    """The unit's confirmation deadline: an admin extension, else the guide's unit deadline (None: no deadline)."""
    setting = UnitGuideSetting.objects.filter(guide=guide, unit=unit).only("deadline").first()
    if setting is not None and setting.deadline is not None:
        return setting.deadline
    return guide.unit_deadline


def exempt_q(guide, prefix=""):
    """Declarations that do not occupy a place under the guide's rule (e.g. 2022: DCMM level ≥ 3)."""
    if guide.quota_exempt_dcmm_min is None:
        return Q(pk__in=[])
    return Q(**{f"{prefix}organisation__dcmm_level__gte": guide.quota_exempt_dcmm_min})


def extra_q(guide, prefix="", list_unit=None):
    """Declarations a unit recommends on top of its quota because a child of a "through parent" kind sent them up
    (2023: a demonstration base's up to 3 projects go through its province, outside the province's 10).

    `list_unit`: the unit whose places are counted (an id or an F expression); in its own list a base's projects
    use the base's own quota.
    """
    kinds = QuotaRule.objects.filter(guide=guide, through_parent=True).values("unit_kind")
    return Q(**{f"{prefix}unit__kind__in": kinds}) & ~Q(**{f"{prefix}unit_id": list_unit})


def free_place_q(guide, prefix, list_unit):
    """Recommended without taking one of `list_unit`'s places: DCMM exemption or a child's extra quota."""
    return exempt_q(guide, prefix) | extra_q(guide, prefix, list_unit)


def mark_places(guide, entries=None):
    """Store on `entries` (a queryset of the guide's list entries; default: all of them) whether each leaves its
    list's places free and whether as a child's extra (`place_free`, `extra`), as free_place_q and extra_q say
    now. One UPDATE. Called by the list services when they create entries and when what decides it changes
    (receivers of declarations.signals.exemption_changed, the loading of a guide's quota rules)."""
    if entries is None:
        entries = ListEntry.objects.filter(rec_list__guide=guide)
    same = ListEntry.objects.filter(pk=OuterRef("pk"))
    list_unit = F("rec_list__unit_id")
    return entries.update(place_free=Exists(same.filter(free_place_q(guide, "declaration__", list_unit))),
                          extra=Exists(same.filter(extra_q(guide, "declaration__", list_unit))))


def is_exempt(declaration, guide=None):
    guide = guide or declaration.guide
    minimum = guide.quota_exempt_dcmm_min
    return minimum is not None and declaration.organisation.dcmm_level >= minimum


# --- jurisdiction -------------------------------------------------------------

def sent_up_ids(unit, guide=None):
    """Ids of declarations the unit's children recommended in their confirmed lists."""
    entries = ListEntry.objects.filter(rec_list__unit__parent=unit, rec_list__state=RecommendationList.State.CONFIRMED,
                                       recommended=True)
    if guide is not None:
        entries = entries.filter(rec_list__guide=guide)
    return entries.values("declaration_id")


def declarations_for_unit(user, guide=None):
    """What a unit's staff may see: submitted-or-later declarations to their unit, plus what its children sent up.

    Drafts are never visible, whoever the unit is.
    """
    if not (user.is_authenticated and user.is_unit_staff):
        return Declaration.objects.none()
    qs = Declaration.objects.exclude(state=S.DRAFT).filter(
        Q(unit_id=user.unit_id) | Q(pk__in=sent_up_ids(user.unit_id, guide)))
    if guide is not None:
        qs = qs.filter(guide=guide)
    return qs


def guides_with_pending_work(unit):
    """Guide ids where the unit has declarations to check, or passed ones to rank while its own list is open."""
    confirmed = RecommendationList.objects.filter(unit=unit, state=RecommendationList.State.CONFIRMED)
    to_check = Q(unit=unit, state=S.SUBMITTED)
    to_rank = Q(state=S.PASSED) & (Q(unit=unit) | Q(pk__in=sent_up_ids(unit))) & ~Q(
        guide_id__in=confirmed.values("guide_id"))
    return Declaration.objects.filter(to_check | to_rank).values("guide_id")


def pool(unit, guide):
    """The passed declarations the unit may rank: its own passed ones and those its children sent up."""
    return Declaration.objects.filter(guide=guide, state=S.PASSED).filter(
        Q(unit=unit) | Q(pk__in=sent_up_ids(unit, guide)))


def workspace_parts(rec_list):
    """The workspace table of the list's unit in two disjoint parts, each read through its own index: the
    unit's own declarations, and what its districts sent up (their ids as a list, one small query: with the
    subquery inside an OR, PostgreSQL scanned every declaration of the guide). No part when nothing was sent
    up. Every row with its applicant, direction, rank, recommendation and exemption, in one query a part."""
    unit, guide = rec_list.unit, rec_list.guide
    # The entry by the unique (list, declaration) index: the list is known, no join to lists.
    entry = ListEntry.objects.filter(rec_list=rec_list.pk, declaration=OuterRef("pk")).order_by()
    qs = (Declaration.objects.exclude(state=S.DRAFT).filter(guide=guide)
          .select_related("organisation", "direction", "unit")
          # The table's columns only: a declaration's full row carries every text of the application.
          .only("project_name", "state", "submitted_at", "organisation__name", "organisation__credit_code",
                "direction__code", "direction__name", "unit__name")
          .annotate(rank=Subquery(entry.values("rank")[:1]), recommended=Subquery(entry.values("recommended")[:1]),
                    exempt=ExpressionWrapper(free_place_q(guide, "", unit.pk), output_field=BooleanField())))
    sent_up = list(sent_up_ids(unit, guide).values_list("declaration_id", flat=True))
    return [qs.filter(unit=unit)] + ([qs.filter(pk__in=sent_up).exclude(unit=unit)] if sent_up else [])


def mark_sent_up(rows, rec_list):
    """Set each workspace row's `sent_up` (declarations.queries.with_sent_up: passed by a district whose confirmed
    list sent it to its parent) from what the page knows, without a subquery a row: the unit's own rows were
    sent up if its own list is confirmed, recommends them and the unit has a parent; the rows its districts
    sent up were, by definition."""
    own_sent = rec_list.is_confirmed and rec_list.unit.parent_id is not None
    for row in rows:
        row.sent_up = bool(row.recommended and own_sent) if row.unit_id == rec_list.unit_id else True
    return rows


def list_and_entry(*, unit_id, declaration):
    """(the unit's list under the declaration's guide, the declaration's entry on it or None) in one query;
    (None, None) when the unit has no list yet."""
    from django.db.models import FilteredRelation

    row = (RecommendationList.objects.filter(guide_id=declaration.guide_id, unit_id=unit_id)
           .annotate(this=FilteredRelation("entries", condition=Q(entries__declaration=declaration.pk)))
           .annotate(entry_id=F("this__id"), entry_rank=F("this__rank"), entry_recommended=F("this__recommended"))
           .first())
    if row is None:
        return None, None
    entry = None
    if row.entry_id is not None:
        entry = ListEntry(pk=row.entry_id, rec_list=row, declaration=declaration, rank=row.entry_rank,
                          recommended=row.entry_recommended)
    return row, entry


def entries_of(rec_list):
    """The list's entries in rank order with what the ranking table shows (the stored `place_free` and `extra`
    flags), in one query."""
    return (rec_list.entries.select_related("declaration__organisation", "declaration__direction", "declaration__unit")
            .order_by("rank", "id"))


def table_entries(rec_list):
    """`entries_of` with only the columns the ranking and list tables show: a province's 400 rows no longer load
    and decode every declaration's texts and JSON lists."""
    return entries_of(rec_list).only(
        "rec_list", "declaration", "rank", "recommended", "place_free", "extra",
        "declaration__project_name", "declaration__state", "declaration__unit", "declaration__organisation",
        "declaration__direction", "declaration__organisation__name", "declaration__organisation__dcmm_level",
        "declaration__direction__code", "declaration__direction__name", "declaration__unit__name",
        "declaration__unit__kind")


class _Columns:
    """A few columns of a row, as attributes (the ranking table's joined unit, organisation and direction)."""

    def __init__(self, **columns):
        self.__dict__.update(columns)


class _DirectionColumns(_Columns):
    __str__ = Direction.__str__  # "code. name", as the model shows itself


class _DeclarationColumns(_Columns):
    __str__ = Declaration.__str__  # the project's name, or "unnamed"


class RankRow(_Columns):
    """One entry of the ranking table with what its row shows (`ranking_rows` reads the same attributes as on a
    ListEntry with its declaration, unit, organisation and direction), without a model instance each: a page of
    100 entries was 500 of them."""


def ranking_rows(rec_list, after_rank, size):
    """`size` entries of the list after rank `after_rank`, in rank order, as RankRow: one query by the
    (list, rank, id) index, the same columns as table_entries."""
    rows = (ListEntry.objects.filter(rec_list=rec_list, rank__gt=after_rank).order_by("rank", "id")
            .values_list("pk", "declaration_id", "rank", "recommended", "place_free", "extra",
                         "declaration__project_name", "declaration__state", "declaration__unit_id",
                         "declaration__unit__name", "declaration__unit__kind", "declaration__organisation__name",
                         "declaration__direction_id", "declaration__direction__code",
                         "declaration__direction__name")[:size])
    return [RankRow(pk=pk, declaration_id=decl, rank=rank, recommended=rec, place_free=free, extra=extra,
                    declaration=_DeclarationColumns(
                        pk=decl, project_name=title, state=state, unit_id=unit_id,
                        unit=_Columns(name=unit_name, kind=unit_kind), organisation=_Columns(name=org_name),
                        direction_id=direction_id,
                        direction=_DirectionColumns(code=code, name=name) if direction_id else None))
            for (pk, decl, rank, rec, free, extra, title, state, unit_id, unit_name, unit_kind, org_name,
                 direction_id, code, name) in rows]


# --- counters ---------------------------------------------------------------

_UNREAD = object()


def _count(entries):
    return Coalesce(Subquery(entries.annotate(n=Count("pk")).values("n")[:1]), 0)


def counter(rec_list, quota=_UNREAD):
    """Places used, left and exempt in a list. `used` counts recommended, non-exempt entries.

    `quota`: what quota_for gave, when the caller read it (None is an answer: no quota set)."""
    if quota is _UNREAD:
        quota = quota_for(rec_list.unit, rec_list.guide)
    counts = _counts()
    agg = RecommendationList.objects.filter(pk=rec_list.pk).annotate(**counts).values(*counts).get()
    return _numbers(agg, quota)


def _counts():
    """The list's four counts as annotations of its row, each its own index scan: the free places are flags
    stored on the entries (mark_places), counted in the index of the recommended entries, with no join."""
    entries = ListEntry.objects.filter(rec_list=OuterRef("pk")).order_by().values("rec_list")
    recommended = entries.filter(recommended=True)
    return {"n_total": _count(entries), "n_recommended": _count(recommended),
            "n_exempt": _count(recommended.filter(place_free=True)), "n_extra": _count(recommended.filter(extra=True))}


def list_numbers(rec_list, **more):
    """(quota, deadline, counter numbers, {name: value of `more`}) of a list page in one query: the unit's
    setting and its kind's rule as subqueries of the list's row, beside the counts. `more`: further annotations
    of the list's row the page shows (e.g. a count of declarations)."""
    setting = UnitGuideSetting.objects.filter(guide=OuterRef("guide_id"), unit=OuterRef("unit_id")).order_by()
    rule = QuotaRule.objects.filter(guide=OuterRef("guide_id"), unit_kind=OuterRef("unit__kind")).order_by()
    fields = {**_counts(), "set_quota": Subquery(setting.values("quota")[:1]),
              "set_deadline": Subquery(setting.values("deadline")[:1]), "rule_quota": Subquery(rule.values("quota")[:1]),
              **more}
    row = RecommendationList.objects.filter(pk=rec_list.pk).order_by().annotate(**fields).values(*fields).get()
    quota = row["set_quota"] if row["set_quota"] is not None else row["rule_quota"]
    deadline = row["set_deadline"] or rec_list.guide.unit_deadline
    return quota, deadline, _numbers(row, quota), {name: row[name] for name in more}


def _numbers(agg, quota):
    used = agg["n_recommended"] - agg["n_exempt"]
    return {"quota": quota, "used": used, "exempt": agg["n_exempt"], "extra": agg["n_extra"],
            "recommended": agg["n_recommended"],
            "total": agg["n_total"], "left": None if quota is None else max(quota - used, 0),
            "over": quota is not None and used > quota}


def overview(guide):
    """One row per active unit: quota, places used, exempt places, confirmed or not, deadline.

    A fixed number of queries whatever the number of units (units, rules, settings, lists).
    """
    rules = {r.unit_kind: r.quota for r in QuotaRule.objects.filter(guide=guide)}
    settings = {s.unit_id: s for s in UnitGuideSetting.objects.filter(guide=guide)}
    lists = {rl.unit_id: rl for rl in RecommendationList.objects.filter(guide=guide)}
    # Counted over the recommended entries only, with the flags stored on them (mark_places).
    places = {row["rec_list_id"]: row for row in (
        ListEntry.objects.filter(rec_list__guide=guide, recommended=True).order_by().values("rec_list_id")
        .annotate(n_recommended=Count("pk"), n_exempt=Count("pk", filter=Q(place_free=True))))}
    for rl in lists.values():
        row = places.get(rl.pk, {})
        rl.n_recommended, rl.n_exempt = row.get("n_recommended", 0), row.get("n_exempt", 0)
    declared = declared_per_unit(guide)  # the counters the services keep, not a scan of the declarations
    rows = []
    kinds = dict(Unit.Kind.choices)
    for unit in (Unit.objects.filter(is_active=True).select_related("parent")
                 .only("name", "kind", "region", "parent__name")
                 .order_by(F("parent_id").asc(nulls_first=True), "region", "name")):
        unit.kind_label = kinds.get(unit.kind, unit.kind)  # get_kind_display() rebuilds the choices per call
        setting = settings.get(unit.pk)
        quota = setting.quota if setting and setting.quota is not None else rules.get(unit.kind)
        deadline = setting.deadline if setting and setting.deadline else guide.unit_deadline
        rl = lists.get(unit.pk)
        recommended = rl.n_recommended if rl else 0
        exempt = rl.n_exempt if rl else 0
        rows.append({
            "unit": unit, "quota": quota, "quota_overridden": bool(setting and setting.quota is not None),
            "deadline": deadline, "deadline_extended": bool(setting and setting.deadline),
            "list": rl, "used": recommended - exempt, "exempt": exempt, "declared": declared.get(unit.pk, 0),
            "confirmed": bool(rl and rl.is_confirmed), "setting": setting,
        })
    return rows


def guides_for_units():
    return Guide.objects.published().order_by("-year", "-id")
