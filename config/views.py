from django.http import HttpResponse
from django.views.decorators.cache import never_cache


@never_cache
def ping(request):
    """The smallest Django view: a liveness probe for load balancers and the benchmarks' baseline."""
    return HttpResponse("ok", content_type="text/plain")
