from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from core.decorators import permission_required


@never_cache
def ping(request):
    """The smallest Django view: a liveness probe for load balancers and the benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")


@permission_required("core.signed_in")
def yardstick(request):
    """An empty signed-in page on base.html (navigation, unread count, messages): the in-process benchmark's unit.

    Every page pays for this much; `bench/pages.py --in-process` reports each page as a multiple of it.
    """
    return render(request, "yardstick.html")
