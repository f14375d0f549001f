"""The guide's official notice and blank 申报书 template: stored by the ministry, downloaded by anyone once published."""

import os
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record

from .models import Guide

# which -> (file field, original-name field, label)
DOCUMENTS = {
    "notice": ("notice_file", "notice_name", _("通知正式文件")),
    "template": ("template_file", "template_name", _("申报书模板")),
}


def store_guide_documents(*, guide, actor, uploads, request=None):
    """Replace the guide's notice and/or template with `uploads` ({"notice": file, "template": file}, checked)."""
    uploads = {k: f for k, f in uploads.items() if f and k in DOCUMENTS}
    old = []
    with transaction.atomic():
        locked = Guide.objects.select_for_update().get(pk=guide.pk)
        for which, upload in uploads.items():
            field, name_field, _label = DOCUMENTS[which]
            current = getattr(locked, field)
            if current:
                old.append((current.storage, current.name))
            ext = os.path.splitext(upload.name)[1].lower()
            getattr(locked, field).save(f"{uuid.uuid4().hex}{ext}", upload, save=False)
            setattr(locked, name_field, os.path.basename(upload.name)[:200])
        locked.save(update_fields=[f for k in uploads for f in DOCUMENTS[k][:2]])
        record("guide.documents", target=locked, actor=actor, request=request,
               summary=_("上传%(what)s") % {"what": "、".join(str(DOCUMENTS[k][2]) for k in uploads)},
               data={k: getattr(locked, DOCUMENTS[k][1]) for k in uploads})
        transaction.on_commit(lambda: [storage.delete(name) for storage, name in old])
    return locked
