"""Which recommending unit an organisation reaches. The one place that decides it.

The applicant does not pick a unit freely (seed 000 line 24 / 002 line 17: units recommend
the projects of their own jurisdiction): its unit follows from where it is —
its GB/T 2260 division, proposed from the credit code at registration.

- A district unit (区县主管部门) whose division is the organisation's, when the guide
  delegates to districts: the guide gives district units a quota (2022, Tianjin: 各区工业和信息化
  主管部门负责组织项目推荐, 滨海新区≤6, 其他区≤2).
- Else a plan-separated city or sub-provincial capital whose division is the organisation's
  prefecture, when the guide gives that kind of unit a quota (2020: 计划单列市、副省级省会城市≤5).
- Else the province-level unit of its region (or the XPCC).

A subsidiary of a central SOE group may declare through the group instead, once the
group's unit has accepted its membership (units.memberships).
"""

from django.db.models import Exists, OuterRef, Q

from .models import MEMBERSHIP_KINDS, GroupMembership, Unit

CITY_KINDS = (Unit.Kind.PLAN_CITY, Unit.Kind.SUBPROV_CAPITAL)
PROVINCE_KINDS = (Unit.Kind.PROVINCE, Unit.Kind.XPCC)


def delegated_kinds(guide):
    """Unit kinds the guide gives a quota to, and units it gives one by name (admin or data override).

    The rows belong to quotas (QuotaRule, UnitGuideSetting); they are read through the guide's related
    names so this floor does not import the one above it.
    """
    kinds = set(guide.quota_rules.values_list("unit_kind", flat=True))
    units = set(guide.unit_settings.filter(quota__isnull=False).values_list("unit_id", flat=True))
    return kinds, units


def derive(division, region, *, candidates, kinds, units):
    """The unit for a place, chosen among `candidates` (active units with kind, division, region, parent_id).

    Pure function over loaded rows, so the national generator can route thousands of organisations
    without a query each.
    """
    def delegated(unit):
        return unit.kind in kinds or unit.pk in units

    if division and division[4:] != "00":
        for u in candidates:
            if u.kind == Unit.Kind.DISTRICT and u.division == division and delegated(u):
                return u
    if division and division[2:4] != "00":
        city = division[:4] + "00"
        for u in candidates:
            if u.kind in CITY_KINDS and u.division == city and delegated(u):
                return u
    for u in candidates:
        if u.kind in PROVINCE_KINDS and u.region == region and u.parent_id is None:
            return u
    return None


def _candidates(organisation, guide, *, with_groups=False):
    """The active units of the organisation's place (the derived unit is among them), each flagged with whether
    the guide gives its kind or the unit itself a quota (the rows `delegated_kinds` reads, asked here only for
    these few units); `with_groups`: also the units it declares through by membership (SOE groups,
    demonstration bases: MEMBERSHIP_KINDS) that accepted it, flagged `accepted_group`. One query."""
    division, region = organisation.division, organisation.region
    place = Q(kind__in=PROVINCE_KINDS, region=region, parent=None)
    if division:
        place |= Q(kind=Unit.Kind.DISTRICT, division=division) | Q(kind__in=CITY_KINDS, division=division[:4] + "00")
    accepted = GroupMembership.objects.filter(organisation=organisation, state=GroupMembership.State.ACCEPTED)
    if with_groups:
        place |= Q(kind__in=MEMBERSHIP_KINDS, pk__in=accepted.values("group_id"))
    units = Unit.objects.filter(is_active=True).filter(place).order_by("pk").only(
        "pk", "name", "kind", "division", "region", "parent_id")
    if guide is not None:
        units = units.annotate(
            kind_delegated=Exists(guide.quota_rules.filter(unit_kind=OuterRef("kind"))),
            unit_delegated=Exists(guide.unit_settings.filter(unit=OuterRef("pk"), quota__isnull=False)))
    if with_groups:
        units = units.annotate(accepted_group=Exists(accepted.filter(group=OuterRef("pk"))))
    return list(units)


def _derive_from(organisation, candidates):
    kinds = {u.kind for u in candidates if getattr(u, "kind_delegated", False)}
    units = {u.pk for u in candidates if getattr(u, "unit_delegated", False)}
    return derive(organisation.division, organisation.region, candidates=candidates, kinds=kinds, units=units)


def derived_unit(organisation, guide):
    """The recommending unit of the organisation's jurisdiction under the guide (None if none exists). One query."""
    return _derive_from(organisation, _candidates(organisation, guide))


def reachable_units(organisation, guide):
    """(the derived unit or None, the accepted membership units): everything the organisation may declare to, in
    one query (they come with the place's candidates; `derive` never picks one of them)."""
    candidates = _candidates(organisation, guide, with_groups=True)
    groups = sorted((u for u in candidates if u.kind in MEMBERSHIP_KINDS and u.accepted_group), key=lambda u: u.name)
    return _derive_from(organisation, candidates), groups


def accepted_group_ids(organisation):
    return list(GroupMembership.objects.filter(
        organisation=organisation, state=GroupMembership.State.ACCEPTED,
        group__is_active=True, group__kind__in=MEMBERSHIP_KINDS).values_list("group_id", flat=True))


def allowed_unit_ids(organisation, guide):
    """Ids of the units the organisation may declare to: its own, then the groups that accepted it."""
    own = derived_unit(organisation, guide)
    return ([own.pk] if own else []) + accepted_group_ids(organisation)


def may_declare_to(organisation, guide, unit_id):
    return unit_id is not None and unit_id in allowed_unit_ids(organisation, guide)
