"""Rendering one document, in a Celery task: build, sign, store, mark ready.

Owns the render pipeline (`render_document`: "rendering", build the file by kind into a temporary
file, store it through the storage, then "ready"), and the signed PDFs of application forms and recommendation letters with their
verification QR code and the unit's seal. ZIPs are built by bundles.py.
"""

import base64
import tempfile

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.audit import record
from units.models import Unit

from .bundles import build_dossier, build_forms_zip
from .models import Document
from .pdf import qr_svg, render_template_to_pdf, verification_url
from .signing import SigningNotConfigured, get_signer, sign_pdf
from .store import PermanentRenderError, digest, save_file, update_row

K, S = Document.Kind, Document.State


def render_document(document_id):
    """Render, sign and store one document. Does nothing if it is already ready.

    The file is built in a temporary file (a ZIP entry by entry, whatever its size) and then stored;
    the row says "ready" only after that, so a crash never leaves a half-written file as ready.
    """
    doc = Document.objects.filter(pk=document_id).first()
    if doc is None:
        return None
    if doc.state == S.READY and doc.file and doc.file.storage.exists(doc.file.name):
        return doc
    with transaction.atomic():
        update_row(doc.pk, state=S.RENDERING, attempts=F("attempts") + 1, active_at=timezone.now())
        record("document.rendering", target=doc, summary=_("开始生成 %(number)s") % {"number": doc.number},
               data={"state": S.RENDERING})
    doc.refresh_from_db()
    name = f"documents/{doc.kind}/{timezone.localtime(doc.created_at):%Y}/{doc.pk}-{doc.short_code}.{doc.extension}"
    with tempfile.TemporaryFile(prefix="document-") as out:
        if doc.kind == K.FORMS_ZIP:
            build_forms_zip(doc, out, render=render_document)
        elif doc.kind == K.DOSSIER:
            build_dossier(doc, out, render=render_document)
        else:
            out.write(_render_pdf(doc))
        out.flush()
        size, sha256 = digest(out)
        stored = save_file(name, out)
    with transaction.atomic():
        update_row(doc.pk, state=S.READY, file=stored, file_size=size, file_sha256=sha256,
                   ready_at=timezone.now(), active_at=timezone.now(), progress=100, error="")
        doc.refresh_from_db()
        record("document.ready", target=doc, summary=_("已生成 %(number)s") % {"number": doc.number},
               data={"state": S.READY, "size": size, "sha256": sha256})
    return doc


def pdf_context(doc):
    url = verification_url(doc.short_code)
    return {"c": doc.content, "doc": doc, "verify_url": url, "qr": mark_safe(qr_svg(url))}  # noqa: S308 - segno's SVG


def _seal_data_uri(unit_id):
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None or not unit.seal:
        return ""
    try:
        with unit.seal.open("rb") as f:
            return "data:image/png;base64," + base64.b64encode(f.read()).decode("ascii")
    except OSError:
        return ""


def render_pdf_bytes(doc):
    """The unsigned PDF of a form or letter (also used by the benchmark)."""
    context = pdf_context(doc)
    if doc.kind == K.APPLICATION_FORM:
        template = "documents/print/application_form.html"
    else:
        template = "documents/print/recommendation_letter.html"
        context["seal_uri"] = _seal_data_uri(doc.content["unit"]["id"])
    pdf, _pages = render_template_to_pdf(template, context)
    return pdf


def _render_pdf(doc):
    try:
        get_signer()  # fail before the slow layout when no certificate is configured
        return sign_pdf(render_pdf_bytes(doc), reason=f"{doc.get_kind_display()} {doc.number}")
    except SigningNotConfigured as exc:
        raise PermanentRenderError(_("未配置签名证书，无法签署文档：%(error)s") % {"error": exc}) from exc
