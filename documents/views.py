"""Document views: status fragments (polled), request/retry (POST), downloads and the public verification page.

Every view that touches a document asks documents.rules first; an object the
user may not see answers 404, as if it did not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.security import safe_next
from declarations.models import Declaration
from quotas.models import RecommendationList

from . import issuing, rules, scans
from .models import Document, StampedScan
from .templatetags.documents import scan_box_context


def _declaration_for(request, pk):
    decl = get_object_or_404(Declaration.objects.select_related("organisation", "unit"), pk=pk)
    if not rules.can_access_declaration_documents(request.user, decl):
        raise Http404
    return decl


def _list_for(request, pk):
    rec_list = get_object_or_404(RecommendationList.objects.select_related("unit", "guide"), pk=pk)
    if not rules.can_access_list_documents(request.user, rec_list):
        raise Http404
    return rec_list


def _document_for(request, pk):
    doc = get_object_or_404(Document.objects.select_related("target_type"), pk=pk)
    if not rules.can_view_document(request.user, doc):
        raise Http404
    return doc


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


@login_required
@require_GET
def declaration_status(request, pk):
    """The application form box of a declaration page; polled while the form is being made."""
    decl = _declaration_for(request, pk)
    return render(request, "documents/_form_status.html", {"decl": decl})


@login_required
@require_POST
def regenerate_form(request, pk):
    decl = _declaration_for(request, pk)
    if decl.submitted_at is None:
        messages.error(request, _("申报提交后才能生成申报书"))
    elif decl.state == Declaration.State.DRAFT:
        messages.error(request, _("申报已撤回，重新提交后将自动生成新的申报书"))
    else:
        issuing.request_application_form(decl.pk, actor=request.user, force=True, request=request)
        messages.info(request, _("已开始重新生成申报书，完成后可在本页下载。"))
    fallback = reverse("declarations:detail", args=[decl.pk]) if request.user.is_applicant else reverse("home")
    return _back(request, fallback)


@login_required
@require_GET
def list_status(request, pk):
    rec_list = _list_for(request, pk)
    return render(request, "documents/_list_status.html", {"rec_list": rec_list, "next": _page_next(request)})


@login_required
@require_POST
def regenerate_letter(request, pk):
    rec_list = _list_for(request, pk)
    if not rules.can_manage_list_documents(request.user, rec_list):
        raise Http404
    if not rec_list.is_confirmed:
        messages.error(request, _("推荐名单确认后才能生成推荐函"))
    else:
        issuing.request_recommendation_letter(rec_list.pk, actor=request.user, force=True, request=request)
        messages.info(request, _("已开始重新生成推荐函。"))
    return _back(request, _list_page(request.user, rec_list))


@login_required
@require_POST
def request_zip(request, pk):
    rec_list = _list_for(request, pk)
    if not rules.can_manage_list_documents(request.user, rec_list):
        raise Http404
    issuing.request_forms_zip(rec_list.pk, actor=request.user, request=request)
    messages.info(request, _("正在后台打包全部申报书，完成后可在本页下载。"))
    return _back(request, _list_page(request.user, rec_list))


def _dossier_declaration_for(request, pk):
    decl = get_object_or_404(Declaration.objects.select_related("organisation", "unit", "guide"), pk=pk)
    if not rules.can_request_dossier(request.user, decl):
        raise Http404
    return decl


@login_required
@require_GET
def dossier_status(request, pk):
    """The dossier box of the unit's and the ministry's declaration pages; polled while the ZIP is built."""
    decl = _dossier_declaration_for(request, pk)
    return render(request, "documents/_dossier_status.html", {"decl": decl, "next": request.GET.get("next", "")})


@login_required
@require_POST
def request_dossier(request, pk):
    """Queue the declaration's dossier ZIP; the ministry's includes the experts' reviews."""
    decl = _dossier_declaration_for(request, pk)
    if decl.submitted_at is None:
        messages.error(request, _("申报提交后才能生成申报材料档案"))
    else:
        issuing.request_dossier(decl.pk, include_reviews=request.user.is_ministry, actor=request.user,
                                 request=request)
        messages.info(request, _("正在后台打包申报材料档案，完成后可在本页下载。"))
    return _back(request, "home")


@login_required
@require_POST
def retry(request, pk):
    doc = _document_for(request, pk)
    issuing.retry_document(doc, actor=request.user, request=request)
    messages.info(request, _("已重新排队生成。"))
    return _back(request, "home")


@login_required
@require_GET
def download(request, pk):
    doc = _document_for(request, pk)
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

def _scan_for(request, pk):
    scan = get_object_or_404(StampedScan.objects.select_related("target_type", "document"), pk=pk)
    if not rules.can_view_scan(request.user, scan):
        raise Http404
    return scan


def _upload(request, target, kind, fallback):
    if not rules.can_upload_scan(request.user, target, kind):
        raise Http404
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


@login_required
@require_GET
def declaration_scans(request, pk):
    """The stamped-scan box of a declaration page; polled while the QR code is being read."""
    decl = _declaration_for(request, pk)
    return render(request, "documents/_scan_box.html", scan_box_context(request, decl, Document.Kind.APPLICATION_FORM))


@login_required
@require_POST
def upload_declaration_scan(request, pk):
    decl = _declaration_for(request, pk)
    fallback = reverse("declarations:detail", args=[decl.pk]) if request.user.is_applicant else reverse("home")
    return _upload(request, decl, Document.Kind.APPLICATION_FORM, fallback)


@login_required
@require_GET
def list_scans(request, pk):
    rec_list = _list_for(request, pk)
    return render(request, "documents/_scan_box.html",
                  scan_box_context(request, rec_list, Document.Kind.RECOMMENDATION_LETTER))


@login_required
@require_POST
def upload_list_scan(request, pk):
    rec_list = _list_for(request, pk)
    return _upload(request, rec_list, Document.Kind.RECOMMENDATION_LETTER, "home")


@login_required
@require_GET
def download_scan(request, pk):
    scan = _scan_for(request, pk)
    try:
        handle = scan.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=scan.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def link_scan(request, pk):
    """The uploader picks the document version of a scan whose QR code could not be read."""
    scan = _scan_for(request, pk)
    if not rules.can_upload_scan(request.user, scan.target, scan.kind):
        raise Http404
    try:
        scans.link_scan_by_hand(scan=scan, document_id=request.POST.get("document"), actor=request.user,
                                request=request)
    except ValidationError as e:
        messages.error(request, " ".join(e.messages))
    else:
        messages.success(request, _("已指定扫描件对应的文档版本。"))
    return _back(request, "home")
