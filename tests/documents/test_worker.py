"""One document made by a real Celery worker process, through real Redis.

The test process sends the task exactly as the site does (documents.issuing.enqueue
→ .delay()), with the Celery app pointed at Redis for the duration of the test; the
worker subprocess gets the same database (PostgreSQL: the test database; SQLite:
a file database, since the test's in-memory one is invisible to other processes).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections
from django.utils import timezone

from documents.issuing import request_application_form
from documents.models import Document
from tests.celery_utils import use_broker
from tests.factories import complete_declaration, make_guide, make_org, make_unit

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def worker_database(transactional_db, tmp_path):
    """Environment variables that give a subprocess this test's database."""
    conn = connections["default"]
    if conn.vendor != "sqlite":
        s = conn.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
        yield {"DATABASE_URL": f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"}
        return
    saved_name, saved_connection = conn.settings_dict["NAME"], conn.connection
    path = tmp_path / "worker.sqlite3"
    conn.connection = None  # keep the in-memory test database alive, untouched, for teardown
    conn.settings_dict["NAME"] = str(path)
    try:
        call_command("migrate", verbosity=0)
        yield {"DATABASE_URL": "", "SQLITE_PATH": str(path)}
    finally:
        conn.close()
        conn.settings_dict["NAME"], conn.connection = saved_name, saved_connection


@pytest.fixture
def celery_via_redis(settings):
    """Point the site's Celery app at Redis (not eager) on a queue of this test's own."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is needed for this test: {exc}")
    queue = f"documents-test-{uuid.uuid4().hex[:8]}"
    with use_broker(REDIS_URL, task_default_queue=queue):
        yield queue


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_makes_the_form_ready(worker_database, celery_via_redis, settings, tmp_path):
    env = {**os.environ, **worker_database, "REDIS_URL": REDIS_URL, "TESTING": "1",
           "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT), "SIGNING_P12_PATH": settings.SIGNING_P12_PATH,
           "SIGNING_P12_PASSWORD": settings.SIGNING_P12_PASSWORD, "SITE_URL": settings.SITE_URL,
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed below
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-Q", celery_via_redis,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info", "-n", f"{celery_via_redis}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        guide = make_guide(2022)
        unit = make_unit("测试区工业和信息化局（队列）", "district", "12")
        decl = complete_declaration(guide, make_org("队列测试数据公司"), unit, project_name="真实队列生成的申报书",
                                    state="submitted", submitted_at=timezone.now())
        doc = request_application_form(decl.pk)  # autocommit: queued to Redis at once
        assert doc.state == Document.State.QUEUED

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            doc.refresh_from_db()
            if doc.state in (Document.State.READY, Document.State.FAILED) or worker.poll() is not None:
                break
            time.sleep(0.5)
        log.flush()
        output = (tmp_path / "worker.log").read_text(errors="replace")
        assert doc.state == Document.State.READY, f"{doc.state} {doc.error}\n--- worker log ---\n{output[-4000:]}"
        assert Path(settings.MEDIA_ROOT, doc.file.name).read_bytes().startswith(b"%PDF")
        assert "render_document_task" in output
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        log.close()
