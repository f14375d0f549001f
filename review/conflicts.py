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
