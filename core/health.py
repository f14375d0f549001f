"""Checks behind /health/: the database, Redis (when configured) and a Celery worker."""

from celery import current_app
from django.conf import settings
from django.db import connection

CELERY_PING_TIMEOUT = 1.5  # seconds; the load balancer's probe must stay quick


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_redis():
    if not settings.REDIS_URL:
        return "not configured"
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


def check_celery():
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process"
    replies = current_app.control.inspect(timeout=CELERY_PING_TIMEOUT).ping() or {}
    if not replies:
        raise RuntimeError("no worker answered")
    return f"ok ({len(replies)} worker{'s' if len(replies) > 1 else ''})"


CHECKS = {"database": check_database, "redis": check_redis, "celery": check_celery}


def run_checks(names=None):
    """Returns (healthy, {name: result}); a failing check reports its error class and message.

    names limits the checks (e.g. the web container's probe asks only for the database).
    """
    results, healthy = {}, True
    for name, check in CHECKS.items():
        if names and name not in names:
            continue
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - any failure makes the service unhealthy
            healthy = False
            results[name] = f"error: {type(exc).__name__}: {str(exc)[:200]}"
    return healthy, results
