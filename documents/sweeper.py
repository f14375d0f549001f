"""Sweeping stuck documents: what a killed worker or a lost task leaves behind.

Owns finding documents whose state ("queued" or "rendering") has not changed for STALE_AFTER, and
queuing them again from beat (rendering is idempotent), or failing one with a retry button once it
has killed its worker STALE_MAX_ATTEMPTS times.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.models import AuditRecord

from .issuing import enqueue
from .models import Document
from .store import update_row

S = Document.State

# A worker killed mid-render (OOM, deploy, lost machine) leaves its document "rendering"; a task
# lost between queue and worker leaves it "queued". acks_late redelivers the message, but Redis
# only after its visibility timeout (an hour), so a beat task re-queues what has not moved for
# STALE_AFTER. The last audit record of a document is when its state last changed; `active_at` is
# when its worker last reported progress (a 30,000-entry ZIP takes minutes and reports all along,
# without writing audit records), so a document that keeps progressing is never taken for stuck.
STALE_AFTER = timedelta(minutes=10)
STALE_MAX_ATTEMPTS = 8  # a document that keeps killing its worker is failed instead, with a retry button


def stale_documents(now=None, older_than=STALE_AFTER):
    """Documents queued or rendering that neither changed state nor reported progress for `older_than`."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    cutoff = (now or timezone.now()) - older_than
    recent = AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Document),
                                        target_id=Cast(OuterRef("pk"), CharField()), created_at__gte=cutoff)
    return (Document.objects.filter(state__in=[S.QUEUED, S.RENDERING], created_at__lt=cutoff)
            .exclude(active_at__gte=cutoff).exclude(Exists(recent)).order_by("id"))


def requeue_stale_documents(now=None, older_than=STALE_AFTER, limit=200):
    """Queue stuck documents again (rendering is idempotent); returns how many were re-queued or failed."""
    n = 0
    for pk in list(stale_documents(now, older_than).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            doc = Document.objects.select_for_update().filter(pk=pk, state__in=[S.QUEUED, S.RENDERING]).first()
            if doc is None or not stale_documents(now, older_than).filter(pk=pk).exists():
                continue  # moved on since the first look
            if doc.attempts >= STALE_MAX_ATTEMPTS:
                update_row(pk, state=S.FAILED, error=_(
                    "多次生成均被中断，已停止自动重试；请点击“重试”，如仍失败请联系系统管理员"))
                doc.refresh_from_db()
                record("document.failed", target=doc, summary=_("生成失败 %(number)s") % {"number": doc.number},
                       data={"state": S.FAILED, "error": doc.error, "stale": True})
            else:
                was = doc.state
                update_row(pk, state=S.QUEUED, progress=0)
                record("document.requeue", target=doc, summary=_("生成任务中断，重新排队 %(number)s") % {
                    "number": doc.number}, data={"state": S.QUEUED, "was": was})
                transaction.on_commit(lambda pk=pk: enqueue(pk))
            n += 1
    return n
