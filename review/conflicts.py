"""The one conflict-of-interest rule (回避). Assignment, permissions and every reviewer page call it."""

from django.utils.translation import gettext as _


def _norm(text):
    return "".join((text or "").split()).replace("（", "(").replace("）", ")")


def conflict_reason(profile, declaration, *, region_switch=False, conflict_ids=None):
    """Why `profile`'s reviewer must not review `declaration`, or "" when they may.

    conflict_ids: the profile's declared-conflict organisation ids, when the caller
    already loaded them (lists of many declarations stay at a fixed query count).
    """
    if profile is None:
        return _("不是评审专家")
    org = declaration.organisation
    if profile.employer and _norm(profile.employer) == _norm(org.name):
        return _("专家工作单位与申报单位相同")
    if conflict_ids is None:
        conflict_ids = declared_conflict_ids(profile)
    if org.pk in conflict_ids:
        return _("专家已申明与申报单位存在利益关系")
    if region_switch and profile.region and profile.region == org.region:
        return _("专家与申报单位位于同一地区（本指南开启同地区回避）")
    return ""


def declared_conflict_ids(profile):
    cache = getattr(profile, "_prefetched_objects_cache", {})
    if "conflicts" in cache:
        return {o.pk for o in cache["conflicts"]}
    return set(profile.conflicts.values_list("pk", flat=True))


def has_conflict(profile, declaration, **kwargs):
    return bool(conflict_reason(profile, declaration, **kwargs))


class ConflictIndex:
    """The same rule as conflict_reason, for many reviewers at once (automatic assignment of a whole year).

    Built once from the reviewers' employer, region and declared conflicts; `conflicted()` answers
    with the set of reviewer ids who must not review a declaration of the given organisation, in
    three dictionary lookups instead of one rule evaluation per reviewer.
    """

    def __init__(self, reviewers, declared, *, region_switch=False):
        """reviewers: (user id, employer, region) triples; declared: (user id, organisation id) pairs."""
        self.by_employer, self.by_org, self.by_region = {}, {}, {}
        for uid, employer, region in reviewers:
            if employer:
                self.by_employer.setdefault(_norm(employer), set()).add(uid)
            if region_switch and region:
                self.by_region.setdefault(region, set()).add(uid)
        for uid, org_id in declared:
            self.by_org.setdefault(org_id, set()).add(uid)

    def conflicted(self, org_id, org_name, org_region):
        empty = frozenset()
        return (self.by_employer.get(_norm(org_name), empty) | self.by_org.get(org_id, empty)
                | self.by_region.get(org_region, empty))
