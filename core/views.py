from django.contrib import messages
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from .audit_labels import action_label
from .decorators import permission_required
from .exports import start_audit_export
from .health import run_checks
from .models import AuditRecord, Export, Notification
from .notify import mark_read
from .pagination import numbered_page
from .queries import AuditFilterForm, audit_records, inbox

# Each role's workspace; apps add theirs by URL name.
ROLE_HOME = {
    "applicant": "declarations:dashboard",
    "unit": "quotas:workspace",
    "reviewer": "review:queue",
    "admin": "operations:ministry_home",
}
PAGE_SIZE = 50


def home(request):
    user = request.user
    if not user.is_authenticated:
        return render(request, "core/landing.html")
    role = "admin" if user.is_ministry else user.role
    return redirect(ROLE_HOME.get(role, "declarations:dashboard"))


# --- inbox -------------------------------------------------------------------------------------

@permission_required("core.signed_in")
def inbox_list(request):
    only_unread = request.GET.get("unread") == "1"
    qs = inbox(request.user)
    if only_unread:
        qs = qs.filter(read_at__isnull=True)
    page = numbered_page(request, qs, PAGE_SIZE)
    return render(request, "core/inbox.html", {"page": page, "only_unread": only_unread,
                                               "query": "unread=1" if only_unread else ""})


def _notification(request, pk):
    return Notification.objects.filter(pk=pk).first()


@permission_required("core.signed_in")
@require_POST
@permission_required("core.open_notification", fetch=_notification)
def inbox_open(request, n, pk):
    """Mark one notification read and go to the page it points at (only within this site)."""
    mark_read(request.user, ids=[n.pk])
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("core:inbox")


@permission_required("core.signed_in")
@require_POST
def inbox_mark_all_read(request):
    n = mark_read(request.user)
    messages.success(request, _("已将 %(n)d 条通知标为已读") % {"n": n})
    return redirect("core:inbox")


# --- admin dashboard ---------------------------------------------------------------------------

# --- audit log ---------------------------------------------------------------------------------

def _audit_filters(request):
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    return form, filters


@permission_required("core.ministry")
@require_GET
def audit_log(request):
    form, filters = _audit_filters(request)
    page = numbered_page(request, audit_records(filters), PAGE_SIZE)
    codes = AuditRecord.objects.order_by("action").values_list("action", flat=True).distinct()
    actions = sorted(((code, action_label(code)) for code in codes), key=lambda a: (a[0].split(".")[0], a[1]))
    for r in page:
        r.action_label = action_label(r.action)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/audit_log.html", {
        "form": form, "page": page, "actions": actions, "query": query.urlencode()})


@permission_required("core.ministry")
@require_POST
def audit_export(request, fmt):
    """CSV is built by a worker into a file, like Excel: queue it and show its page."""
    if fmt != "csv":
        raise Http404
    export = start_audit_export(user=request.user, query=request.POST.get("query", ""), request=request, fmt="csv")
    return redirect("core:export", export.pk)


@permission_required("core.ministry")
@require_POST
def audit_export_excel(request):
    """Excel is built by a worker: queue it and show its page, which waits for the file."""
    export = start_audit_export(user=request.user, query=request.POST.get("query", ""), request=request)
    return redirect("core:export", export.pk)


def _export(request, pk):
    return Export.objects.filter(pk=pk).first()


# Any signed-in user's own export (the ministry's audit and ranking files, a unit's list); nobody else's.
@permission_required("core.signed_in")
@permission_required("core.view_export", fetch=_export)
def export_status(request, export, pk):
    return render(request, "core/export.html", {"export": export})


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@permission_required("core.signed_in")
@permission_required("core.view_export", fetch=_export)
def export_download(request, export, pk):
    if export.state != Export.State.DONE:
        raise Http404
    # Streamed from the storage through this view (permission checked above), never a link into the store.
    kind = "text/csv; charset=utf-8" if export.filename.endswith(".csv") else XLSX_TYPE
    return FileResponse(export.file.open("rb"), as_attachment=True, filename=export.filename, content_type=kind)


# --- health ------------------------------------------------------------------------------------

@never_cache
def health(request):
    names = {n for n in request.GET.get("checks", "").split(",") if n}
    healthy, checks = run_checks(names or None)
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
