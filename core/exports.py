"""Exports built by a Celery worker: the request only records what to build and shows progress.

A builder writes its file into an open temporary file (openpyxl's write-only mode, CSV row by row),
which then goes to the storage (local folder or S3) in one streamed save: memory stays the same
whatever the number of rows. Builders report progress; each report also marks the export as alive,
so the sweeper re-queues only an export whose worker went silent (killed), never a long one.
"""

import tempfile
from datetime import timedelta

from celery import shared_task
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from . import spreadsheet
from .audit import record
from .models import Export
from .progress import Progress
from .queries import EXPORT_COLUMNS, AuditFilterForm, audit_records, export_rows

EXCEL_MAX_ROWS = 1_000_000  # Excel's own limit is 1,048,576 rows per sheet


# An export silent (no progress report) this long lost its worker; after this many attempts it fails.
STALE_AFTER = timedelta(minutes=10)
STALE_MAX_ATTEMPTS = 3

# kind -> function(export, out, track) that writes the file into `out` (an open binary file) and
# returns (file name, row count); track(total) gives a Progress to step once per row.
BUILDERS = {}


def export_builder(kind):
    def register(fn):
        BUILDERS[kind] = fn
        return fn
    return register


def start_export(*, user, kind, params, action, summary, request=None):
    """Record what to build and queue it; the user follows the export's page until the file is ready."""
    if kind not in BUILDERS:
        raise ValueError(f"no export builder for {kind!r}")
    with transaction.atomic():
        export = Export.objects.create(user=user, kind=kind, params=params, active_at=timezone.now())
        record(action, target=export, actor=user, request=request, summary=summary, data=params)
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def start_audit_export(*, user, query, request=None, fmt="xlsx"):
    """Queue the audit log (with the filters in the query string) as an Excel workbook or a CSV file."""
    summary = _("导出审计日志（CSV）") if fmt == "csv" else _("导出审计日志（Excel）")
    return start_export(user=user, kind=f"audit_{fmt}", params={"query": query[:2000]}, action="audit.export",
                        summary=summary, request=request)


def _queue(export_id):
    build_export_task.delay(export_id)


def _audit_records(export):
    form = AuditFilterForm(QueryDict(export.params.get("query", "")))
    return audit_records(form.cleaned_data if form.is_valid() else {})


@export_builder("audit_xlsx")
def audit_workbook(export, out, track):
    records = _audit_records(export)
    progress = track(min(records.count(), EXCEL_MAX_ROWS))
    wb, add_sheet = spreadsheet.workbook()
    ws = add_sheet(_("审计记录"))
    ws.append(EXPORT_COLUMNS)
    n = 0
    for row in export_rows(records):
        if n >= EXCEL_MAX_ROWS:
            ws.append([_("（超过 %(n)d 行，其余请缩小筛选范围或导出 CSV）") % {"n": EXCEL_MAX_ROWS}])
            break
        ws.append(row)
        n += 1
        progress.step()
    spreadsheet.save_to(wb, out)
    return f"audit-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.xlsx", n


@export_builder("audit_csv")
def audit_csv(export, out, track):
    """The whole filtered log (no row limit), read from the database in chunks and written line by line."""
    records = _audit_records(export)
    progress = track(records.count())

    def stepped(rows):
        for row in rows:
            yield row
            progress.step()

    n = spreadsheet.csv_to(out, EXPORT_COLUMNS, stepped(export_rows(records)))
    return f"audit-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.csv", n


def export_progress(export_id, total):
    """A Progress that writes the export's percentage and activity time (the sweeper's sign of life)."""
    def write(percent):
        Export.objects.filter(pk=export_id, state=Export.State.RUNNING).update(progress=percent,
                                                                                active_at=timezone.now())
    return Progress(write, total)


def build_export(export_id):
    """Build one export into a temporary file, then store it; marks it done or failed (with the reason)."""
    claimed = Export.objects.filter(pk=export_id, state=Export.State.PENDING).update(
        state=Export.State.RUNNING, attempts=F("attempts") + 1, progress=0, active_at=timezone.now())
    if not claimed:
        return
    export = Export.objects.get(pk=export_id)
    try:
        with tempfile.TemporaryFile(prefix="export-") as tmp:
            name, n = BUILDERS[export.kind](export, tmp, lambda total: export_progress(export_id, total))
            tmp.flush()
            tmp.seek(0)
            export.file.save(name, File(tmp, name=name), save=False)
        # Only the attempt that still owns the row finishes it (the sweeper may have given it to another).
        finished = Export.objects.filter(pk=export_id, state=Export.State.RUNNING, attempts=export.attempts).update(
            file=export.file.name, filename=name, row_count=n, progress=100, state=Export.State.DONE,
            finished_at=timezone.now(), active_at=timezone.now())
        if not finished:
            export.file.delete(save=False)
    except Exception as exc:  # noqa: BLE001 - the page must show a failure, never wait forever
        Export.objects.filter(pk=export_id, attempts=export.attempts).update(
            state=Export.State.FAILED, error=str(exc)[:300], finished_at=timezone.now())
        raise


@shared_task(name="core.tasks.build_export", acks_late=True)  # the name it had in core.tasks: queued ones still run
def build_export_task(export_id):
    build_export(export_id)


def stale_exports(now=None, older_than=STALE_AFTER):
    """Exports queued or running that have reported nothing for `older_than`: their task or worker is lost."""
    cut = (now or timezone.now()) - older_than
    return Export.objects.filter(Q(active_at__lt=cut) | Q(active_at__isnull=True, created_at__lt=cut),
                                 state__in=[Export.State.PENDING, Export.State.RUNNING])


def requeue_stale_exports(now=None, older_than=STALE_AFTER, limit=200):
    """Queue silent exports again, or fail them after STALE_MAX_ATTEMPTS; returns how many were handled."""
    n = 0
    for pk in list(stale_exports(now, older_than).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            export = stale_exports(now, older_than).select_for_update().filter(pk=pk).first()
            if export is None:
                continue  # it reported progress since the first look
            if export.attempts >= STALE_MAX_ATTEMPTS:
                Export.objects.filter(pk=pk).update(state=Export.State.FAILED, finished_at=timezone.now(),
                                                    error=_("多次生成均被中断，请重新导出"))
            else:
                Export.objects.filter(pk=pk).update(state=Export.State.PENDING, progress=0,
                                                    active_at=timezone.now())
                transaction.on_commit(lambda pk=pk: _queue(pk))
            n += 1
    return n


@shared_task(name="core.tasks.requeue_stale_exports")
def requeue_stale_exports_task():
    """Beat: exports whose worker went silent (killed) are queued again, or failed after a few attempts."""
    return requeue_stale_exports()
