"""Sign-in lockout (django-axes): per user name and real client address, with a cool-off that grows.

The first lockout (AXES_FAILURE_LIMIT failures) lasts LOCKOUT_FIRST_MINUTES; every further
AXES_FAILURE_LIMIT failures while it lasts doubles it, up to LOCKOUT_MAX_HOURS. Axes counts the
failures of a (user name, address) pair; failures during a lockout count too and restart it.
AXES_USE_ATTEMPT_EXPIRATION makes each pair's record expire by its own cool-off: axes otherwise
deletes every record older than the cool-off of whoever fails next, so a short one would wipe
out a long one.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render
from django.utils import timezone


def _failures(request):
    known = getattr(request, "axes_failures_since_start", None)
    if known is not None:
        return known
    from axes.helpers import get_client_username
    from axes.models import AccessAttempt

    username = get_client_username(request)
    ip = getattr(request, "axes_ip_address", None)
    if username is None or ip is None:
        return 0
    return AccessAttempt.objects.filter(username=username, ip_address=ip).aggregate(
        n=Sum("failures_since_start"))["n"] or 0


def cool_off_for(failures):
    limit = max(1, int(settings.AXES_FAILURE_LIMIT))
    further_lockouts = max(0, failures - limit) // limit
    first = timedelta(minutes=settings.LOCKOUT_FIRST_MINUTES)
    longest = timedelta(hours=settings.LOCKOUT_MAX_HOURS)
    return min(first * 2 ** min(further_lockouts, 16), longest)


def cool_off(request=None):
    """AXES_COOLOFF_TIME: how long the failures of this request's user name and address count."""
    return cool_off_for(_failures(request) if request is not None else 0)


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: a Chinese page saying until when (Beijing time) and whom to ask."""
    started = getattr(request, "axes_attempt_time", None) or timezone.now()
    until = timezone.localtime(started + cool_off(request))
    return render(request, "registration/locked_out.html", {
        "until": until, "contact": settings.SUPPORT_CONTACT,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }, status=429)
