"""Consortium declarations (企业联合体): the lead names its members, each member confirms in its own account.

The one-project rule counts every member: an organisation takes part in at most
one declaration per guide, as a lead or as a member. Two requests that would
break it (an organisation starting its own declaration while a lead adds it as a
member, two leads adding the same member) are serialised on the member
organisation's row lock (`lock_participant`), and the partial unique constraint
on ConsortiumMember (guide, organisation) holds in the database whatever happens.
"""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify

from .models import ConsortiumMember, Declaration, Organisation
from .validators import normalise_credit_code

M = ConsortiumMember.State


class ConsortiumError(Exception):
    """A consortium change the rules refuse; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def lock_participant(organisation_id):
    """Lock the organisation's row: every change to who takes part in a guide's declarations goes through it."""
    return Organisation.objects.select_for_update().get(pk=organisation_id)


def membership_in_guide(organisation_id, guide_id, *, exclude_declaration=None):
    """The organisation's live (not declined) consortium membership under the guide, if any."""
    qs = (ConsortiumMember.objects.filter(organisation_id=organisation_id, guide_id=guide_id)
          .exclude(state=M.DECLINED).select_related("declaration__organisation"))
    if exclude_declaration is not None:
        qs = qs.exclude(declaration_id=exclude_declaration)
    return qs.first()


def member_clash_message(membership):
    return _("贵单位已作为联合体成员参与“%(lead)s”牵头申报的项目“%(project)s”，按“每个申报主体限报一个项目”的规定，"
             "不能再自行申报或参与其他联合体。如需退出，请联系牵头单位在其申报中删除贵单位") % {
        "lead": membership.declaration.organisation.name, "project": membership.declaration}


def _lock_editable(decl, now, what):
    locked = Declaration.objects.select_for_update().select_related("guide", "organisation").get(pk=decl.pk)
    if not locked.is_editable:
        raise ConsortiumError(_("该申报当前状态为“%(state)s”，不能%(what)s；如需修改请先撤回")
                              % {"state": locked.get_state_display(), "what": what})
    if locked.guide.applicant_deadline_passed(now):
        raise ConsortiumError(_("申报已截止，不能再%(what)s") % {"what": what})
    return locked


def _notify_org(org, *, kind, title, body, url):
    for user in org.users.filter(is_active=True):
        notify(user, kind=kind, title=title, body=body, url=url)


def add_member(decl, *, credit_code, role, share, actor, request=None, now=None):
    """Name a registered organisation as a member of the lead's declaration; it is asked to confirm."""
    now = now or timezone.now()
    code = normalise_credit_code(credit_code)
    role = (role or "").strip()
    if not role:
        raise ConsortiumError(_("请填写成员单位承担的任务与分工"))
    if not isinstance(share, int) or not 1 <= share <= 99:
        raise ConsortiumError(_("成员单位承担工作量占比须为 1–99 之间的整数"))
    with transaction.atomic():
        locked = _lock_editable(decl, now, _("修改联合体成员"))
        guide = locked.guide
        if not guide.consortium_allowed:
            raise ConsortiumError(_("本指南不接受企业联合体申报"))
        member_org = Organisation.objects.filter(credit_code=code).first()
        if member_org is None:
            raise ConsortiumError(_("统一社会信用代码为 %(code)s 的单位尚未在本系统注册。请成员单位先注册账号，"
                                    "再由牵头单位添加") % {"code": code})
        if member_org.pk == locked.organisation_id:
            raise ConsortiumError(_("牵头单位不需要作为成员单位添加"))
        lock_participant(member_org.pk)
        if Declaration.objects.filter(guide=guide, organisation=member_org).exists():
            raise ConsortiumError(_("“%(org)s”已在本指南下自行申报项目，按“每个申报主体限报一个项目”的规定，"
                                    "不能再作为联合体成员") % {"org": member_org.name})
        other = membership_in_guide(member_org.pk, guide.pk)
        if other is not None:
            if other.declaration_id == locked.pk:
                raise ConsortiumError(_("“%(org)s”已是本联合体的成员单位") % {"org": member_org.name})
            raise ConsortiumError(_("“%(org)s”已是本指南下其他联合体申报的成员单位，不能重复参与") % {
                "org": member_org.name})
        live = list(locked.members.exclude(state=M.DECLINED))
        if guide.consortium_max_members and len(live) >= guide.consortium_max_members:
            raise ConsortiumError(_("本指南规定联合体成员单位（不含牵头单位）不超过 %(n)d 家") % {
                "n": guide.consortium_max_members})
        if sum(m.share for m in live) + share >= 100:
            raise ConsortiumError(_("成员单位工作量占比合计须小于 100%%（牵头单位承担其余部分），"
                                    "目前其他成员已占 %(used)d%%") % {"used": sum(m.share for m in live)})
        values = {"guide": guide, "role": role, "share": share, "state": M.PENDING, "reason": "",
                  "decided_by": None, "decided_at": None, "order": len(live) + 1}
        try:
            with transaction.atomic():
                member, _created = ConsortiumMember.objects.update_or_create(
                    declaration=locked, organisation=member_org, defaults=values)
        except IntegrityError:  # the constraint caught a clash the checks above could not see
            raise ConsortiumError(_("“%(org)s”已参与本指南下的其他申报，不能重复参与") % {
                "org": member_org.name}) from None
        record("consortium.add_member", target=locked, actor=actor, request=request,
               summary=_("添加联合体成员单位“%(org)s”（%(share)d%%），待其确认") % {"org": member_org.name, "share": share},
               data={"member": member_org.pk, "credit_code": member_org.credit_code, "role": role, "share": share})
        body = _("“%(lead)s”在“%(guide)s”中牵头申报项目“%(project)s”，将贵单位列为联合体成员单位"
                 "（分工：%(role)s；工作量占比 %(share)d%%）。请登录系统确认是否参与；确认前牵头单位不能提交申报。") % {
            "lead": locked.organisation.name, "guide": guide.title, "project": locked, "role": role, "share": share}
        transaction.on_commit(lambda: _notify_org(
            member_org, kind="consortium_invite", title=_("联合体成员确认：%(project)s") % {"project": locked},
            body=body, url=reverse("declarations:consortium_invitations")))
    return member


