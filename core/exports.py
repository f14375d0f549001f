"""Exports built by a Celery worker: the request only records what to build and shows progress."""

from celery import shared_task
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from . import spreadsheet
from .audit import record
from .models import Export
from .queries import EXPORT_COLUMNS, AuditFilterForm, audit_records, export_rows

EXCEL_MAX_ROWS = 1_000_000  # Excel's own limit is 1,048,576 rows per sheet


# kind -> function(export) returning (file name, bytes, row count). Apps register theirs in ready().
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
        export = Export.objects.create(user=user, kind=kind, params=params)
        record(action, target=export, actor=user, request=request, summary=summary, data=params)
        transaction.on_commit(lambda: _queue(export.pk))
    return export


def start_audit_export(*, user, query, request=None):
    """Queue the audit log (with the filters in the query string) as an Excel workbook."""
    return start_export(user=user, kind="audit_xlsx", params={"query": query[:2000]}, action="audit.export",
                        summary=_("导出审计日志（Excel）"), request=request)


def _queue(export_id):
    build_export_task.delay(export_id)


@export_builder("audit_xlsx")
def audit_workbook(export):
    form = AuditFilterForm(QueryDict(export.params.get("query", "")))
    filters = form.cleaned_data if form.is_valid() else {}
    wb, add_sheet = spreadsheet.workbook()
    ws = add_sheet(_("审计记录"))
    ws.append(EXPORT_COLUMNS)
    n = 0
    for row in export_rows(audit_records(filters)):
        if n >= EXCEL_MAX_ROWS:
            ws.append([_("（超过 %(n)d 行，其余请缩小筛选范围或导出 CSV）") % {"n": EXCEL_MAX_ROWS}])
            break
        ws.append(row)
        n += 1
    return f"audit-{timezone.localtime().strftime('%Y%m%d-%H%M%S')}.xlsx", spreadsheet.save(wb), n


def build_export(export_id):
    """Build one export; marks it done or failed (with the reason) so its page stops waiting."""
    claimed = Export.objects.filter(pk=export_id, state=Export.State.PENDING).update(state=Export.State.RUNNING)
    if not claimed:
        return
    export = Export.objects.get(pk=export_id)
    try:
        name, data, n = BUILDERS[export.kind](export)
        export.file.save(name, ContentFile(data), save=False)
        export.filename, export.row_count = name, n
        export.state, export.finished_at = Export.State.DONE, timezone.now()
        export.save()
    except Exception as exc:  # noqa: BLE001 - the page must show a failure, never wait forever
        Export.objects.filter(pk=export_id).update(state=Export.State.FAILED, error=str(exc)[:300],
                                                   finished_at=timezone.now())
        raise


@shared_task(name="core.tasks.build_export", acks_late=True)  # the name it had in core.tasks: queued ones still run
def build_export_task(export_id):
    build_export(export_id)
