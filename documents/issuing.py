"""Asking for a document: each `request_*` function snapshots, versions and queues one.

These run in the request (or on commit of a state change) and never render: they take a content
snapshot, fingerprint it, return the current document when nothing changed or make a new numbered
version that supersedes it, and send the render task. Also owns the current and issued versions of a
document, and the retry button. Each state change is one audit record.
"""

import logging
import secrets

from celery import current_app
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.audit import record
from declarations.models import Declaration
from quotas.models import RecommendationList

from .content import (
    MINISTRY_ADDRESSEE,
    application_form_content,
    dossier_content,
    fingerprint_of,
    forms_zip_content,
    recommendation_letter_content,
)
from .models import Document
from .store import record_failure, update_row

log = logging.getLogger(__name__)
K, S = Document.Kind, Document.State
SHORT_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read off paper


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
            update_row(current.pk, superseded_by=doc)
        record("document.request", target=doc, actor=actor, request=request,
               summary=_("申请生成%(kind)s %(number)s") % {"kind": doc.get_kind_display(), "number": doc.number},
               data={"state": S.QUEUED, "fingerprint": fingerprint,
                     "supersedes": current.number if current is not None else None})
        transaction.on_commit(lambda: enqueue(doc.pk))
    return doc


def _requeue(doc, *, actor=None, request=None):
    update_row(doc.pk, state=S.QUEUED, error="", progress=0)
    doc.refresh_from_db()
    record("document.retry", target=doc, actor=actor, request=request,
           summary=_("重新生成%(kind)s %(number)s") % {"kind": doc.get_kind_display(), "number": doc.number},
           data={"state": S.QUEUED})
    transaction.on_commit(lambda: enqueue(doc.pk))


RENDER_TASK = "documents.tasks.render_document_task"


def enqueue(document_id):
    """Send the render task; if the broker is unreachable, show the failure with a retry button.

    The task is looked up by name (documents.tasks, registered in DocumentsConfig.ready): its body renders
    ZIPs that request forms from this module, so importing it here would close a circle.
    """
    try:
        current_app.tasks[RENDER_TASK].delay(document_id)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds when the broker is down
        log.exception("could not queue document %s", document_id)
        record_failure(document_id, _("任务队列暂时不可用，文档尚未生成，请稍后点击“重试”（%(error)s）")
                       % {"error": exc}, final=True)


def request_application_form(declaration_id, *, actor=None, force=False, request=None):
    """Queue the application form of a submitted declaration (called on every submission)."""
    decl = (Declaration.objects.select_related("guide", "organisation", "unit", "direction__category")
            .prefetch_related("extra_directions__category", "attachments", "members__organisation")
            .filter(pk=declaration_id).first())
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
    rec_list = RecommendationList.objects.select_related("guide", "unit__parent").filter(pk=list_id).first()
    if rec_list is None or not rec_list.is_confirmed:
        return None
    content = recommendation_letter_content(rec_list)
    return _request(rec_list, K.RECOMMENDATION_LETTER, content, issued_to=content["addressee"],
                    number=_letter_number(rec_list), actor=actor, force=force, request=request)


def request_forms_zip(list_id, *, actor=None, request=None):
    """Queue one ZIP of all application forms of a list, in rank order."""
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


def retry_document(doc, *, actor, request=None):
    """Queue a failed document again (the retry button)."""
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=doc.pk)
        if locked.state != S.FAILED:
            return locked
        _requeue(locked, actor=actor, request=request)
    return locked
