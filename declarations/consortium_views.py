"""Consortium pages: the lead adds and removes members; each member organisation answers in its own account."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.decorators import permission_required

from .consortia import ConsortiumError, add_member, decide_membership, invitations_for, remove_member
from .consortium_forms import ConsortiumMemberForm, MembershipAnswerForm
from .models import ConsortiumMember, Declaration
from .queries import own_declaration


def _own(request, pk, **_url):
    return own_declaration(request.user, pk, Declaration.objects.select_related("guide"))


def _membership(request, member_pk):
    return ConsortiumMember.objects.filter(pk=member_pk).first()


def _back(decl):
    return reverse("declarations:edit" if decl.is_editable else "declarations:detail", args=[decl.pk]) + "#consortium"


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.change_declaration", fetch=_own)
def add_member_view(request, decl, pk):
    """The lead applicant (owner of the declaration); the service checks it is editable and before the deadline."""
    form = ConsortiumMemberForm(request.POST)
    if form.is_valid():
        try:
            member = add_member(decl, credit_code=form.cleaned_data["credit_code"], role=form.cleaned_data["role"],
                                share=form.cleaned_data["share"], actor=request.user, request=request)
        except ConsortiumError as e:
            messages.error(request, e.message)
        else:
            messages.success(request, _("已添加成员单位“%(org)s”，系统已通知其在本单位账号中确认参与") % {
                "org": member.organisation.name})
    else:
        for errors in form.errors.values():
            for err in errors:
                messages.error(request, err)
    return redirect(_back(decl))


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.change_declaration", fetch=_own)
def remove_member_view(request, decl, pk, member_pk):
    """The lead applicant; the service checks it is editable and before the deadline."""
    member = get_object_or_404(ConsortiumMember.objects.select_related("organisation"), declaration=decl,
                               pk=member_pk)
    try:
        remove_member(decl, member, actor=request.user, request=request)
        messages.success(request, _("已删除成员单位“%(org)s”") % {"org": member.organisation.name})
    except ConsortiumError as e:
        messages.error(request, e.message)
    return redirect(_back(decl))


@permission_required("declarations.declare")
def invitations(request):
    """Any applicant: the consortia its organisation was named in, to confirm or decline."""
    return render(request, "declarations/consortium_invitations.html", {
        "memberships": list(invitations_for(request.user.organisation_id)), "form": MembershipAnswerForm()})


@permission_required("declarations.declare")
@require_POST
@permission_required("declarations.answer_consortium", fetch=_membership)
def answer(request, member, member_pk):
    """A user of the member organisation itself: confirm or decline taking part."""
    form = MembershipAnswerForm(request.POST)
    confirm = "confirm" in request.POST
    if not form.is_valid():
        messages.error(request, _("意见不能超过 300 个字"))
        return redirect("declarations:consortium_invitations")
    try:
        decide_membership(member, actor=request.user, confirm=confirm, reason=form.cleaned_data["reason"],
                          request=request)
    except ConsortiumError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, _("已确认参与该联合体") if confirm else _("已拒绝参与，牵头单位将收到通知"))
    return redirect("declarations:consortium_invitations")
