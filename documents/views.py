"""Document views: status fragments (polled), request/retry (POST), downloads and the public verification page.

Every view that touches a document asks documents.rules first; an object the
user may not see answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.decorators import permission_required
from core.security import safe_next
from declarations.models import Declaration
from quotas.models import RecommendationList

from . import issuing, scans
from .models import Document, StampedScan
from .templatetags.documents import scan_box_context


def _declaration(request, pk):
    return Declaration.objects.select_related("organisation", "unit").filter(pk=pk).first()


def _dossier_declaration(request, pk):
    return Declaration.objects.select_related("organisation", "unit", "guide").filter(pk=pk).first()


def _list(request, pk):
    return RecommendationList.objects.select_related("unit", "guide").filter(pk=pk).first()


def _document(request, pk):
    return Document.objects.select_related("target_type").filter(pk=pk).first()


def _scan(request, pk):
    return StampedScan.objects.select_related("target_type", "document").filter(pk=pk).first()


def _back(request, fallback):
    return redirect(safe_next(request, fallback))


def _list_page(user, rec_list):
    """Where a list's documents box lives for this user: the unit's own ranking page, else the list's page."""
    if user.is_unit_staff and user.unit_id == rec_list.unit_id:
        return reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
    return reverse("quotas:list", args=[rec_list.pk])


def _page_next(request):
    """The `next` a polled fragment was given, if it is a path of this site; else empty."""
    nxt = request.GET.get("next", "")
    return nxt if nxt.startswith("/") and safe_next(request, "/") == nxt else ""


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_declaration_documents", fetch=_declaration)
def declaration_status(request, decl, pk):
    """The application form box of a declaration page; polled while the form is being made."""
    return render(request, "documents/_form_status.html", {"decl": decl})


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.view_declaration_documents", fetch=_declaration)
def regenerate_form(request, decl, pk):
    if decl.submitted_at is None:
        messages.error(request, _("申报提交后才能生成申报书"))
    elif decl.state == Declaration.State.DRAFT:
        messages.error(request, _("申报已撤回，重新提交后将自动生成新的申报书"))
    else:
        issuing.request_application_form(decl.pk, actor=request.user, force=True, request=request)
        messages.info(request, _("已开始重新生成申报书，完成后可在本页下载。"))
    fallback = reverse("declarations:detail", args=[decl.pk]) if request.user.is_applicant else reverse("home")
    return _back(request, fallback)


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_list_documents", fetch=_list)
def list_status(request, rec_list, pk):
    return render(request, "documents/_list_status.html", {"rec_list": rec_list, "next": _page_next(request)})


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.manage_list_documents", fetch=_list)
def regenerate_letter(request, rec_list, pk):
    if not rec_list.is_confirmed:
        messages.error(request, _("推荐名单确认后才能生成推荐函"))
    else:
        issuing.request_recommendation_letter(rec_list.pk, actor=request.user, force=True, request=request)
        messages.info(request, _("已开始重新生成推荐函。"))
    return _back(request, _list_page(request.user, rec_list))


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.manage_list_documents", fetch=_list)
def request_zip(request, rec_list, pk):
    issuing.request_forms_zip(rec_list.pk, actor=request.user, request=request)
    messages.info(request, _("正在后台打包全部申报书，完成后可在本页下载。"))
    return _back(request, _list_page(request.user, rec_list))


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.request_dossier", fetch=_dossier_declaration)
def dossier_status(request, decl, pk):
    """The dossier box of the unit's and the ministry's declaration pages; polled while the ZIP is built."""
    return render(request, "documents/_dossier_status.html", {"decl": decl, "next": _page_next(request)})


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.request_dossier", fetch=_dossier_declaration)
def request_dossier(request, decl, pk):
    """Queue the declaration's dossier ZIP; the ministry's includes the experts' reviews."""
    if decl.submitted_at is None:
        messages.error(request, _("申报提交后才能生成申报材料档案"))
    else:
        issuing.request_dossier(decl.pk, include_reviews=request.user.is_ministry, actor=request.user,
                                 request=request)
        messages.info(request, _("正在后台打包申报材料档案，完成后可在本页下载。"))
    return _back(request, "home")


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.view_document", fetch=_document)
def retry(request, doc, pk):
    issuing.retry_document(doc, actor=request.user, request=request)
    messages.info(request, _("已重新排队生成。"))
    return _back(request, "home")


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_document", fetch=_document)
def download(request, doc, pk):
    if not doc.is_ready:
        raise Http404
    try:
        handle = doc.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = "application/zip" if doc.extension == "zip" else "application/pdf"
    filename = f"{doc.get_kind_display()}-{doc.number}.{doc.extension}".replace("/", "-")
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def verify(request, short_code):
    """Public: what a QR code on paper points at. Says which document, to whom, when, and whether it is current."""
    doc = Document.objects.filter(short_code=short_code.upper(), ready_at__isnull=False).first()
    if doc is None:
        raise Http404
    latest = doc.latest_version()
    return render(request, "documents/verify.html", {
        "doc": doc, "latest": latest if latest.pk != doc.pk else None, "withdrawn": _withdrawn(doc),
        "versions": issuing.issued_versions(doc)})


