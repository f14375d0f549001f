"""Celery tasks: thin wrappers that take ids and call documents.rendering and documents.sweeper.

Acknowledged late (settings), so a worker that dies mid-render leaves the message
on the queue; the render is idempotent, so running it twice is harmless. Redis gives
such a message back only after its visibility timeout, so beat also runs
requeue_stale_documents, which queues again what has been stuck for minutes.
"""

from celery import shared_task
from celery.signals import worker_process_init

from . import scans, sweeper  # noqa: F401  (scans defines read_scan_task; importing it here registers it with the worker)
from .rendering import render_document
from .store import PermanentRenderError, record_failure

MAX_RETRIES = 3


@shared_task(bind=True, acks_late=True, max_retries=MAX_RETRIES)
def render_document_task(self, document_id):
    try:
        render_document(document_id)
    except PermanentRenderError as exc:
        record_failure(document_id, exc, final=True)
    except Exception as exc:  # noqa: BLE001 - any render error: retry with exponential backoff, then fail
        final = self.request.retries >= self.max_retries
        record_failure(document_id, exc, final=final)
        if not final:
            raise self.retry(exc=exc, countdown=5 * 2 ** self.request.retries) from exc


@shared_task
def requeue_stale_documents():
    """Beat: documents left "queued"/"rendering" by a lost task or a killed worker are queued again."""
    return sweeper.requeue_stale_documents()


@worker_process_init.connect
def _load_signer(**_kwargs):
    """Each worker process reads the certificate (and imports pyHanko) once, at start, not in its first render."""
    from .signing import SigningNotConfigured, get_signer

    try:
        get_signer()
        import pyhanko.sign.signers.pdf_signer  # noqa: F401 - the import is most of a cold signature
    except SigningNotConfigured:
        pass  # rendering reports it, with a retry button
