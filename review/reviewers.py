"""Reviewer accounts and availability: profiles, declared conflicts and being unavailable.

Owns creating and editing a reviewer's login and profile, the conflicts of interest a reviewer
declares or the ministry adds (freeing the affected open tasks), the ministry handling those
declarations, and telling the ministry which tasks need another reviewer when one becomes unavailable.
"""


from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from declarations.models import Organisation

from .base import ReviewError
from .models import Assignment, ConflictDeclaration, Review, ReviewerProfile


def find_organisation(query):
    """The organisation with this credit code or exact full name, or None."""
    query = (query or "").strip()
    if not query:
        return None
    return (Organisation.objects.filter(credit_code=query.upper()).first()
            or Organisation.objects.filter(name=query).first())


def _free_conflicted(profile, org):
    """Decline the reviewer's active, unsubmitted assignments of `org`'s declarations; the freed ids.

    Only the ministry calls this (it adds a conflict for the reviewer); a reviewer's own
    declaration changes nothing they could observe (declare_conflict).
    """
    freed = []
    for a in Assignment.objects.select_for_update().filter(
            reviewer=profile.user, state=Assignment.State.ACTIVE, declaration__organisation=org):
        review = Review.objects.filter(assignment=a).first()
        if review and review.state == Review.State.SUBMITTED:
            continue
        if review:
            review.delete()
        a.state, a.decline_reason, a.declined_at = Assignment.State.DECLINED, _("申明回避"), timezone.now()
        a.save(update_fields=["state", "decline_reason", "declined_at"])
        freed.append(a.pk)
    return freed


def _ministry_users():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(Q(role=User.Role.ADMIN) | Q(is_superuser=True), is_active=True).order_by("pk")


def declare_conflict(*, profile, text, actor, request=None):
    """The reviewer declares a conflict with an organisation, by name or credit code, as they typed it.

    Whatever the text, the reviewer gets the same answer and their tasks stay as they are, so
    the profile page cannot be used to test whether a guessed organisation has declared. The
    match is stored for the ministry, which is told and reassigns the affected tasks.
    """
    text = " ".join((text or "").split())
    if not text:
        raise ReviewError(_("请填写需要回避的单位名称或统一社会信用代码"))
    if len(text) > 100:
        raise ReviewError(_("单位名称不能超过 100 个字"))
    org = find_organisation(text)
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.create(profile=profile, text=text, organisation=org)
        record("review.declare_conflict", target=profile, actor=actor, request=request,
               summary=_("评审专家申明回避单位“%(text)s”") % {"text": text},
               data={"declaration": declaration.pk, "organisation": org.pk if org else None})
        url = reverse("review:reviewer_edit", args=[profile.pk])
        for admin in _ministry_users():
            notify(admin, kind="reviewer_conflict", url=url,
                   title=_("评审专家%(name)s申明了回避单位") % {"name": profile.name},
                   body=_("专家申明回避“%(text)s”。请在专家资料页核实，并在评审分配页更换受影响的任务。")
                   % {"text": text})
    return declaration


def pending_conflict_pairs(reviewer_ids, organisation_ids):
    """{(reviewer id, organisation id)} of unhandled conflict declarations: flags on the ministry's pages."""
    return set(ConflictDeclaration.objects.filter(
        handled_at__isnull=True, organisation_id__in=organisation_ids, profile__user_id__in=reviewer_ids)
        .values_list("profile__user_id", "organisation_id"))


def handle_conflict_declaration(*, declaration, accept, actor, request=None):
    """The ministry closes a reviewer's declaration; `accept` adds the matched organisation to the
    reviewer's conflicts (future assignments avoid it). Open tasks are reassigned on the assignment page."""
    with transaction.atomic():
        declaration = ConflictDeclaration.objects.select_for_update().select_related("profile").get(pk=declaration.pk)
        if not declaration.is_pending:
            raise ReviewError(_("该回避申明已处理"))
        if accept and declaration.organisation_id is None:
            raise ReviewError(_("未匹配到单位，不能加入回避单位；请在专家资料中手动添加"))
        if accept:
            declaration.profile.conflicts.add(declaration.organisation_id)
        declaration.handled_at, declaration.handled_by = timezone.now(), actor
        declaration.save(update_fields=["handled_at", "handled_by"])
        record("review.handle_conflict", target=declaration.profile, actor=actor, request=request,
               summary=(_("确认专家回避申明“%(text)s”") if accept else _("已处理专家回避申明“%(text)s”"))
               % {"text": declaration.text},
               data={"declaration": declaration.pk, "accepted": bool(accept),
                     "organisation": declaration.organisation_id})
    return declaration