def _withdrawn(doc):
    """An application form whose declaration was withdrawn (back to draft) no longer stands for anything.

    Read from the declaration's state, so no writer has to remember to mark the document."""
    return (doc.kind == Document.Kind.APPLICATION_FORM and doc.is_current
            and Declaration.objects.filter(pk=doc.target_id, state=Declaration.State.DRAFT).exists())


# --- stamped scans ------------------------------------------------------------------------------

def _upload(request, target, kind, fallback):
    if issuing.current_document(target, kind) is None:
        messages.error(request, _("尚未生成%(kind)s，生成并打印盖章后再上传扫描件") % {"kind": Document.Kind(kind).label})
        return _back(request, fallback)
    try:
        scans.upload_scan(target=target, kind=kind, upload=request.FILES.get("scan"), actor=request.user,
                          request=request)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.info(request, _("扫描件已上传，正在识别二维码，结果稍后显示在本页。"))
    return _back(request, fallback)


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_declaration_documents", fetch=_declaration)
def declaration_scans(request, decl, pk):
    """The stamped-scan box of a declaration page; polled while the QR code is being read."""
    return render(request, "documents/_scan_box.html", scan_box_context(request, decl, Document.Kind.APPLICATION_FORM))


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.view_declaration_documents", fetch=_declaration)
def upload_declaration_scan(request, decl, pk):
    fallback = reverse("declarations:detail", args=[decl.pk]) if request.user.is_applicant else reverse("home")
    return _upload(request, decl, Document.Kind.APPLICATION_FORM, fallback)


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_list_documents", fetch=_list)
def list_scans(request, rec_list, pk):
    return render(request, "documents/_scan_box.html",
                  scan_box_context(request, rec_list, Document.Kind.RECOMMENDATION_LETTER))


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.manage_list_documents", fetch=_list)
def upload_list_scan(request, rec_list, pk):
    return _upload(request, rec_list, Document.Kind.RECOMMENDATION_LETTER, "home")


@permission_required("core.signed_in")
@require_GET
@permission_required("documents.view_scan", fetch=_scan)
def download_scan(request, scan, pk):
    try:
        handle = scan.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=scan.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required("core.signed_in")
@require_POST
@permission_required("documents.link_scan", fetch=_scan)
def link_scan(request, scan, pk):
    """The uploader picks the document version of a scan whose QR code could not be read."""
    try:
        scans.link_scan_by_hand(scan=scan, document_id=request.POST.get("document"), actor=request.user,
                                request=request)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("已指定扫描件对应的文档版本。"))
    return _back(request, "home")
