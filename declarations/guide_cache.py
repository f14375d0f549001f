"""What the pages read of a guide that is the same for every user, cached under the guide's data version.

A guide's directions, rules, attachment kinds and scoring sheets can be edited after publication, so the cache
never expires them: every service that edits them calls `bump_guide_version(guide)` inside its transaction,
and the next page reads the new version (from the guide row it loads anyway) and so a new key. Old keys are
left to expire. Values are plain model instances whose relations the page needs are loaded before caching.
"""

from django.core.cache import cache
from django.db.models import F

from .models import Direction, Guide

TIMEOUT = 24 * 3600


def bump_guide_version(guide):
    """Call inside the transaction that changes `guide`'s directions, categories, rules, kinds or sheets."""
    Guide.objects.filter(pk=guide.pk).update(data_version=F("data_version") + 1)
    guide.data_version = Guide.objects.filter(pk=guide.pk).values_list("data_version", flat=True).get()


def guide_cached(guide, what, compute):
    """`compute()` (a list of model instances) for `guide`'s current data version, from the cache when another
    request computed it. The instances do not keep the guide they were read through: it is the caller's, and a
    copy pickled with them would go stale."""
    key = f"guide:{guide.pk}:v{guide.data_version}:{what}"
    value = cache.get(key)
    if value is None:
        value = compute()
        for obj in value:
            obj._state.fields_cache.pop("guide", None)
        cache.set(key, value, TIMEOUT)
    return value


def guide_directions(guide):
    """The guide's directions in their order, each with its category."""
    return guide_cached(guide, "directions", lambda: list(
        Direction.objects.filter(guide=guide).select_related("category")))


def guide_rules(guide):
    """All the guide's rules (active or not) in their order, each with its direction."""
    return guide_cached(guide, "rules", lambda: list(guide.rules.select_related("direction")))
