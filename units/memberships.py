"""Subsidiaries of central SOE groups: the request to declare through the group, and the group's answer.

One transaction and one audit record each; the other side is notified. Only an
accepted membership lets an organisation declare through the group
(units.jurisdiction.allowed_unit_ids); a private company cannot pick 国家电网 by itself.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify

from .models import GroupMembership, Unit

M = GroupMembership.State
MIN_NOTE = 4


class MembershipError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def request_membership(*, organisation, group, note, actor, request=None):
    """The organisation asks `group` to confirm it belongs to the group. A rejected request may be asked again."""
    note = " ".join((note or "").split())
    if not group.accepts_members or not group.is_active:
        raise MembershipError(_("只能向中央企业集团或国家新型工业化产业示范基地申请确认"))
    if group.kind == Unit.Kind.DEMO_BASE and group.region and organisation.region != group.region:
        raise MembershipError(_("“%(g)s”只受理所在省（区、市）内的单位，贵单位所在地为%(place)s") % {
            "g": group.name, "place": organisation.get_region_display()})
    if len(note) < MIN_NOTE:
        raise MembershipError(_("请说明贵单位与该集团的隶属关系（例如所属二级公司、持股比例），便于集团核实"))
    with transaction.atomic():
        membership, created = GroupMembership.objects.select_for_update().get_or_create(
            organisation=organisation, group=group, defaults={"note": note[:200], "requested_by": actor})
        if not created:
            if membership.state == M.ACCEPTED:
                raise MembershipError(_("“%(g)s”已确认贵单位为集团成员单位，无需再次申请") % {"g": group.name})
            if membership.state == M.PENDING:
                raise MembershipError(_("已向“%(g)s”提交过申请，请等待集团确认") % {"g": group.name})
            membership.state, membership.note, membership.requested_by = M.PENDING, note[:200], actor
            membership.reason, membership.decided_by, membership.decided_at = "", None, None
            membership.save()
        record("membership.request", target=membership, actor=actor, request=request,
               summary=_("“%(org)s”申请经“%(g)s”申报") % {"org": organisation.name, "g": group.name},
               data={"organisation": organisation.pk, "group": group.pk, "note": note})
        url = reverse("quotas:memberships")
        for user in group.staff.filter(is_active=True):
            notify(user, kind="membership_request", url=url,
                   title=_("“%(org)s”申请确认为集团成员单位") % {"org": organisation.name},
                   body=_("“%(org)s”（统一社会信用代码 %(code)s）申请经贵集团申报，说明：%(note)s") % {
                       "org": organisation.name, "code": organisation.credit_code, "note": note})
    return membership


def decide_membership(*, membership, accept, reason, actor, request=None):
    """The group's unit accepts or rejects a pending request (a rejection says why)."""
    reason = (reason or "").strip()
    if not (actor.is_unit_staff and actor.unit_id == membership.group_id):
        raise MembershipError(_("只有该中央企业集团的经办人可以处理此申请"))
    if not accept and len(reason) < MIN_NOTE:
        raise MembershipError(_("不予确认时请填写理由（至少 %(n)d 个字），申报单位将看到该理由") % {"n": MIN_NOTE})
    if len(reason) > 500:
        raise MembershipError(_("处理意见不能超过 500 字"))
    with transaction.atomic():
        locked = GroupMembership.objects.select_for_update().select_related("organisation", "group").get(
            pk=membership.pk)
        if locked.state != M.PENDING:
            raise MembershipError(_("该申请已处理（%(s)s），请刷新页面") % {"s": locked.get_state_display()})
        locked.state = M.ACCEPTED if accept else M.REJECTED
        locked.reason, locked.decided_by, locked.decided_at = reason, actor, timezone.now()
        locked.save()
        org, group = locked.organisation, locked.group
        record("membership.accept" if accept else "membership.reject", target=locked, actor=actor,
               request=request, reason=reason,
               summary=(_("确认“%(org)s”为集团成员单位") if accept else _("不予确认“%(org)s”为集团成员单位"))
               % {"org": org.name}, data={"organisation": org.pk, "group": group.pk})
        url = reverse("memberships:apply")
        title = (_("“%(g)s”已确认贵单位为集团成员单位") if accept else _("“%(g)s”未确认贵单位为集团成员单位")) % {
            "g": group.name}
        body = (_("贵单位可在申报时选择“%(g)s”作为推荐单位。") % {"g": group.name} if accept
                else _("理由：%(r)s。贵单位仍可通过所在地的推荐单位申报。") % {"r": reason})
        for user in org.users.filter(is_active=True):
            notify(user, kind="membership_decided", title=title, body=body, url=url)
    membership.__dict__.update({k: v for k, v in locked.__dict__.items() if not k.startswith("_")})
    return membership