def remove_member(decl, member, *, actor, request=None, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_editable(decl, now, _("修改联合体成员"))
        member = ConsortiumMember.objects.select_related("organisation").filter(
            pk=member.pk, declaration=locked).first()
        if member is None:
            raise ConsortiumError(_("该成员单位已不在本联合体中"))
        org = member.organisation
        member.delete()
        record("consortium.remove_member", target=locked, actor=actor, request=request,
               summary=_("删除联合体成员单位“%(org)s”") % {"org": org.name}, data={"member": org.pk})
        transaction.on_commit(lambda: _notify_org(
            org, kind="consortium_removed", title=_("已不再是联合体成员：%(project)s") % {"project": locked},
            body=_("“%(lead)s”已将贵单位从项目“%(project)s”的联合体成员中删除，贵单位可自行申报或参与其他联合体。") % {
                "lead": locked.organisation.name, "project": locked},
            url=reverse("declarations:consortium_invitations")))


def decide_membership(member, *, actor, confirm, reason="", request=None, now=None):
    """The member organisation (any of its users) confirms or declines taking part."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise ConsortiumError(_("拒绝参与时请填写理由，牵头单位将看到该理由"))
    with transaction.atomic():
        locked = (ConsortiumMember.objects.select_for_update(of=("self",))
                  .select_related("declaration__guide", "declaration__organisation", "organisation")
                  .filter(pk=member.pk).first())
        if locked is None or locked.organisation_id != getattr(actor, "organisation_id", None):
            raise ConsortiumError(_("该邀请已不存在"))
        decl = locked.declaration
        if locked.state != M.PENDING:
            raise ConsortiumError(_("贵单位已处理过该邀请（%(state)s）") % {"state": locked.get_state_display()})
        if not decl.is_editable or decl.guide.applicant_deadline_passed(now):
            raise ConsortiumError(_("该申报已提交或已截止，不能再确认"))
        locked.state = M.CONFIRMED if confirm else M.DECLINED
        locked.reason = reason[:300]
        locked.decided_by = actor
        locked.decided_at = now
        locked.save()
        what = _("确认参与") if confirm else _("拒绝参与")
        record("consortium.confirm" if confirm else "consortium.decline", target=decl, actor=actor,
               request=request, reason=reason,
               summary=_("联合体成员单位“%(org)s”%(what)s") % {"org": locked.organisation.name, "what": what},
               data={"member": locked.organisation_id})
        body = _("“%(org)s”已%(what)s项目“%(project)s”的联合体。%(reason)s") % {
            "org": locked.organisation.name, "what": what, "project": decl,
            "reason": (_("理由：%(r)s") % {"r": reason}) if reason else ""}
        transaction.on_commit(lambda: _notify_org(
            decl.organisation, kind="consortium_answer",
            title=_("联合体成员%(what)s：%(org)s") % {"what": what, "org": locked.organisation.name},
            body=body, url=reverse("declarations:edit", args=[decl.pk])))
    return locked


def invitations_for(organisation_id):
    """The organisation's consortium memberships, newest guide first, with what the page shows."""
    return (ConsortiumMember.objects.filter(organisation_id=organisation_id)
            .select_related("declaration__organisation", "declaration__direction", "guide")
            .order_by("-guide__year", "-id"))
