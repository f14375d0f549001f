"""The client's address, as sign-in throttling (django-axes) and the audit log see it.

Behind N reverse proxies (settings.TRUSTED_PROXY_COUNT, env TRUSTED_PROXY_COUNT) each proxy appends
the address it received the request from to X-Forwarded-For, so only the last N entries were written
by machines we trust; the client's address is the N-th from the right. Anything further left was
sent by the client and can be forged, so it is ignored. With N = 0 (the default) the header is
ignored altogether and REMOTE_ADDR is the client.

Why not django-ipware (axes' optional helper, AXES_IPWARE_PROXY_COUNT): tried here (ipware 8.0), its
proxy count counts only the proxies listed *inside* X-Forwarded-For (one nginx is count 0, an
off-by-one trap for whoever sets it); in strict mode it answers no address at all for a chain of
another length (axes and the audit log would then record None), and in non-strict mode it returned
the forged left-most entry. The rule below is Werkzeug ProxyFix's (x_for=N), in a few lines.
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
