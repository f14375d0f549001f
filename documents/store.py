"""Where a document's row and file are kept, and how a failed attempt is noted.

Owns changing a document's row in place (no save signals), the path of a stored file under
MEDIA_ROOT, writing a file atomically (temporary name, fsync, rename), the error that retrying will
not fix, and recording a failed render as "failed" (with a retry button) or queued for a retry.
Every other documents module writes rows and files through these.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record

from .models import Document

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


def stored_path(name):
    return Path(settings.MEDIA_ROOT) / name


def atomic_write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
