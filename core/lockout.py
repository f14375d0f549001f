"""Sign-in lockout (django-axes): per user name and real client address, with a lockout that doubles.

Axes counts the failed sign-ins of a (user name, address) pair and keeps them for LOCKOUT_MAX_HOURS
after the last one (AXES_COOLOFF_TIME = `memory`). LOCKOUT_FAILURES (8) failures lock the pair for
LOCKOUT_FIRST_MINUTES (15). When that has passed, one more failure locks it again for twice as long
(30 min, 1 h, ... up to LOCKOUT_MAX_HOURS): a patient guesser gets a handful of tries a day instead of
8 every quarter of an hour. Attempts refused during a lockout neither count nor extend it
(AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False), and a successful sign-in clears the count
(AXES_RESET_ON_SUCCESS), so a user who mistyped and then got in starts afresh.

Axes asks `failure_limit` whether the pair is locked: the limit is AXES_FAILURE_LIMIT while the
current lockout lasts and one more than the failures so far once it is over.
(LOCKOUT_FAILURES is read from the environment variable AXES_FAILURE_LIMIT.)
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone


def lock_for(failures):
    """How long `failures` (at least LOCKOUT_FAILURES) lock the pair, counted from the last one."""
    further = max(0, failures - settings.LOCKOUT_FAILURES)
    first = timedelta(minutes=settings.LOCKOUT_FIRST_MINUTES)
    return min(first * 2 ** min(further, 16), timedelta(hours=settings.LOCKOUT_MAX_HOURS))


def memory(request=None):
    """AXES_COOLOFF_TIME: how long failures are remembered, so that the next lockout can be longer."""
    return timedelta(hours=settings.LOCKOUT_MAX_HOURS)


def _failures(request, credentials=None):
    """(failures, time of the last one) of this request's user name at its address, within the memory."""
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    username = get_client_username(request, credentials)
    ip = getattr(request, "axes_ip_address", None)
    if username is None or ip is None:
        return 0, None
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    agg = AccessAttempt.objects.filter(username=username, ip_address=ip,
                                       attempt_time__gte=now - memory()).aggregate(
        n=Sum("failures_since_start"), last=Max("attempt_time"))
    return agg["n"] or 0, agg["last"]


def _until(request, failures, last):
    if failures < settings.LOCKOUT_FAILURES or last is None:
        return None
    until = last + lock_for(failures)
    now = getattr(request, "axes_attempt_time", None) or timezone.now()
    return until if until > now else None


def locked_until(request, credentials=None):
    """When the pair's lockout ends, or None when it is not locked."""
    return _until(request, *_failures(request, credentials))


def failure_limit(request, credentials=None):
    """AXES_FAILURE_LIMIT: reached (locked) while a lockout lasts; after it, the next failure locks again."""
    failures, last = _failures(request, credentials)
    if failures < settings.LOCKOUT_FAILURES or _until(request, failures, last):
        return settings.LOCKOUT_FAILURES
    return failures + 1


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a Chinese page saying until when (Beijing time) and whom to ask."""
    until = locked_until(request, credentials) or timezone.now() + timedelta(minutes=settings.LOCKOUT_FIRST_MINUTES)
    return render(request, "registration/locked_out.html", {
        "until": timezone.localtime(until), "contact": settings.SUPPORT_CONTACT}, status=429)
