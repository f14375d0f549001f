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
    demonstration bases: MEMBERSHIP_KINDS) that accepted it, flagged `accepted_group`. One query.

    Written as SQL (plain enough for PostgreSQL and SQLite): the same query built with the ORM (three `Exists`
    over an `OR` of places) cost more to construct and compile than the page's whole template, on every edit
    and detail page of a draft."""
    division, region = organisation.division, organisation.region
    unit = _Sql(Unit)
    place, params = [f"({unit.c('kind')} IN {_in(PROVINCE_KINDS)} AND {unit.c('region')} = %s"
                     f" AND {unit.c('parent')} IS NULL)"], [*PROVINCE_KINDS, region]
    if division:
        place.append(f"({unit.c('kind')} = %s AND {unit.c('division')} = %s)")
        place.append(f"({unit.c('kind')} IN {_in(CITY_KINDS)} AND {unit.c('division')} = %s)")
        params += [Unit.Kind.DISTRICT, division, *CITY_KINDS, division[:4] + "00"]
    member = _Sql(GroupMembership)
    accepted = (f"SELECT 1 FROM {member.table} WHERE {member.c('organisation')} = %s AND {member.c('state')} = %s"
                f" AND {member.c('group')} = {unit.table}.{unit.c('id')}")
    accepted_params = [organisation.pk, GroupMembership.State.ACCEPTED]
    if with_groups:
        place.append(f"({unit.c('kind')} IN {_in(MEMBERSHIP_KINDS)} AND EXISTS({accepted}))")
        params += [*MEMBERSHIP_KINDS, *accepted_params]
    columns, column_params = [unit.c(f) for f in ("id", "name", "kind", "division", "region", "parent")], []
    if guide is not None:
        # The rows belong to quotas (QuotaRule, UnitGuideSetting): reached through the guide's related names so
        # this floor does not import the one above it.
        rule, setting = _Sql(guide.quota_rules.model), _Sql(guide.unit_settings.model)
        columns.append(f"EXISTS(SELECT 1 FROM {rule.table} WHERE {rule.c('guide')} = %s"
                       f" AND {rule.c('unit_kind')} = {unit.table}.{unit.c('kind')}) AS kind_delegated")
        columns.append(f"EXISTS(SELECT 1 FROM {setting.table} WHERE {setting.c('guide')} = %s"
                       f" AND {setting.c('unit')} = {unit.table}.{unit.c('id')}"
                       f" AND {setting.c('quota')} IS NOT NULL) AS unit_delegated")
        column_params += [guide.pk, guide.pk]
    if with_groups:
        columns.append(f"EXISTS({accepted}) AS accepted_group")
        column_params += accepted_params
    sql = (f"SELECT {', '.join(columns)} FROM {unit.table} WHERE {unit.c('is_active')} = %s"
           f" AND ({' OR '.join(place)}) ORDER BY {unit.c('id')}")
    units = list(Unit.objects.raw(sql, [*column_params, True, *params]))
    for u in units:  # SQLite answers EXISTS with 0/1
        for flag in ("kind_delegated", "unit_delegated", "accepted_group"):
            if hasattr(u, flag):
                setattr(u, flag, bool(getattr(u, flag)))
    return units


class _Sql:
    """A model's quoted table and column names, for the one query above."""

    def __init__(self, model):
        from django.db import connection

        self._meta, self._quote = model._meta, connection.ops.quote_name
        self.table = self._quote(self._meta.db_table)

    def c(self, field):
        return self._quote(self._meta.get_field(field).column)


def _in(values):
    return "(" + ", ".join(["%s"] * len(values)) + ")"


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
