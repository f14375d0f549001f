"""What the pages read of a guide that is the same for every user, cached under the guide's data version.

A guide's directions, rules, attachment kinds and scoring sheets can be edited after publication, so the cache
never expires them: every service that edits them calls `bump_guide_version(guide)` inside its transaction,
and the next page reads the new version (from the guide row it loads anyway) and so a new key. Old keys are
left to expire. Values are plain model instances whose relations the page needs are loaded before caching.

Each process also keeps the values it used last under the same keys (a key's value never changes, so the copy
cannot go stale): a page then pays neither the round trip to Redis nor the unpickling. Callers only read them.
"""

import time

from django.core.cache import cache
from django.db.models import F

from .models import Direction, Guide

TIMEOUT = 24 * 3600
LOCAL_MAX = 256  # keys kept per process; all dropped when full (old versions are never asked for again)
_local = {}


def forget_process_copies():
    """Drop this process's copies (tests, which reuse guide ids after a rollback, empty the cache as well)."""
    _local.clear()


def bump_guide_version(guide):
    """Call inside the transaction that changes `guide`'s directions, categories, rules, kinds or sheets."""
    Guide.objects.filter(pk=guide.pk).update(data_version=F("data_version") + 1)
    guide.data_version = Guide.objects.filter(pk=guide.pk).values_list("data_version", flat=True).get()


def retire_cached_versions():
    """After the database is replaced (restore), move every guide to a version no cache entry can hold.

    A restored guide comes back at an old version; its next edit would reuse a number whose cached value
    was computed from data the restore threw away. Versions are small counters, so the current time in
    seconds is beyond any of them, and beyond those of any earlier restore.
    """
    Guide.objects.update(data_version=int(time.time()))
    forget_process_copies()


def guide_cached(guide, what, compute):
    """`compute()` (a list of model instances) for `guide`'s current data version, from the cache when another
    request computed it. The instances do not keep the guide they were read through: it is the caller's, and a
    copy pickled with them would go stale."""
    key = f"guide:{guide.pk}:v{guide.data_version}:{what}"
    value = _local.get(key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = compute()
        for obj in value:
            obj._state.fields_cache.pop("guide", None)
        cache.set(key, value, TIMEOUT)
    if len(_local) >= LOCAL_MAX:
        _local.clear()
    _local[key] = value
    return value


def guide_directions(guide):
    """The guide's directions in their order, each with its category."""
    return guide_cached(guide, "directions", lambda: list(
        Direction.objects.filter(guide=guide).select_related("category")))


def guide_rules(guide):
    """All the guide's rules (active or not) in their order, each with its direction."""
    return guide_cached(guide, "rules", lambda: list(guide.rules.select_related("direction")))


def attach_direction(decl, guide=None):
    """Give `decl` its direction from the guide's cached directions instead of a join: an eighth table in a page's
    query made PostgreSQL plan it for 10–18 ms under load (the exhaustive join search at join_collapse_limit),
    against well under 1 ms to run it. A direction that is not among the guide's (never the case in practice)
    is left to load lazily as before."""
    if decl.direction_id is None:
        return decl
    guide = guide or decl.guide
    for d in guide_directions(guide):
        if d.pk == decl.direction_id:
            decl._state.fields_cache["direction"] = d
            break
    return decl
