"""Exports are built by the worker into a file in the storage, report progress, and survive the sweeper."""

import io
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core import exports
from core.audit import record
from core.models import Export
from core.progress import Progress
from operations.backup import stored_files
from tests.utils import login

IN_MEMORY = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def memory_storage(settings):
    settings.STORAGES = IN_MEMORY
    return default_storage


def test_the_workbook_is_stored_through_the_configured_storage(client, personas, memory_storage, settings,
                                                                django_capture_on_commit_callbacks):
    for i in range(25):
        record("guide.update", target=personas.guide, actor=personas.admin, summary=f"修改第{i}次")
    login(client, personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:audit_export_excel"), {"query": "action=guide.update"})
    export = Export.objects.get()
    assert export.state == Export.State.DONE and export.row_count == 25 and export.progress == 100
    # the file lives in the configured storage, not on the local disk
    assert memory_storage.exists(export.file.name)
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.xlsx"))
    download = client.get(reverse("core:export_download", args=[export.pk]))
    ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert ws.max_row == 26 and {ws.cell(r, 7).value for r in range(2, 27)} == {f"修改第{i}次" for i in range(25)}


def test_progress_is_shown_on_the_export_page(client, personas):
    export = Export.objects.create(user=personas.admin, kind="audit_xlsx", state=Export.State.RUNNING, progress=42)
    login(client, personas.admin)
    body = client.get(reverse("core:export", args=[export.pk])).content.decode()
    assert 'value="42"' in body and "42%" in body


class TestSweeper:
    @pytest.fixture
    def long_ago(self):
        return timezone.now() - timedelta(minutes=30)

    def test_a_silent_export_is_queued_again_then_failed(self, personas, long_ago,
                                                         django_capture_on_commit_callbacks):
        export = Export.objects.create(user=personas.admin, kind="audit_xlsx", state=Export.State.RUNNING,
                                       attempts=1)
        Export.objects.filter(pk=export.pk).update(active_at=long_ago)
        with django_capture_on_commit_callbacks(execute=True):
            assert exports.requeue_stale_exports() == 1
        export.refresh_from_db()
        assert export.state == Export.State.DONE and export.attempts == 2  # queued again and built

        Export.objects.filter(pk=export.pk).update(state=Export.State.RUNNING, attempts=exports.STALE_MAX_ATTEMPTS,
                                                   active_at=long_ago)
        assert exports.requeue_stale_exports() == 1
        export.refresh_from_db()
        assert export.state == Export.State.FAILED and "中断" in export.error

    def test_a_long_export_that_reports_progress_is_left_alone(self, personas, long_ago, memory_storage):
        seen = {}

        @exports.export_builder("test_long")
        def long_build(export, out, track):
            progress = track(1000)
            for i in range(1000):
                progress.step()
                if i == 500:  # half-way through an export started half an hour ago, the sweeper runs
                    seen["requeued"] = exports.requeue_stale_exports()
                    seen["state"] = Export.objects.get(pk=export.pk).state
                    seen["alive"] = Export.objects.get(pk=export.pk).active_at > long_ago
            out.write(b"done")
            return "long.txt", 1000

        try:
            export = Export.objects.create(user=personas.admin, kind="test_long")
            Export.objects.filter(pk=export.pk).update(created_at=long_ago, active_at=long_ago)
            exports.build_export(export.pk)
        finally:
            exports.BUILDERS.pop("test_long")
        export.refresh_from_db()
        assert seen == {"requeued": 0, "state": Export.State.RUNNING, "alive": True}
        assert export.state == Export.State.DONE and export.attempts == 1
        with memory_storage.open(export.file.name) as f:
            assert f.read() == b"done"

    def test_an_export_taken_over_by_the_sweeper_does_not_finish_twice(self, personas, memory_storage):
        @exports.export_builder("test_taken")
        def taken(export, out, track):
            # the sweeper gave this export to another attempt while this one was (silently) working
            Export.objects.filter(pk=export.pk).update(state=Export.State.PENDING)
            out.write(b"x")
            return "taken.txt", 1

        try:
            export = Export.objects.create(user=personas.admin, kind="test_taken")
            exports.build_export(export.pk)
        finally:
            exports.BUILDERS.pop("test_taken")
        export.refresh_from_db()
        assert export.state == Export.State.PENDING and not export.file
        assert list(stored_files(memory_storage)) == []  # the losing attempt removed its file


def test_progress_reports_are_throttled_but_never_silent():
    now = [0.0]
    writes = []
    p = Progress(writes.append, total=300_000, every=5.0, min_gap=1.0, clock=lambda: now[0])
    for _ in range(300_000):
        p.step()
        now[0] += 0.0001  # 30 s for the whole job
    # one write at the start, then at most one per second while the percentage moves
    assert writes[0] == 0 and 20 <= len(writes) <= 32 and writes[-1] >= 95 and writes == sorted(writes)
    now[0] += 1
    p.report()
    assert writes[-1] == 99  # the last move of the figure is written once a second has passed
    n = len(writes)
    now[0] += 0.5
    p.report()
    assert len(writes) == n  # an unchanged figure is not written again at once...
    now[0] += 5
    p.report()
    assert len(writes) == n + 1  # ...but every `every` seconds, so the sweeper sees the job alive
