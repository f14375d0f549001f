"""Where a document's row and file are kept, and how a failed attempt is noted.

Owns changing a document's row in place (no save signals), its progress (each report also a sign
of life for the sweeper), storing a built file through the default storage (local folder or S3,
never a path of its own), the error that retrying will not fix, and recording a failed render
as "failed" (with a retry button) or queued for a retry. Every other documents module writes rows
and files through these.
"""

import hashlib
import posixpath

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.progress import Progress

from .models import Document

COPY_BUFFER = 1024 * 1024

S = Document.State


class PermanentRenderError(Exception):
    """A failure that retrying will not fix (missing certificate, target gone)."""


def update_row(pk, **fields):
    """Change a document's row in place (no save signals) and tell the cached pages that show it."""
    return Document.objects.filter(pk=pk).update(**fields)


def record_failure(document_id, error, *, final):
    """Note a failed attempt: "failed" (with a retry button) when no automatic retry follows."""
    text = str(error)[:2000] or error.__class__.__name__
    if final:
        with transaction.atomic():
            update_row(document_id, state=S.FAILED, error=text)
            doc = Document.objects.filter(pk=document_id).first()
            if doc is not None:
                record("document.failed", target=doc, summary=_("生成失败 %(number)s") % {"number": doc.number},
                       data={"state": S.FAILED, "error": text})
    else:
        update_row(document_id, 
            state=S.QUEUED, error=_("生成出错，稍后自动重试：%(error)s") % {"error": text})


def document_progress(document_id, total):
    """A Progress that writes the document's percentage and its activity time (what the sweeper reads)."""
    def write(percent):
        update_row(document_id, progress=percent, active_at=timezone.now())
    return Progress(write, total)


def digest(f):
    """Size and SHA-256 of an open file, read in 1 MB pieces."""
    f.seek(0)
    sha, size = hashlib.sha256(), 0
    for chunk in iter(lambda: f.read(COPY_BUFFER), b""):
        sha.update(chunk)
        size += len(chunk)
    return size, sha.hexdigest()


def save_file(name, f):
    """Store the open file `f` under `name` (or a free variant of it) through the storage; returns the name used.

    The row says "ready" only after this returns, so a crash never leaves a half-written file as
    ready. A file an interrupted attempt left under the same name is kept, and this one takes a free
    name next to it: a second worker still writing it must not lose the file under its feet.
    """
    f.seek(0)
    return default_storage.save(name, File(f, name=posixpath.basename(name)))
