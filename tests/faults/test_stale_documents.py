"""A worker killed mid-render is recovered: the sweeper queues stuck documents again.

A killed worker leaves its document "rendering" and its message unacknowledged in Redis,
which gives it back only after the visibility timeout (an hour). Beat runs
documents.tasks.requeue_stale_documents every few minutes; these tests show it
bringing a stuck document to "ready", in-process and with real workers, one of them
killed with SIGKILL in the middle of a render.
"""

import hashlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import F
from django.utils import timezone

from core.audit import record
from core.models import AuditRecord
from documents import sweeper
from documents.issuing import request_application_form
from documents.models import Document
from documents.tasks import requeue_stale_documents
from tests.documents.helpers import form_of, submitted_declaration
from tests.factories import complete_declaration, make_guide, make_org, make_unit
from tests.faults.conftest import REDIS_URL, celery_broker

ROOT = Path(__file__).resolve().parents[2]
S = Document.State


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def leave_rendering(doc):
    """What a worker killed mid-render leaves behind: the row says "rendering", no file, no task."""
    Document.objects.filter(pk=doc.pk).update(state=S.RENDERING, file="", ready_at=None, progress=0,
                                              attempts=1, file_sha256="", file_size=None)
    record("document.rendering", target=doc, summary="开始生成", data={"state": S.RENDERING})
    doc.refresh_from_db()
    return doc


def backdate(doc, *, minutes):
    """Make the document and its history `minutes` older, as if the worker had died that long ago."""
    delta = timedelta(minutes=minutes)
    Document.objects.filter(pk=doc.pk).update(created_at=F("created_at") - delta, active_at=F("active_at") - delta)
    AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Document),
                               target_id=str(doc.pk)).update(created_at=F("created_at") - delta)


