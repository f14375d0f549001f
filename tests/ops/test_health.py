import pytest
from django.urls import reverse

from core import health
from tests.celery_utils import use_broker


def test_it_reports_in_process_celery_without_redis(client, db, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    r = client.get("/health/")
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    assert r.json() == {"status": "ok", "checks": {"database": "ok", "redis": "not configured",
                                                   "celery": "in-process"}}


def test_a_database_failure_is_503(client, db, monkeypatch):
    def broken():
        raise RuntimeError("connection refused")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    r = client.get(reverse("core:health"))
    assert r.status_code == 503 and r.json()["checks"]["database"].startswith("error: RuntimeError")


def test_checks_can_be_limited(client, db, monkeypatch):
    monkeypatch.setitem(health.CHECKS, "celery", lambda: 1 / 0)
    assert client.get("/health/?checks=database").json() == {"status": "ok", "checks": {"database": "ok"}}
    assert client.get("/health/").status_code == 503


class TestWithRedis:
    """Against the real Redis (db 13) and a broker without workers."""

    @pytest.fixture
    def redis_settings(self, settings):
        import redis

        url = "redis://127.0.0.1:6379/13"
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            pytest.skip("Redis is not running on 127.0.0.1:6379")
        settings.REDIS_URL = url
        settings.CELERY_TASK_ALWAYS_EAGER = False
        return settings

    def test_no_worker_is_503(self, client, db, redis_settings, monkeypatch):
        from config.celery import app

        class Inspect:
            def ping(self):
                return None

        monkeypatch.setattr(app.control, "inspect", lambda timeout: Inspect())
        r = client.get("/health/")
        assert r.status_code == 503
        assert r.json()["checks"]["redis"] == "ok" and r.json()["checks"]["celery"].startswith("error")

    def test_a_worker_answering_is_ok(self, client, db, redis_settings, monkeypatch):
        from config.celery import app

        class Inspect:
            def ping(self):
                return {"celery@w1": {"ok": "pong"}}

        monkeypatch.setattr(app.control, "inspect", lambda timeout: Inspect())
        r = client.get("/health/")
        assert r.status_code == 200 and r.json()["checks"]["celery"] == "ok (1 worker)"

    def test_a_dead_redis_is_503(self, client, db, redis_settings):
        redis_settings.REDIS_URL = "redis://127.0.0.1:1/0"
        r = client.get("/health/?checks=redis")
        assert r.status_code == 503 and r.json()["checks"]["redis"].startswith("error")


@pytest.mark.celery_worker
def test_a_real_worker_process_answers_the_ping(client, db, settings):
    """A real `celery worker` on Redis db 13: /health/ is 200 once it answers (503 without one: tests above)."""
    import os
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    import redis

    url = "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    # Enter before changing the settings, so the app's own (eager) configuration is what is restored.
    broker = use_broker(url)
    broker.__enter__()
    settings.REDIS_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "REDIS_URL": url, "TESTING": "1"}
    worker = None
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--without-gossip",
             "--without-mingle", "-n", f"health-{uuid.uuid4().hex[:8]}@%h", "-Q", f"health-{uuid.uuid4().hex[:8]}",
             "--loglevel", "WARNING"], cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            r = client.get("/health/")
            if r.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert r.status_code == 200, r.json()
        assert r.json()["checks"]["celery"].startswith("ok")
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)
        broker.__exit__(None, None, None)
