"""The client's address, as sign-in throttling (django-axes) and the audit log see it.

Behind N reverse proxies (settings.TRUSTED_PROXY_COUNT, env TRUSTED_PROXY_COUNT) each proxy appends
the address it received the request from to X-Forwarded-For, so only the last N entries were written
by machines we trust; the client's address is the N-th from the right. Anything further left was
sent by the client and can be forged, so it is ignored. With N = 0 (the default) the header is
ignored altogether and REMOTE_ADDR is the client.

Why not django-ipware (axes' optional helper): ipware 8's "modern" engine, tried here with
AXES_IPWARE_PROXY_COUNT, returned the forged left-most entry for some chain lengths and the proxy's
own address for others. This rule is the one Django's and Werkzeug's proxy docs give, in ten lines.
"""

import ipaddress

from django.conf import settings


def _valid(value):
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request):
    remote = request.META.get("REMOTE_ADDR") or None
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if count <= 0:
        return remote
    chain = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(chain) < count:  # did not come through every proxy (e.g. a health check on the host)
        return remote
    return _valid(chain[-count]) or remote
