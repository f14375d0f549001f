"""Scans of the stamped paper copies: upload, read the QR code (in a Celery task), link to the document.

`upload_scan` runs in the request: it checks and stores the file and queues `read_scan`.
`read_scan` rasterises the scan (pypdfium2 for PDFs, Pillow for images), reads its QR codes with
zbar (pyzbar, Debian's libzbar0) and links the scan to the document whose verification address the
code carries. When no code can be read the uploader picks the version by hand (`link_scan_by_hand`).
Each change is one audit record.
"""

import hashlib
import logging
import re
import uuid

from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record

from .models import Document, StampedScan

log = logging.getLogger(__name__)
O = StampedScan.Outcome
MAX_SCAN_BYTES = 20 * 1024 * 1024
ACCEPTED = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png", "image/tiff": ".tif"}
SCAN_DPI = 200  # enough for a 20 mm QR code on A4; more only costs memory
MAX_PAGES_READ = 4  # a QR code sits on the first page (cover, letter) or the last (form)
VERIFY_CODE_RE = re.compile(r"/documents/verify/([0-9A-Za-z]{4,16})/?(?:$|[?#])")


def _content_type(upload):
    import filetype

    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind.mime if kind else ""


def upload_scan(*, target, kind, upload, actor, request=None):
    """Store the uploaded scan of `target`'s document of `kind` and queue the reading of its QR code."""
    if upload is None:
        raise ValidationError(_("请选择盖章扫描件（PDF 或 JPG、PNG 图片）"))
    if upload.size > MAX_SCAN_BYTES:
        raise ValidationError(_("扫描件不能超过 %(mb)d MB，当前文件 %(size).1f MB") % {
            "mb": MAX_SCAN_BYTES // 1024 // 1024, "size": upload.size / 1024 / 1024})
    mime = _content_type(upload)
    if mime not in ACCEPTED:
        raise ValidationError(_("扫描件须为 PDF 或 JPG、PNG、TIFF 图片，所选文件“%(name)s”不是") % {"name": upload.name})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    with transaction.atomic():
        scan = StampedScan(kind=kind, target_type=ContentType.objects.get_for_model(target), target_id=target.pk,
                           original_name=(upload.name or "scan")[:200], size=upload.size,
                           sha256=digest.hexdigest(), uploaded_by=actor if actor.is_authenticated else None)
        scan.file.save(f"{uuid.uuid4().hex}{ACCEPTED[mime]}", upload, save=False)
        scan.save()
        record("scan.upload", target=scan, actor=actor, request=request,
               summary=_("上传%(kind)s盖章扫描件“%(name)s”") % {"kind": scan.get_kind_display(),
                                                          "name": scan.original_name},
               data={"sha256": scan.sha256, "size": scan.size})
        transaction.on_commit(lambda: _enqueue(scan.pk))
    return scan


def _enqueue(scan_id):
    try:
        read_scan_task.delay(scan_id)
    except Exception:  # noqa: BLE001 - broker down: the uploader picks the document by hand instead
        log.exception("could not queue reading scan %s", scan_id)
        _set_outcome(scan_id, outcome=O.UNREADABLE, code="", document=None, by_hand=False,
                     summary=_("扫描件识别任务未能排队，请人工选择对应文档"))


# --- reading -----------------------------------------------------------------------------------

def _images(f):
    """Greyscale pages of the scan (an open binary file): the first and last pages of a PDF, or an image's frames."""
    from PIL import Image, ImageSequence

    f.seek(0)
    is_pdf = f.read(5) == b"%PDF-"
    f.seek(0)
    if is_pdf:
        import pypdfium2

        pdf = pypdfium2.PdfDocument(f)
        try:
            n = len(pdf)
            order = list(dict.fromkeys([*range(min(n, MAX_PAGES_READ // 2)), *range(max(n - MAX_PAGES_READ // 2, 0), n)]))
            for i in order:
                yield pdf[i].render(scale=SCAN_DPI / 72, grayscale=True).to_pil()
        finally:
            pdf.close()
        return
    with Image.open(f) as im:
        for i, frame in enumerate(ImageSequence.Iterator(im)):
            if i >= MAX_PAGES_READ:
                break
            yield frame.convert("L")


def read_codes(f):
    """The texts of the QR codes found on the scan (an open binary file, from any storage), in page order."""
    from pyzbar.pyzbar import ZBarSymbol, decode

    found = []
    for image in _images(f):
        for symbol in decode(image, symbols=[ZBarSymbol.QRCODE]):
            text = symbol.data.decode("utf-8", "replace")
            if text not in found:
                found.append(text)
    return found


def short_code_of(text):
    """The verification code in a QR code's address, whatever host the site had when it was printed."""
    match = VERIFY_CODE_RE.search(text or "")
    return match.group(1).upper() if match else ""


def _outcome_for(scan, document):
    if document is None:
        return O.UNREADABLE
    if (document.target_type_id, document.target_id, document.kind) != (scan.target_type_id, scan.target_id,
                                                                          scan.kind):
        return O.OTHER
    return O.CURRENT if document.superseded_by_id is None else O.SUPERSEDED


def read_scan(scan_id):
    """Celery: read the scan's QR code and link it to its document; says what was found."""
    scan = StampedScan.objects.filter(pk=scan_id).first()
    if scan is None or not scan.is_pending:
        return scan
    try:
        with scan.file.open("rb") as f:
            codes = read_codes(f)
    except Exception as exc:  # noqa: BLE001 - a damaged or hostile file is "unreadable", not a crash
        log.warning("scan %s could not be read: %s", scan_id, exc)
        codes = []
    short_codes = [c for c in map(short_code_of, codes) if c]
    document = (Document.objects.filter(short_code__in=short_codes, ready_at__isnull=False).order_by("-id").first()
                if short_codes else None)
    outcome = _outcome_for(scan, document)
    _set_outcome(scan.pk, outcome=outcome, code=(short_codes or codes or [""])[0][:200],
                 document=document if outcome in (O.CURRENT, O.SUPERSEDED) else None, by_hand=False,
                 summary=_("识别盖章扫描件：%(outcome)s") % {"outcome": O(outcome).label})
    scan.refresh_from_db()
    return scan


def _set_outcome(scan_id, *, outcome, code, document, by_hand, summary, actor=None, request=None):
    with transaction.atomic():
        StampedScan.objects.filter(pk=scan_id).update(outcome=outcome, read_code=code, document=document,
                                                      linked_by_hand=by_hand, read_at=timezone.now())
        scan = StampedScan.objects.get(pk=scan_id)
        record("scan.read" if not by_hand else "scan.link", target=scan, actor=actor, request=request,
               summary=summary, data={"outcome": outcome, "code": code,
                                      "document": document.number if document else None})


def documents_for_hand_linking(scan):
    """The issued versions the uploader may choose from: this target's documents of the scan's kind."""
    return list(Document.objects.filter(target_type_id=scan.target_type_id, target_id=scan.target_id,
                                        kind=scan.kind, ready_at__isnull=False).order_by("-id"))


def link_scan_by_hand(*, scan, document_id, actor, request=None):
    """The uploader says which version the scan is of (when its code could not be read)."""
    document = next((d for d in documents_for_hand_linking(scan) if str(d.pk) == str(document_id)), None)
    if document is None:
        raise ValidationError(_("请选择本申报（名单）已生成的一个文档版本"))
    outcome = _outcome_for(scan, document)
    _set_outcome(scan.pk, outcome=outcome, code=scan.read_code, document=document, by_hand=True, actor=actor,
                 request=request, summary=_("人工指定盖章扫描件对应 %(number)s") % {"number": document.number})
    scan.refresh_from_db()
    return scan


def latest_scan(target, kind):
    return (StampedScan.objects.for_target(target, kind).select_related("document").order_by("-id").first())


def has_current_scan(outer_ref, app_label, model, kind=Document.Kind.APPLICATION_FORM):
    """An Exists() for annotating rows whose `outer_ref` is the id of a target with a scan of its current
    document: one query for a whole list, whatever its length."""
    from django.db.models import Exists, OuterRef

    ct = ContentType.objects.get_by_natural_key(app_label, model)
    return Exists(StampedScan.objects.of_current_documents().filter(
        target_type=ct, target_id=OuterRef(outer_ref), kind=kind))


@shared_task(acks_late=True, name="documents.tasks.read_scan_task")
def read_scan_task(scan_id):
    """Read the QR code of an uploaded stamped scan and link it to its document."""
    read_scan(scan_id)