def test_a_document_stuck_rendering_is_queued_again_and_made(personas, django_capture_on_commit_callbacks):
    doc = leave_rendering(form_of(submitted_declaration(personas, django_capture_on_commit_callbacks)))

    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.requeue_stale_documents(now=later(3)) == 0  # a render may take a while: not yet
    doc.refresh_from_db()
    assert doc.state == S.RENDERING

    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.requeue_stale_documents(now=later(sweeper.STALE_AFTER.total_seconds() / 60 + 1)) == 1
    doc.refresh_from_db()
    assert doc.state == S.READY and doc.attempts == 2
    assert Path(doc.file.path).read_bytes().startswith(b"%PDF-")
    actions = list(AuditRecord.objects.filter(target_id=str(doc.pk)).order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["document.requeue", "document.rendering", "document.ready"]


def test_the_beat_task_sweeps_queued_and_rendering_but_not_recent_or_finished_ones(
        personas, django_capture_on_commit_callbacks):
    p = personas
    stuck = leave_rendering(form_of(submitted_declaration(p, django_capture_on_commit_callbacks)))
    lost = form_of(submitted_declaration(p, django_capture_on_commit_callbacks, org=p.org_b, unit=p.district_b,
                                         actor=p.applicant_b))
    Document.objects.filter(pk=lost.pk).update(state=S.QUEUED, file="")  # its task never reached a worker
    assert {d.pk for d in sweeper.stale_documents(now=later(11))} == {stuck.pk, lost.pk}
    assert list(sweeper.stale_documents(now=later(1))) == []

    # The beat task as beat sends it, once their last change is older than STALE_AFTER.
    for doc in (stuck, lost):
        backdate(doc, minutes=sweeper.STALE_AFTER.total_seconds() / 60 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_documents.delay().get() == 2
    for doc in (stuck, lost):
        doc.refresh_from_db()
        assert doc.state == S.READY
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale_documents.delay().get() == 0  # ready ones are left alone
    assert "requeue-stale-documents" in django_settings.CELERY_BEAT_SCHEDULE


def test_a_document_that_keeps_killing_its_worker_is_failed_with_a_retry_button(
        client, personas, django_capture_on_commit_callbacks):
    from tests.utils import login

    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    doc = leave_rendering(form_of(decl))
    Document.objects.filter(pk=doc.pk).update(attempts=sweeper.STALE_MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeper.requeue_stale_documents(now=later(11)) == 1
    doc.refresh_from_db()
    assert doc.state == S.FAILED and "多次生成均被中断" in doc.error
    page = login(client, personas.applicant_a).get(f"/applicant/declarations/{decl.pk}/").content.decode()
    assert f"/documents/{doc.pk}/retry/" in page


# --- a real worker, killed -------------------------------------------------------------------------

def start_worker(queue, env, log_path, name, *, render_delay=None):
    """A worker subprocess on `queue`; with `render_delay` (seconds) its PDF layout is that slow (slow_worker.py)."""
    log = open(log_path, "a")  # noqa: SIM115 - closed by stop_worker
    command = ([sys.executable, "-m", "celery", "-A", "config"] if render_delay is None
               else [sys.executable, "-m", "tests.faults.slow_worker", str(render_delay)])
    proc = subprocess.Popen(
        [*command, "worker", "--pool=solo", "-Q", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "info", "-n", f"{name}@%h"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    proc.log = log
    return proc


def stop_worker(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.log.close()


def wait_for(doc, states, worker, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        doc.refresh_from_db()
        if doc.state in states or worker.poll() is not None:
            break
        time.sleep(0.3)
    return doc.state


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_render_is_recovered(worker_database, redis_queue, settings, tmp_path):
    env = {**os.environ, **worker_database, "REDIS_URL": REDIS_URL, "TESTING": "1",
           "TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT), "SIGNING_P12_PATH": settings.SIGNING_P12_PATH,
           "SIGNING_P12_PASSWORD": settings.SIGNING_P12_PASSWORD, "SITE_URL": settings.SITE_URL,
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    log_path = tmp_path / "workers.log"
    workers = []
    try:
        with celery_broker(REDIS_URL, queue=redis_queue):
            # The first worker lays PDFs out slowly (tests/faults/slow_worker.py): killed while "rendering".
            workers.append(start_worker(redis_queue, env, log_path, f"{redis_queue}-doomed", render_delay=120))
            guide = make_guide(2022)
            unit = make_unit("测试区工业和信息化局（中断）", "district", "12")
            decl = complete_declaration(guide, make_org("中断测试数据公司"), unit, project_name="生成中途中断的申报书",
                                        state="submitted", submitted_at=timezone.now())
            doc = request_application_form(decl.pk)  # autocommit: sent to Redis at once
            state = wait_for(doc, {S.RENDERING, S.READY, S.FAILED}, workers[0], 90)
            assert state == S.RENDERING, f"{state} {doc.error}\n{log_path.read_text(errors='replace')[-3000:]}"

            os.kill(workers[0].pid, signal.SIGKILL)  # mid-render, no chance to clean up
            assert workers[0].wait(timeout=20) == -signal.SIGKILL
            time.sleep(0.5)
            doc.refresh_from_db()
            assert doc.state == S.RENDERING and not doc.file  # stuck, as a killed worker leaves it

            # A fresh worker alone would not see it: Redis holds the unacknowledged message for an hour.
            broker = redis.Redis.from_url(REDIS_URL)
            assert any(redis_queue.encode() in v for v in broker.hgetall("unacked").values())
            broker.close()
            workers.append(start_worker(redis_queue, env, log_path, f"{redis_queue}-fresh"))
            # Beat's sweep, some minutes later: queued again, through Redis, to the fresh worker.
            assert sweeper.requeue_stale_documents(now=later(sweeper.STALE_AFTER.total_seconds() / 60 + 1)) == 1
            state = wait_for(doc, {S.READY, S.FAILED}, workers[1], 120)
        output = log_path.read_text(errors="replace")
        assert state == S.READY, f"{state} {doc.error}\n--- worker log ---\n{output[-4000:]}"
        data = Path(settings.MEDIA_ROOT, doc.file.name).read_bytes()
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
        assert doc.file_sha256 == hashlib.sha256(data).hexdigest()
        assert doc.attempts == 2
        assert not list(Path(settings.MEDIA_ROOT, doc.file.name).parent.glob(".tmp-*"))
    finally:
        for proc in workers:
            stop_worker(proc)
