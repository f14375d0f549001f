"""Which cached pages a write to a document touches (see core/pagecache.py)."""

from django.contrib.contenttypes.models import ContentType

from core import pagecache
from documents.models import Document


def document_scopes(doc):
    from declarations.models import Declaration

    if doc.target_type_id and ContentType.objects.get_for_id(doc.target_type_id).model_class() is Declaration:
        return [f"decl:{doc.target_id}"]
    # Letters and list ZIPs belong to a unit's list; those pages are not cached, but stay safe.
    return [pagecache.SITE]


def register():
    pagecache.depends_on(Document, document_scopes)
