"""The ministry edits a guide's attachment kinds and uploads its notice and template; anyone downloads those.

Kept apart from manage_views (the guide's own pages) so each stays small.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.forms import error_messages

from .attachment_kinds import KindEditError, delete_kind, save_kind
from .guide_files import DOCUMENTS, store_guide_documents
from .kind_forms import AttachmentKindForm, GuideFilesForm
from .models import Guide
from .views import _file_response


@permission_required("declarations.manage_guides")
def kind_form(request, pk, kpk=None):
    guide = get_object_or_404(Guide, pk=pk)
    kind = get_object_or_404(guide.attachment_kinds, pk=kpk) if kpk else None
    form = AttachmentKindForm(request.POST or None, instance=kind, guide=guide)
    if request.method == "POST" and form.is_valid():
        try:
            save_kind(guide=guide, kind=kind and guide.attachment_kinds.get(pk=kind.pk), fields=form.kind_fields(),
                      directions=list(form.cleaned_data.get("directions") or []), actor=request.user,
                      request=request)
        except KindEditError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("附件类型已保存"))
            return redirect("guides:detail", guide.pk)
    return render(request, "declarations/manage/form.html", {
        "form": form, "guide": guide, "title": _("修改附件类型") if kind else _("新增附件类型"),
        "intro": _("申报单位按附件类型上传材料；“必须上传”的类型缺少时不能提交。"
                   "营业执照、证书等可识别申报单位的材料不要勾选“匿名评审时向专家展示”。")})


@permission_required("declarations.manage_guides")
@require_POST
def kind_delete(request, pk, kpk):
    guide = get_object_or_404(Guide, pk=pk)
    kind = get_object_or_404(guide.attachment_kinds, pk=kpk)
    try:
        delete_kind(kind=kind, actor=request.user, request=request)
    except KindEditError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("附件类型已删除"))
    return redirect("guides:detail", guide.pk)


@permission_required("declarations.manage_guides")
@require_POST
def guide_documents(request, pk):
    guide = get_object_or_404(Guide, pk=pk)
    form = GuideFilesForm(request.POST, request.FILES)
    if form.is_valid():
        store_guide_documents(guide=guide, actor=request.user, request=request,
                              uploads={k: form.cleaned_data.get(k) for k in DOCUMENTS})
        messages.success(request, _("文件已上传，指南发布后申报单位可在指南页面下载"))
    else:
        error_messages(request, form)
    return redirect("guides:detail", guide.pk)


def guide_document(request, pk, which):
    """Anyone, for a published guide (the notice is public); the ministry also before publication."""
    if which not in DOCUMENTS:
        raise Http404
    qs = Guide.objects.all()
    if not (request.user.is_authenticated and request.user.is_ministry):
        qs = qs.published()
    guide = get_object_or_404(qs, pk=pk)
    field, name_field, _label = DOCUMENTS[which]
    if not getattr(guide, field):
        raise Http404(_("该指南尚未上传此文件"))
    return _file_response(getattr(guide, field), getattr(guide, name_field))
