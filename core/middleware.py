"""Outages of the database or of Redis/the broker answer 503 with a clear Chinese message.

A view that loses its database connection (or cannot reach Redis) in the middle of a
save would otherwise end in a bare 500. Here it ends in 503 and says the page's
content is still there: autosave (XHR) gets JSON it shows next to the form and
retries later; a plain form post gets a standalone page that needs no database.
Nothing is written by a failed request: each service runs in one transaction.

The middleware sees what a view raises. An outage met earlier, in another middleware
(the session and the user are read before the view), reaches Django's 500 handler
instead: `server_error` (handler500 in config/urls.py) answers it the same way.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

log = logging.getLogger(__name__)

OUTAGE_MESSAGE = "系统暂时无法保存，请稍后重试；您填写的内容仍保留在页面上，不会丢失。"
ERROR_MESSAGE = "系统出错，本次操作未完成，请稍后重试；您填写的内容仍保留在页面上。"
RETRY_AFTER_SECONDS = 15


def _outage_errors():
    errors = [OperationalError, InterfaceError]
    try:
        from kombu.exceptions import OperationalError as BrokerError
        errors.append(BrokerError)
    except ImportError:  # pragma: no cover - kombu comes with celery
        pass
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
        errors += [RedisConnectionError, RedisTimeoutError]
    except ImportError:  # pragma: no cover
        pass
    return tuple(errors)


OUTAGE_ERRORS = _outage_errors()


def wants_json(request):
    accept = request.headers.get("Accept", "")
    return (request.headers.get("X-Requested-With") == "XMLHttpRequest"
            or "application/json" in accept or request.content_type == "application/json")


def outage_response(request):
    if wants_json(request):
        response = JsonResponse({"ok": False, "outage": True, "message": OUTAGE_MESSAGE}, status=503)
    else:
        # Rendered without the request: context processors (navigation, the user) would query the database.
        html = loader.get_template("503.html").render({"message": OUTAGE_MESSAGE, "path": request.path})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class OutageMiddleware:
    """Turn database and Redis/broker connection errors raised in a view into 503."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OUTAGE_ERRORS):
            return None
        log.error("service unavailable during %s %s: %s: %s", request.method, request.path,
                  type(exception).__name__, exception, exc_info=exception)
        return outage_response(request)


def server_error(request, template_name="500.html"):
    """handler500: an outage raised outside a view is a 503 too; other errors are a Chinese 500."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OUTAGE_ERRORS):
        return outage_response(request)
    if wants_json(request):
        return JsonResponse({"ok": False, "message": ERROR_MESSAGE}, status=500)
    return defaults.server_error(request, template_name)