def _notify_unavailable(profile):
    """Tell the ministry which open tasks of a reviewer who is no longer available need another reviewer."""
    open_tasks = list(Assignment.objects.filter(reviewer=profile.user, state=Assignment.State.ACTIVE)
                      .exclude(review__state=Review.State.SUBMITTED)
                      .select_related("declaration__guide").order_by("declaration__guide_id", "declaration_id"))
    if not open_tasks:
        return []
    lines = [_("%(guide)s：%(project)s（项目编号 %(pk)d）") % {
        "guide": a.declaration.guide, "project": a.declaration.project_name, "pk": a.declaration_id}
        for a in open_tasks]
    url = reverse("review:assignments", args=[open_tasks[0].declaration.guide_id])
    for admin in _ministry_users():
        notify(admin, kind="reviewer_unavailable", url=url,
               title=_("评审专家%(name)s已不可参加评审，%(n)d 个任务需要更换专家") % {
                   "name": profile.name, "n": len(open_tasks)},
               body="\n".join(lines))
    return [a.pk for a in open_tasks]


# ---------------------------------------------------------------- reviewer accounts


def create_reviewer(*, username, email, password, name, employer, actor, region="", title="", expertise=(),
                    request=None):
    """Admin: a reviewer login (role reviewer) with its profile. The password is validated by the form."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ReviewError(_("该登录名已被使用"), errors={"username": _("该登录名已被使用")})
    with transaction.atomic():
        user = User(username=username, email=email, full_name=name, role=User.Role.REVIEWER)
        user.set_password(password)
        user.save()
        profile = ReviewerProfile.objects.create(user=user, name=name, employer=employer, region=region, title=title)
        profile.expertise.set(expertise)
        record("review.reviewer_create", target=profile, actor=actor, request=request,
               summary=_("新建评审专家 %(name)s（登录名 %(u)s）") % {"name": name, "u": username},
               data={"user": user.pk, "expertise": sorted(d.pk for d in expertise)})
    return profile


def update_reviewer(*, profile, actor, name, employer, region, title, email, expertise, conflicts, is_active,
                    add_conflict="", request=None):
    """Admin: change a reviewer's profile. `conflicts` are the declared organisations to keep;
    `add_conflict` (credit code or full name) declares one more, freeing its open assignments."""
    new_org = None
    if (add_conflict or "").strip():
        new_org = find_organisation(add_conflict)
        if new_org is None:
            raise ReviewError(_("未找到该单位，请填写完整的统一社会信用代码或单位全称"),
                              errors={"add_conflict": _("未找到该单位，请填写完整的统一社会信用代码或单位全称")})
    with transaction.atomic():
        profile = ReviewerProfile.objects.select_for_update().select_related("user").get(pk=profile.pk)
        changed = {}
        for field_name, value in (("name", name), ("employer", employer), ("region", region), ("title", title),
                                  ("is_active", is_active)):
            if getattr(profile, field_name) != value:
                changed[field_name] = [getattr(profile, field_name), value]
                setattr(profile, field_name, value)
        if changed:
            profile.save()
        user = profile.user
        user_fields = []
        if user.email != email:
            changed["email"] = [user.email, email]
            user.email = email
            user_fields.append("email")
        if user.full_name != name:
            user.full_name = name
            user_fields.append("full_name")
        if user_fields:
            user.save(update_fields=user_fields)
        old_exp = set(profile.expertise.values_list("pk", flat=True))
        new_exp = {d.pk for d in expertise}
        if old_exp != new_exp:
            profile.expertise.set(new_exp)
            changed["expertise"] = [sorted(old_exp), sorted(new_exp)]
        old_conf = set(profile.conflicts.values_list("pk", flat=True))
        keep = {o.pk for o in conflicts} & old_conf
        freed = []
        if new_org is not None:
            keep.add(new_org.pk)
            if new_org.pk not in old_conf:
                freed = _free_conflicted(profile, new_org)
        if keep != old_conf:
            profile.conflicts.set(keep)
            changed["conflicts"] = [sorted(old_conf), sorted(keep)]
        if freed:
            changed["freed"] = freed
        if changed.get("is_active") == [True, False]:
            changed["to_reassign"] = _notify_unavailable(profile)
        record("review.reviewer_update", target=profile, actor=actor, request=request,
               summary=_("修改评审专家 %(name)s 的资料") % {"name": profile.name}, data=changed)
    return profile
