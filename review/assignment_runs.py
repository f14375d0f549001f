"""Automatic assignment as a background run (the admin's button): queued, followed, continued.

The run (AssignmentRun) moves its progress with each committed batch of assignment.assign_reviewers,
so the admin's page shows how far it is and a run stopped half-way says exactly what is saved.
Starting again continues the interrupted run: declarations that have their reviewers are skipped,
and the one digest per reviewer, sent at the end, counts the tasks of every attempt.
"""

import logging
from datetime import timedelta

from celery import current_app
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record

from .assignment import BATCH, assign_reviewers
from .base import ReviewError
from .models import AssignmentRun
from .setup import settings_for

log = logging.getLogger(__name__)
STALE_AFTER = timedelta(minutes=10)  # a run that reported nothing this long lost its worker
RUN_TASK = "review.tasks.run_assignment_task"


def _mark_lost(now=None):
    """Runs that reported nothing for STALE_AFTER lost their worker: say so, so they can be continued."""
    cut = (now or timezone.now()) - STALE_AFTER
    return AssignmentRun.objects.filter(state__in=[AssignmentRun.State.QUEUED, AssignmentRun.State.RUNNING],
                                        active_at__lt=cut).update(
        state=AssignmentRun.State.FAILED, finished_at=timezone.now(),
        error=_("分配任务长时间无进展（处理进程可能已中断）；已保存的分配保留，可点击“继续分配”从中断处继续"))


def start_assignment(*, guide, actor, panel=None, request=None):
    """Queue an automatic assignment (or continue the interrupted one) and return its run."""
    if settings_for(guide).is_published:
        raise ReviewError(_("评审结果已公布，不能再分配"))
    _mark_lost()
    with transaction.atomic():
        runs = AssignmentRun.objects.select_for_update().filter(guide=guide)
        if runs.filter(state__in=[AssignmentRun.State.QUEUED, AssignmentRun.State.RUNNING]).exists():
            raise ReviewError(_("本指南已有自动分配正在进行，请等待其完成"))
        run = runs.filter(state=AssignmentRun.State.FAILED, panel=panel).order_by("-pk").first()
        latest = runs.order_by("-pk").first()
        if run is not None and run == latest:  # the last run stopped half-way: continue it (its digest too)
            AssignmentRun.objects.filter(pk=run.pk).update(state=AssignmentRun.State.QUEUED, error="",
                                                           active_at=timezone.now(), finished_at=None)
            summary = _("继续自动分配评审专家")
        else:
            run = AssignmentRun.objects.create(guide=guide, panel=panel, started_by=actor, active_at=timezone.now())
            summary = _("开始自动分配评审专家")
        record("review.assign_start", target=guide, actor=actor, request=request, summary=summary,
               data={"run": run.pk, "panel": panel.pk if panel else None})
        transaction.on_commit(lambda: _queue(run.pk))
    run.refresh_from_db()
    return run


def _queue(run_id):
    """Send the run to a worker. The task is looked up by name (review.tasks, registered in ReviewConfig.ready):
    its body is run_assignment below, so importing it here would close a circle."""
    try:
        current_app.tasks[RUN_TASK].delay(run_id)
    except Exception as exc:  # noqa: BLE001 - broker down: the page says so instead of waiting
        AssignmentRun.objects.filter(pk=run_id, state=AssignmentRun.State.QUEUED).update(
            state=AssignmentRun.State.FAILED, finished_at=timezone.now(),
            error=_("无法提交后台任务：%(e)s；请稍后点击“继续分配”") % {"e": str(exc)[:200]})


def run_assignment(run_id, *, batch_size=BATCH, before_batch=None):
    """The worker's side of a run: claim it, assign in batches, store the outcome (or the failure)."""
    claimed = AssignmentRun.objects.filter(pk=run_id, state=AssignmentRun.State.QUEUED).update(
        state=AssignmentRun.State.RUNNING, attempts=F("attempts") + 1, active_at=timezone.now())
    if not claimed:
        return None
    run = AssignmentRun.objects.select_related("guide", "panel", "started_by").get(pk=run_id)
    try:
        report = assign_reviewers(guide=run.guide, panel=run.panel, actor=run.started_by, run=run,
                                  batch_size=batch_size, before_batch=before_batch)
    except Exception as exc:  # noqa: BLE001 - whatever stopped it, the page must say how far it got
        log.exception("assignment run %s stopped", run_id)
        run.refresh_from_db()
        AssignmentRun.objects.filter(pk=run_id).update(
            state=AssignmentRun.State.FAILED, finished_at=timezone.now(),
            error=(_("分配在处理到第 %(done)d / %(total)d 个项目时中断（已保存 %(created)d 条分配）：%(e)s。"
                     "点击“继续分配”将从中断处继续。") % {"done": run.done, "total": run.total,
                                                "created": run.created, "e": str(exc)[:200]})[:500])
        return None
    return report
