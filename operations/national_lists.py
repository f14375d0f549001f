"""The national generator's recommendation lists: each unit ranks its passed declarations within its quota.

Districts first (what they recommend goes up to their city or province), then the top-level units. Each
unit's pool is read from the database and its list written before the next unit's, so memory is one
unit's list whatever the year's size. With a share of ranked projects asked for, every unit gets a quota
override (as the ministry would set) sized so that about that share of all applicants ends up recommended.
"""

import math
from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from declarations.models import Declaration
from quotas.models import LetterSequence, ListEntry, RecommendationList, UnitGuideSetting
from quotas.queries import mark_places
from units.models import Unit

S = Declaration.State
# Quotas of the 2021 notice (the 2022 data has only Tianjin's district quotas): provinces and XPCC ≤10,
# plan-separated cities, sub-provincial capitals, SOE groups and others ≤5; districts keep the 2022 ≤2.
QUOTAS = {Unit.Kind.PROVINCE: 10, Unit.Kind.XPCC: 10, Unit.Kind.PLAN_CITY: 5, Unit.Kind.SUBPROV_CAPITAL: 5,
          Unit.Kind.SOE: 5, Unit.Kind.PILOT_ZONE: 5, Unit.Kind.DISTRICT: 2, Unit.Kind.OTHER: 5}
OVERRIDES = {"滨海新区工业和信息化局": 6}  # the 2022 data's override (loaded by load_guide)
BATCH = 1000


def _passed(guide, unit):
    """(pk, submitted_at, DCMM level) of the unit's passed declarations."""
    return list(Declaration.objects.filter(guide=guide, unit=unit, state=S.PASSED)
                .values_list("pk", "submitted_at", "organisation__dcmm_level"))


def _set_states(ids, state):
    for k in range(0, len(ids), BATCH):
        Declaration.objects.filter(pk__in=ids[k:k + BATCH]).update(state=state)


def _scaled_quotas(ctx, passed_count, ranked, n_applicants):
    """Per-unit quotas so that about `ranked` × applicants projects are recommended in the end."""
    districts, top, unconfirmed = ctx["districts"], ctx["top"], ctx["unconfirmed"]
    target = ranked * n_applicants
    confirmed_pool = sum(passed_count.get(u.pk, 0) for u in districts + top if u.pk not in unconfirmed)
    share = min(1.0, target / confirmed_pool) if confirmed_pool else 1.0
    quotas = {}
    for d in districts:  # districts send up generously; their city or province makes the final cut
        quotas[d.pk] = max(QUOTAS[d.kind], math.ceil(passed_count.get(d.pk, 0) * min(1.0, 1.5 * share)))
    sent_up = {}
    for d in districts:
        sent_up[d.parent_id] = sent_up.get(d.parent_id, 0) + min(passed_count.get(d.pk, 0), quotas[d.pk])
    pools = {u.pk: passed_count.get(u.pk, 0) + sent_up.get(u.pk, 0) for u in top}
    top_pool = sum(n for pk, n in pools.items() if pk not in unconfirmed)
    top_share = min(1.0, target / top_pool) if top_pool else 1.0
    for u in top:  # the final cut: no floor, so that the year has about the share asked
        quotas[u.pk] = round(pools[u.pk] * top_share)
    for unit in districts + top:
        UnitGuideSetting.objects.update_or_create(guide=ctx["guide"], unit=unit, defaults={
            "quota": quotas[unit.pk], "reason": "全国规模模拟：按推荐比例设定的名额"})
    return quotas


def build_lists(ctx, ranked, n_applicants, progress):
    """Every unit's recommendation list; returns counts (lists, confirmed, entries, recommended)."""
    guide, now = ctx["guide"], ctx["now"]
    districts, top, unconfirmed = ctx["districts"], ctx["top"], ctx["unconfirmed"]
    all_units = districts + top
    passed_count = dict(Declaration.objects.filter(guide=guide, state=S.PASSED).values("unit")
                        .annotate(n=Count("pk")).values_list("unit", "n"))
    if ranked is None:
        quota_of = {u.pk: OVERRIDES.get(u.name, QUOTAS.get(u.kind)) if u.kind == Unit.Kind.DISTRICT
                    else QUOTAS.get(u.kind) for u in all_units}
    else:
        quota_of = _scaled_quotas(ctx, passed_count, ranked, n_applicants)
    year = timezone.localtime(now).year
    LetterSequence.objects.filter(unit__in=all_units, year=year).delete()
    counts = {"lists": 0, "confirmed": 0, "entries": 0, "recommended": 0}
    sent_up = {}
    for done, unit in enumerate(all_units, 1):
        confirmed = unit.pk not in unconfirmed
        pool = sorted(_passed(guide, unit) + sent_up.pop(unit.pk, []), key=lambda row: (row[1], row[0]))
        decided = _one_list(ctx, unit, pool, quota_of[unit.pk] or 0, confirmed, year, sent_up)
        counts["lists"] += 1
        counts["confirmed"] += confirmed
        counts["entries"] += len(pool)
        counts["recommended"] += decided
        progress("推荐名单", done, len(all_units))
    mark_places(guide)  # each entry's stored quota flags, as the list services write them
    return counts


def _one_list(ctx, unit, pool, quota, confirmed, year, sent_up):
    """Write one unit's list; returns how many of its projects it recommended to the ministry."""
    guide, rng, now = ctx["guide"], ctx["rng"], ctx["now"]
    exempt_min = guide.quota_exempt_dcmm_min
    rl = RecommendationList(guide=guide, unit=unit, version=len(pool) + 1,
                            state=RecommendationList.State.CONFIRMED if confirmed else RecommendationList.State.DRAFT,
                            confirmed_at=now - timedelta(days=1) if confirmed else None,
                            confirmed_by=ctx["staff"][unit.pk] if confirmed else None,
                            document_number=f"推荐函〔{year}〕1号" if confirmed else "")
    RecommendationList.objects.bulk_create([rl])
    if confirmed:
        LetterSequence.objects.create(unit=unit, year=year, last=1)  # each unit's first letter this year
    used, exempt_used = 0, 0
    entries, recommended, not_recommended = [], [], []
    for rank, row in enumerate(pool, 1):
        pk, _submitted, dcmm = row
        if exempt_min is not None and dcmm >= exempt_min:
            rec = exempt_used < 2
            exempt_used += rec
        else:
            rec = used < quota - (1 if rng.random() < 0.15 else 0)
            used += rec
        entries.append(ListEntry(rec_list=rl, declaration_id=pk, rank=rank, recommended=rec))
        if not confirmed:
            continue
        if not rec:
            not_recommended.append(pk)
        elif unit.parent_id is None:
            recommended.append(pk)
        else:
            sent_up.setdefault(unit.parent_id, []).append(row)
    ListEntry.objects.bulk_create(entries, batch_size=BATCH)
    _set_states(recommended, S.RECOMMENDED)
    _set_states(not_recommended, S.NOT_RECOMMENDED)
    return len(recommended)
