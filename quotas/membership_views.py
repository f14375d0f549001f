"""Pages of the SOE-group membership requests: the applicant asks, the group's unit answers."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.decorators import permission_required
from core.forms import error_messages
from units.memberships import MembershipError, decide_membership, request_membership
from units.models import MEMBERSHIP_KINDS, GroupMembership, Unit


class MembershipRequestForm(forms.Form):
    group = forms.ModelChoiceField(label=gettext_lazy("中央企业集团或示范基地"), queryset=Unit.objects.none(),
                                   error_messages={"required": gettext_lazy("请选择中央企业集团或示范基地"),
                                                   "invalid_choice": gettext_lazy("所选单位不是可申请的中央企业集团或示范基地")})
    note = forms.CharField(label=gettext_lazy("隶属关系说明"), max_length=200,
                           help_text=GroupMembership._meta.get_field("note").help_text,
                           error_messages={"required": gettext_lazy("请说明贵单位与该集团的隶属关系"),
                                           "max_length": gettext_lazy("隶属关系说明不能超过 200 字")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = Unit.objects.filter(kind__in=MEMBERSHIP_KINDS, is_active=True).order_by(
            "kind", "name")
        self.fields["group"].label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", "accept"), ("reject", "reject")],
                                 error_messages={"required": gettext_lazy("请选择确认或不予确认"),
                                                 "invalid_choice": gettext_lazy("请选择确认或不予确认")})
    reason = forms.CharField(required=False, max_length=500,
                             error_messages={"max_length": gettext_lazy("处理意见不能超过 500 字")})


@permission_required("quotas.apply_membership")
def apply(request):
    """The applicant's own organisation: its requests to SOE groups, and a new request."""
    org = request.user.organisation
    form = MembershipRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                request_membership(organisation=org, group=form.cleaned_data["group"], note=form.cleaned_data["note"],
                                   actor=request.user, request=request)
            except MembershipError as e:
                form.add_error(None, e.message)
            else:
                messages.success(request, _("申请已提交，集团确认后即可在申报时选择该集团作为推荐单位"))
                return redirect("memberships:apply")
        messages.error(request, _("申请未提交，请按提示修改"))
    memberships = list(GroupMembership.objects.filter(organisation=org).select_related("group"))
    return render(request, "quotas/memberships_apply.html", {"form": form, "memberships": memberships, "org": org},
                  status=400 if request.method == "POST" else 200)


@permission_required("quotas.work_as_unit")
def requests(request):
    """Staff of a central SOE group's unit: the organisations asking to declare through the group."""
    items = list(GroupMembership.objects.filter(group_id=request.user.unit_id)
                 .select_related("organisation", "decided_by").order_by("state", "-created_at"))
    is_group = Unit.objects.filter(pk=request.user.unit_id, kind__in=MEMBERSHIP_KINDS).exists()
    return render(request, "quotas/memberships.html", {"items": items, "is_group": is_group})


def _membership(request, pk):
    return GroupMembership.objects.select_related("organisation", "group").filter(pk=pk).first()


@permission_required("quotas.work_as_unit")
@require_POST
@permission_required("quotas.decide_membership", fetch=_membership)
def decide(request, membership, pk):
    """Staff of the group the request is addressed to (anyone else: 404)."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        error_messages(request, form)
        return redirect("quotas:memberships")
    accept = form.cleaned_data["decision"] == "accept"
    try:
        decide_membership(membership=membership, accept=accept, reason=form.cleaned_data["reason"],
                          actor=request.user, request=request)
    except MembershipError as e:
        messages.error(request, e.message)
    else:
        messages.success(request, (_("已确认“%(o)s”为集团成员单位") if accept else _("已不予确认“%(o)s”"))
                         % {"o": membership.organisation.name})
    return redirect("quotas:memberships")
