"""Generated documents: what they say, when they are made, and how one is rendered.

`request_*` functions run in the request (or on commit of a state change): they
take a snapshot of the content, fingerprint it and queue a Document; they never
render. `render_document` runs in a Celery task and does the slow work. Each
state change of a Document is one audit record.
"""

import base64
import hashlib
import io
import json
import logging
import os
import secrets
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.audit import record

from .models import Document
from .pdf import qr_svg, render_template_to_pdf, verification_url
from .signing import SigningNotConfigured, get_signer, sign_pdf

log = logging.getLogger(__name__)
K, S = Document.Kind, Document.State
MINISTRY_ADDRESSEE = "工业和信息化部信息技术发展司"
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper


class PermanentRenderError(Exception):
    """A failure that retrying will not fix (missing certificate, target gone)."""


# --- content snapshots ------------------------------------------------------------------------

def canonical_json(content):
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint_of(content):
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def _date_text(dt):
    d = timezone.localtime(dt) if dt else timezone.localtime()
    return f"{d.year}年{d.month}月{d.day}日"


def _paragraphs(text):
    return [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


def _direction(d):
    return {"code": d.code, "name": d.name, "category": d.category.name if d.category_id else ""}


def application_form_content(decl):
    """Everything the application form prints, as plain JSON: the content its fingerprint covers."""
    org = decl.organisation
    directions = decl.all_directions()
    texts = [
        ("项目简介", decl.summary), ("技术先进性与关键创新点", decl.innovation),
        ("经济效益和社会效益", decl.benefits), ("推广价值", decl.promotion), ("开源贡献", decl.open_source),
    ]
    numerals = ["三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
    sections = [{"number": numerals[i], "title": title, "paragraphs": _paragraphs(text)}
                for i, (title, text) in enumerate(texts)]
    n = len(sections)
    return {
        "declaration_id": decl.pk,
        "guide": {"id": decl.guide_id, "year": decl.guide.year, "title": decl.guide.title,
                  "doc_number": decl.guide.doc_number},
        "applicant": {
            "name": org.name, "credit_code": org.credit_code, "kind": org.get_kind_display(),
            "is_industrial": org.is_industrial, "region": org.get_region_display(),
            "dcmm_level": org.get_dcmm_level_display(), "address": org.address,
            "contact_name": org.contact_name, "contact_phone": org.contact_phone,
            "contact_email": org.contact_email,
        },
        "unit": decl.unit.name if decl.unit_id else "",
        "project_name": decl.project_name,
        "directions": [_direction(d) for d in directions],
        "applicant_role": decl.get_applicant_role_display() if decl.applicant_role else "",
        "construction_status": decl.get_construction_status_display() if decl.construction_status else "",
        "sections": sections,
        "ip_section_number": numerals[n], "case_section_number": numerals[n + 1],
        "attachment_section_number": numerals[n + 2], "commitment_section_number": numerals[n + 3],
        "ip_items": [{k: str(i.get(k, "")) for k in ("kind", "title", "number")} for i in decl.ip_items or []],
        "cases": [{k: str(c.get(k, "")) for k in ("name", "customer", "description")} for c in decl.cases or []],
        "stats_report_filed": decl.stats_report_filed, "stats_report_year": decl.stats_report_year,
        "attachments": [{"name": a.original_name, "label": a.label, "size": a.size, "sha256": a.sha256}
                        for a in decl.attachments.all()],
        "submitted_at": timezone.localtime(decl.submitted_at).isoformat() if decl.submitted_at else "",
        "submitted_date": _date_text(decl.submitted_at) if decl.submitted_at else "",
    }


def _seal_sha256(unit):
    if not unit.seal:
        return ""
    try:
        with unit.seal.open("rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError:
        return ""


def letter_title_words(year):
    """The letter's title as the words it may break between (GB/T 9704: a title breaks without splitting a word)."""
    return ["关于推荐", f"{year}年", "大数据产业发展", "试点示范项目的函"]


def recommendation_letter_content(rec_list):
    unit = rec_list.unit
    entries = (rec_list.entries.filter(recommended=True).order_by("rank", "id")
               .select_related("declaration__organisation", "declaration__direction"))
    return {
        "list_id": rec_list.pk,
        "list_version": rec_list.version,
        "guide": {"id": rec_list.guide_id, "year": rec_list.guide.year, "title": rec_list.guide.title,
                  "doc_number": rec_list.guide.doc_number},
        "unit": {"id": unit.pk, "name": unit.name, "contact_name": unit.contact_name,
                 "contact_phone": unit.contact_phone, "seal_sha256": _seal_sha256(unit)},
        "addressee": unit.parent.name if unit.parent_id else MINISTRY_ADDRESSEE,
        "title": "".join(letter_title_words(rec_list.guide.year)),
        "title_words": letter_title_words(rec_list.guide.year),
        "entries": [{
            "rank": i, "declaration_id": e.declaration_id, "project_name": e.declaration.project_name,
            "applicant": e.declaration.organisation.name,
            "credit_code": e.declaration.organisation.credit_code,
            "direction": str(e.declaration.direction) if e.declaration.direction_id else "",
        } for i, e in enumerate(entries, 1)],
        "confirmed_at": timezone.localtime(rec_list.confirmed_at).isoformat() if rec_list.confirmed_at else "",
        "date_text": _date_text(rec_list.confirmed_at),
    }


def forms_zip_content(rec_list):
    entries = rec_list.entries.order_by("rank", "id").select_related("declaration__organisation")
    return {
        "list_id": rec_list.pk, "list_version": rec_list.version, "unit": rec_list.unit.name,
        "entries": [{"rank": e.rank, "declaration_id": e.declaration_id, "recommended": e.recommended,
                     "project_name": e.declaration.project_name,
                     "applicant": e.declaration.organisation.name,
                     "formal_check": formal_check_records(e.declaration)} for e in entries],
    }


def formal_check_records(decl):
    """The declaration's state changes (submit, pass, return...) with who, when and why, oldest first."""
    from core.audit import records_for
    from declarations.services import TRANSITIONS

    actions = set(TRANSITIONS.values())
    return [{"action": r.action, "summary": r.summary, "reason": r.reason,
             "actor": (r.actor.get_full_name() or r.actor.get_username()) if r.actor_id else "",
             "at": timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M:%S")}
            for r in records_for(decl).filter(action__in=actions).order_by("created_at", "id")]


def _reviews_content(decl):
    from review.models import Review

    reviews = (Review.objects.filter(assignment__declaration=decl, state=Review.State.SUBMITTED)
               .select_related("assignment__reviewer").prefetch_related("scores__criterion")
               .order_by("submitted_at", "id"))
    return [{"reviewer": r.assignment.reviewer.get_full_name() or r.assignment.reviewer.get_username(),
             "submitted_at": timezone.localtime(r.submitted_at).strftime("%Y-%m-%d %H:%M") if r.submitted_at else "",
             "total": str(r.total) if r.total is not None else "", "comment": r.comment,
             "scores": [{"criterion": sc.criterion.name, "max_points": str(sc.criterion.max_points),
                         "value": str(sc.value)}
                        for sc in sorted(r.scores.all(), key=lambda sc: (sc.criterion.order, sc.criterion_id))]}
            for r in reviews]


def dossier_content(decl, *, include_reviews):
    """One declaration's dossier: form, attachments, formal-check record, and (ministry only) the reviews."""
    content = {
        "declaration_id": decl.pk, "project_name": decl.project_name, "applicant": decl.organisation.name,
        "unit": decl.unit.name if decl.unit_id else "", "include_reviews": bool(include_reviews),
        "attachments": [{"id": a.pk, "name": a.original_name, "label": a.label, "size": a.size, "sha256": a.sha256}
                        for a in decl.attachments.order_by("id")],
        "formal_check": formal_check_records(decl),
    }
    if include_reviews:
        content["reviews"] = _reviews_content(decl)
    return content


# --- requesting -------------------------------------------------------------------------------

def current_document(target, kind):
    return Document.objects.for_target(target, kind).current().order_by("-id").first()


def issued_versions(doc):
    """Every issued file of `doc`'s document (same target and kind), oldest first, for the verification
    page to compare a dropped file against: number, file SHA-256, whether current, and which one is `doc`."""
    versions = (Document.objects.filter(target_type_id=doc.target_type_id, target_id=doc.target_id, kind=doc.kind,
                                        ready_at__isnull=False).exclude(file_sha256="").order_by("id"))
    if doc.kind == K.DOSSIER:  # the unit's and the ministry's dossiers are separate chains
        versions = versions.filter(content__include_reviews=bool((doc.content or {}).get("include_reviews")))
    rows = versions.values_list("pk", "number", "file_sha256", "superseded_by_id")
    return [{"number": number, "sha256": sha, "current": sup is None, "this": pk == doc.pk}
            for pk, number, sha, sup in rows]


def _new_short_code():
    return "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(10))


def _request(target, kind, content, *, issued_to, number, actor=None, force=False, request=None, variant=None):
    """The current document of `target` for `content`: the existing one, or a new queued version.

    Idempotent: asking again for unchanged content returns the same document (a failed
    one is queued again). Changed content, or `force`, makes a new version that
    supersedes the old one. The target row is locked so two requests cannot both add one.
    `variant` (content lookups) keeps separate chains of one kind apart (the two dossiers).
    """
    fingerprint = fingerprint_of(content)
    with transaction.atomic():
        type(target).objects.select_for_update().filter(pk=target.pk).exists()
        current = (Document.objects.for_target(target, kind).current().filter(**(variant or {}))
                   .select_for_update().order_by("-id").first())
        if current is not None and not force and current.fingerprint == fingerprint:
            if current.state == S.FAILED:
                _requeue(current, actor=actor, request=request)
            return current
        seq = Document.objects.for_target(target, kind).count() + 1
        for attempt in range(5):
            try:
                with transaction.atomic():
                    doc = Document.objects.create(
                        kind=kind, target=target, number=number(seq + attempt), short_code=_new_short_code(),
                        content=content, fingerprint=fingerprint, issued_to=issued_to[:200], requested_by=(
                            actor if actor is not None and actor.is_authenticated else None))
                break
            except IntegrityError:
                if attempt == 4:
                    raise
        if current is not None:
            _update(current.pk, superseded_by=doc)
        record("document.request", target=doc, actor=actor, request=request,
               summary=_("申请生成%(kind)s %(number)s") % {"kind": doc.get_kind_display(), "number": doc.number},
               data={"state": S.QUEUED, "fingerprint": fingerprint,
                     "supersedes": current.number if current is not None else None})
        transaction.on_commit(lambda: enqueue(doc.pk))
    return doc


def _update(pk, **fields):
    """Change a document's row in place (no save signals) and tell the cached pages that show it."""
    return Document.objects.filter(pk=pk).update(**fields)


def _requeue(doc, *, actor=None, request=None):
    _update(doc.pk, state=S.QUEUED, error="", progress=0)
    doc.refresh_from_db()
    record("document.retry", target=doc, actor=actor, request=request,
           summary=_("重新生成%(kind)s %(number)s") % {"kind": doc.get_kind_display(), "number": doc.number},
           data={"state": S.QUEUED})
    transaction.on_commit(lambda: enqueue(doc.pk))


def enqueue(document_id):
    """Send the render task; if the broker is unreachable, show the failure with a retry button."""
    from .tasks import render_document_task

    try:
        render_document_task.delay(document_id)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds when the broker is down
        log.exception("could not queue document %s", document_id)
        record_failure(document_id, _("任务队列暂时不可用，文档尚未生成，请稍后点击“重试”（%(error)s）")
                       % {"error": exc}, final=True)


def request_application_form(declaration_id, *, actor=None, force=False, request=None):
    """Queue the application form of a submitted declaration (called on every submission)."""
    from declarations.models import Declaration

    decl = (Declaration.objects.select_related("guide", "organisation", "unit", "direction__category")
            .prefetch_related("extra_directions__category", "attachments").filter(pk=declaration_id).first())
    if decl is None or decl.submitted_at is None:
        return None
    content = application_form_content(decl)
    return _request(decl, K.APPLICATION_FORM, content, issued_to=decl.organisation.name,
                    number=lambda seq: f"SB{decl.guide.year}-{decl.pk:06d}-{seq:02d}",
                    actor=actor, force=force, request=request)


def request_form_copy(target, content, *, number, issued_to, actor=None, request=None):
    """An application form rendered from `content` made by another app for its own `target`
    (the review app's reviewer copy, masked for blind review); the same chain rules as the form."""
    return _request(target, K.APPLICATION_FORM, content, issued_to=issued_to, number=number, actor=actor,
                    request=request)


def _letter_number(rec_list):
    base = rec_list.document_number or f"推荐函〔{rec_list.guide.year}〕{rec_list.pk}号"

    def number(seq):
        if seq == 1 and not Document.objects.filter(number=base).exists():
            return base
        return f"{base}-{seq}"
    return number


def request_recommendation_letter(list_id, *, actor=None, force=False, request=None):
    """Queue the recommendation letter of a confirmed list (called when a list is confirmed)."""
    from quotas.models import RecommendationList

    rec_list = RecommendationList.objects.select_related("guide", "unit__parent").filter(pk=list_id).first()
    if rec_list is None or not rec_list.is_confirmed:
        return None
    content = recommendation_letter_content(rec_list)
    return _request(rec_list, K.RECOMMENDATION_LETTER, content, issued_to=content["addressee"],
                    number=_letter_number(rec_list), actor=actor, force=force, request=request)


def request_forms_zip(list_id, *, actor=None, request=None):
    """Queue one ZIP of all application forms of a list, in rank order."""
    from quotas.models import RecommendationList

    rec_list = RecommendationList.objects.select_related("guide", "unit").filter(pk=list_id).first()
    if rec_list is None:
        return None
    content = forms_zip_content(rec_list)
    current = current_document(rec_list, K.FORMS_ZIP)
    # A ZIP whose forms may have changed since is built again on request.
    force = current is not None and current.state == S.READY
    return _request(rec_list, K.FORMS_ZIP, content, issued_to=rec_list.unit.name,
                    number=lambda seq: f"ZIP{rec_list.guide.year}-{rec_list.pk:05d}-{seq:02d}",
                    actor=actor, force=force, request=request)


def current_dossier(decl, *, include_reviews):
    return (Document.objects.for_target(decl, K.DOSSIER).current()
            .filter(content__include_reviews=bool(include_reviews)).order_by("-id").first())


def request_dossier(declaration_id, *, include_reviews, actor=None, request=None):
    """Queue the dossier ZIP of a submitted declaration; the ministry's and the unit's are separate documents."""
    from declarations.models import Declaration

    decl = (Declaration.objects.select_related("guide", "organisation", "unit")
            .filter(pk=declaration_id).first())
    if decl is None or decl.submitted_at is None:
        return None
    content = dossier_content(decl, include_reviews=include_reviews)
    current = current_dossier(decl, include_reviews=include_reviews)
    # Like the list ZIP: the form inside may have been regenerated since, so a ready dossier is built again.
    force = current is not None and current.state == S.READY
    tag = "M" if include_reviews else "U"
    issued_to = MINISTRY_ADDRESSEE if include_reviews else (decl.unit.name if decl.unit_id else "")
    return _request(decl, K.DOSSIER, content, issued_to=issued_to,
                    number=lambda seq: f"DA{decl.guide.year}-{decl.pk:06d}-{tag}{seq:02d}",
                    actor=actor, force=force, request=request,
                    variant={"content__include_reviews": bool(include_reviews)})


# A worker killed mid-render (OOM, deploy, lost machine) leaves its document "rendering"; a task
# lost between queue and worker leaves it "queued". acks_late redelivers the message, but Redis
# only after its visibility timeout (an hour), so a beat task re-queues what has not moved for
# STALE_AFTER. The last audit record of a document is when its state last changed.
STALE_AFTER = timedelta(minutes=10)
STALE_MAX_ATTEMPTS = 8  # a document that keeps killing its worker is failed instead, with a retry button


def stale_documents(now=None, older_than=STALE_AFTER):
    """Documents queued or rendering whose state has not changed for `older_than`."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import CharField, Exists, OuterRef
    from django.db.models.functions import Cast

    from core.models import AuditRecord

    cutoff = (now or timezone.now()) - older_than
    recent = AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(Document),
                                        target_id=Cast(OuterRef("pk"), CharField()), created_at__gte=cutoff)
    return (Document.objects.filter(state__in=[S.QUEUED, S.RENDERING], created_at__lt=cutoff)
            .exclude(Exists(recent)).order_by("id"))


def requeue_stale_documents(now=None, older_than=STALE_AFTER, limit=200):
    """Queue stuck documents again (rendering is idempotent); returns how many were re-queued or failed."""
    n = 0
    for pk in list(stale_documents(now, older_than).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            doc = Document.objects.select_for_update().filter(pk=pk, state__in=[S.QUEUED, S.RENDERING]).first()
            if doc is None or not stale_documents(now, older_than).filter(pk=pk).exists():
                continue  # moved on since the first look
            if doc.attempts >= STALE_MAX_ATTEMPTS:
                _update(pk, state=S.FAILED, error=_(
                    "多次生成均被中断，已停止自动重试；请点击“重试”，如仍失败请联系系统管理员"))
                doc.refresh_from_db()
                record("document.failed", target=doc, summary=_("生成失败 %(number)s") % {"number": doc.number},
                       data={"state": S.FAILED, "error": doc.error, "stale": True})
            else:
                was = doc.state
                _update(pk, state=S.QUEUED, progress=0)
                record("document.requeue", target=doc, summary=_("生成任务中断，重新排队 %(number)s") % {
                    "number": doc.number}, data={"state": S.QUEUED, "was": was})
                transaction.on_commit(lambda pk=pk: enqueue(pk))
            n += 1
    return n


def retry_document(doc, *, actor, request=None):
    """Queue a failed document again (the retry button)."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=doc.pk)
        if locked.state != S.FAILED:
            return locked
        _requeue(locked, actor=actor, request=request)
    return locked


# --- rendering (Celery tasks call these) --------------------------------------------------------

def render_document(document_id):
    """Render, sign and store one document. Does nothing if it is already ready.

    The file is written to a temporary name and renamed into place; the row says
    "ready" only after that, so a crash never leaves a half-written file as ready.
    """
    doc = Document.objects.filter(pk=document_id).first()
    if doc is None:
        return None
    if doc.state == S.READY and doc.file and _stored_path(doc.file.name).exists():
        return doc
    with transaction.atomic():
        _update(doc.pk, state=S.RENDERING, attempts=F("attempts") + 1)
        record("document.rendering", target=doc, summary=_("开始生成 %(number)s") % {"number": doc.number},
               data={"state": S.RENDERING})
    doc.refresh_from_db()
    if settings.TESTING and os.environ.get("DOCUMENTS_TEST_RENDER_DELAY"):
        time.sleep(float(os.environ["DOCUMENTS_TEST_RENDER_DELAY"]))  # test hook: lets a test kill a worker mid-render
    if doc.kind == K.FORMS_ZIP:
        data = _build_zip(doc)
    elif doc.kind == K.DOSSIER:
        data = _build_dossier(doc)
    else:
        data = _render_pdf(doc)
    name = f"documents/{doc.kind}/{timezone.localtime(doc.created_at):%Y}/{doc.pk}-{doc.short_code}.{doc.extension}"
    _atomic_write(_stored_path(name), data)
    with transaction.atomic():
        _update(doc.pk, 
            state=S.READY, file=name, file_size=len(data), file_sha256=hashlib.sha256(data).hexdigest(),
            ready_at=timezone.now(), progress=100, error="")
        doc.refresh_from_db()
        record("document.ready", target=doc, summary=_("已生成 %(number)s") % {"number": doc.number},
               data={"state": S.READY, "size": len(data), "sha256": doc.file_sha256})
    return doc


def record_failure(document_id, error, *, final):
    """Note a failed attempt: "failed" (with a retry button) when no automatic retry follows."""
    text = str(error)[:2000] or error.__class__.__name__
    if final:
        with transaction.atomic():
            _update(document_id, state=S.FAILED, error=text)
            doc = Document.objects.filter(pk=document_id).first()
            if doc is not None:
                record("document.failed", target=doc, summary=_("生成失败 %(number)s") % {"number": doc.number},
                       data={"state": S.FAILED, "error": text})
    else:
        _update(document_id, 
            state=S.QUEUED, error=_("生成出错，稍后自动重试：%(error)s") % {"error": text})


def _stored_path(name):
    return Path(settings.MEDIA_ROOT) / name


def _atomic_write(path, data):
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


def pdf_context(doc):
    url = verification_url(doc.short_code)
    return {"c": doc.content, "doc": doc, "verify_url": url, "qr": mark_safe(qr_svg(url))}  # noqa: S308 - segno's SVG


def _seal_data_uri(unit_id):
    from quotas.models import Unit

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


def _build_zip(doc):
    """The application forms of the list's entries, rendering any that are not ready yet."""
    from declarations.models import Declaration

    entries = doc.content.get("entries", [])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for i, entry in enumerate(entries, 1):
            decl = Declaration.objects.filter(pk=entry["declaration_id"]).first()
            form = current_document(decl, K.APPLICATION_FORM) if decl else None
            if form is None:
                form = request_application_form(entry["declaration_id"])
            if form is not None and not form.is_ready:
                form = render_document(form.pk)
            if form is not None and form.is_ready:
                with open(_stored_path(form.file.name), "rb") as f:
                    name = f"{entry['rank']:02d}-{entry['applicant']}-{form.number}.pdf"
                    zf.writestr(name.replace("/", "／"), f.read())
            if "formal_check" in entry:
                name = f"{entry['rank']:02d}-{entry['applicant']}-形式审查记录.txt"
                zf.writestr(name.replace("/", "／"), formal_check_text(entry["formal_check"], entry["project_name"]))
            _update(doc.pk, progress=max(int(i * 100 / max(len(entries), 1)) - 1, 0))
        zf.writestr("清单.txt", "\n".join(
            f"{e['rank']}\t{e['applicant']}\t{e['project_name']}\t{'推荐' if e['recommended'] else ''}"
            for e in entries) + "\n")
    return buf.getvalue()


def formal_check_text(records, project_name=""):
    lines = [f"形式审查记录：{project_name}", ""]
    for r in records:
        line = f"{r['at']}\t{r['summary']}\t{r['actor'] or '系统'}"
        if r.get("reason"):
            line += f"\t理由：{r['reason']}"
        lines.append(line)
    if not records:
        lines.append("（无记录）")
    return "\n".join(lines) + "\n"


def reviews_text(reviews, project_name=""):
    lines = [f"专家评审意见：{project_name}", ""]
    for i, r in enumerate(reviews, 1):
        lines.append(f"{i}. 评审专家：{r['reviewer']}　提交时间：{r['submitted_at']}　加权总分：{r['total']}")
        lines.extend(f"   {s['criterion']}：{s['value']} / {s['max_points']}" for s in r["scores"])
        lines.append(f"   评审意见：{r['comment']}")
        lines.append("")
    if not reviews:
        lines.append("（尚无已提交的评审意见）")
    return "\n".join(lines) + "\n"


def _safe_name(name):
    return (name or "file").replace("/", "／").replace("\\", "＼").lstrip(".") or "file"


def _build_dossier(doc):
    """One declaration: its current application form, its attachments by original name, the records."""
    from declarations.models import Attachment, Declaration

    c = doc.content
    steps = 2 + len(c.get("attachments", []))

    def progress(i):
        _update(doc.pk, progress=max(int(i * 100 / steps) - 1, 0))

    decl = Declaration.objects.filter(pk=c["declaration_id"]).first()
    if decl is None:
        raise PermanentRenderError(_("申报已不存在"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        form = current_document(decl, K.APPLICATION_FORM) or request_application_form(decl.pk)
        if form is not None and not form.is_ready:
            form = render_document(form.pk)
        if form is not None and form.is_ready:
            with open(_stored_path(form.file.name), "rb") as f:
                zf.writestr(_safe_name(f"项目申报书-{form.number}.pdf"), f.read())
        progress(1)
        files = {a.pk: a for a in Attachment.objects.filter(declaration_id=decl.pk)}
        used = set()
        for i, a in enumerate(c.get("attachments", []), 2):
            att = files.get(a["id"])
            if att is not None:
                name, n = _safe_name(a["name"]), 1
                while name in used:  # two uploads of the same name: keep both
                    stem, dot, ext = _safe_name(a["name"]).rpartition(".")
                    n += 1
                    name = f"{stem}({n}).{ext}" if dot else f"{ext}({n})"
                used.add(name)
                with att.file.open("rb") as f:
                    zf.writestr(f"附件/{name}", f.read())
            progress(i)
        zf.writestr("形式审查记录.txt", formal_check_text(c.get("formal_check", []), c.get("project_name", "")))
        if c.get("include_reviews"):
            zf.writestr("专家评审意见.txt", reviews_text(c.get("reviews", []), c.get("project_name", "")))
    return buf.getvalue()
