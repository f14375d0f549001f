"""What recommending units and admins do to recommendation lists. One transaction, one audit record each.

Every change to a list locks its row first (SELECT ... FOR UPDATE), then checks the
list is still a draft, the deadline, the page's version and the quota. Two staff
confirming at once, or a confirmation racing a change, are therefore serialised
by the database: the second sees the first's result and is refused.
Lock order is always child list → parent list → declarations, so nothing deadlocks.
"""

import logging

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify
from declarations.models import Declaration, Guide
from declarations.services import TransitionError, pass_formal_check, return_for_revision, transition
from declarations.stage_notices import notify_stage

from .models import LetterSequence, ListEntry, RecommendationList, Unit, UnitGuideSetting
from .queries import counter, deadline_for, is_exempt, pool, quota_for
from .readiness import child_ranks, child_states, confirmation_blockers

log = logging.getLogger(__name__)
S = Declaration.State
# A return reason tells the applicant what to fix; "不合格" tells it nothing.
RETURN_REASON_MIN = 10

__all__ = ["ListError", "StaleList", "quota_for", "deadline_for", "get_list", "pass_check", "return_declaration",
           "set_recommended", "set_ranking", "confirm_recommendations", "reopen_list", "set_unit_setting",
           "create_staff_account", "record_unit_change"]


class ListError(Exception):
    """A change the rules refuse; the message is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class StaleList(ListError):
    def __init__(self):
        super().__init__(_("推荐名单已被本单位其他人员修改，请刷新页面后再操作"))


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


def get_list(*, unit, guide):
    """The unit's list under the guide, created empty on first use."""
    rec_list, _created = RecommendationList.objects.get_or_create(guide=guide, unit=unit)
    if isinstance(guide, Guide) and isinstance(unit, Unit):  # the caller's objects: no query to read them again
        rec_list.guide, rec_list.unit = guide, unit
    return rec_list


def _lock(*, unit, guide):
    rec_list = get_list(unit=unit, guide=guide)
    # Lock the list row only ("of self"): joined guide and unit rows stay free for other units.
    return (RecommendationList.objects.select_for_update(of=("self",)).select_related("guide", "unit")
            .get(pk=rec_list.pk))


def _ensure_open(rec_list, now=None, expected_version=None):
    if rec_list.is_confirmed:
        raise ListError(_("推荐名单已于 %(at)s 确认，不能再修改；如需修改请联系主管部门重新开放")
                        % {"at": _fmt(rec_list.confirmed_at)})
    deadline = deadline_for(rec_list.unit, rec_list.guide)
    if deadline is not None and (now or timezone.now()) >= deadline:
        raise ListError(_("本单位的推荐确认已于 %(deadline)s 截止；如需延期请联系主管部门")
                        % {"deadline": _fmt(deadline)})
    if expected_version is not None and expected_version != rec_list.version:
        raise StaleList()


def _bump(rec_list):
    RecommendationList.objects.filter(pk=rec_list.pk).update(version=F("version") + 1, updated_at=timezone.now())
    rec_list.refresh_from_db(fields=["version", "updated_at"])


def _sync_entries(rec_list):
    """Make the entries match the unit's pool of passed declarations (only while the list is a draft)."""
    wanted = list(pool(rec_list.unit, rec_list.guide).order_by("submitted_at", "pk").values_list("pk", flat=True))
    wanted_set = set(wanted)
    entries = list(rec_list.entries.all())
    stale = [e.pk for e in entries if e.declaration_id not in wanted_set]
    if stale:
        ListEntry.objects.filter(pk__in=stale).delete()
    kept = sorted((e for e in entries if e.declaration_id in wanted_set), key=lambda e: (e.rank, e.pk))
    have = {e.declaration_id for e in kept}
    arriving = [d for d in wanted if d not in have]
    if arriving and rec_list.unit.children.exists():
        # What a district sent up arrives in the district's order (its rank), not by submission time.
        ranks = child_ranks(rec_list)
        position = {d: i for i, d in enumerate(wanted)}
        arriving.sort(key=lambda d: (ranks[d][1] if d in ranks else 0, position[d]))
    new = [ListEntry(rec_list=rec_list, declaration_id=d, rank=0) for d in arriving]
    if new:
        ListEntry.objects.bulk_create(new)
        order = {d: i for i, d in enumerate(arriving)}
        new = sorted(rec_list.entries.filter(declaration_id__in=arriving), key=lambda e: order[e.declaration_id])
    changed = []
    for rank, entry in enumerate(kept + new, 1):
        if entry.rank != rank:
            entry.rank = rank
            changed.append(entry)
    if changed:
        ListEntry.objects.bulk_update(changed, ["rank"])


def refresh_list(*, unit, guide):
    """Bring a draft list up to date with its pool (new passes, children's confirmations); returns it."""
    with transaction.atomic():
        rec_list = _lock(unit=unit, guide=guide)
        if not rec_list.is_confirmed:
            _sync_entries(rec_list)
    return rec_list


def _check_quota(rec_list):
    numbers = counter(rec_list)
    if numbers["used"] and numbers["quota"] is None:
        raise ListError(_("主管部门尚未为本单位设定本年度推荐名额，暂不能推荐占用名额的项目；请联系主管部门设定名额"))
    if numbers["over"]:
        raise ListError(_("超出推荐名额：本单位名额 %(quota)s 个，推荐后将占用 %(used)s 个。"
                          "DCMM 豁免的项目不占名额，请先取消其他项目的推荐") % numbers)
    return numbers


# --- formal check -------------------------------------------------------------

def _own_unit_check(declaration, actor):
    if not (actor.is_unit_staff and declaration.unit_id == actor.unit_id):
        raise ListError(_("只有申报时选择的推荐单位才能进行形式审查"))


def pass_check(*, declaration, actor, request=None, now=None):
    """形式审查通过: the declaration joins the unit's pool for ranking."""
    _own_unit_check(declaration, actor)
    from .jurisdiction import may_declare_to

    if not may_declare_to(declaration.organisation, declaration.guide, declaration.unit_id):
        # Declared before the jurisdiction rules (or the organisation's place changed): it belongs elsewhere.
        raise ListError(_("该申报单位不属于本单位辖区（所在地：%(place)s），也未经本单位确认为集团成员单位，"
                          "不能通过形式审查；请退回修改，由申报单位改报其所在地的推荐单位")
                        % {"place": declaration.organisation.division_display})
    with transaction.atomic():
        rec_list = _lock(unit=declaration.unit, guide=declaration.guide)
        _ensure_open(rec_list, now)
        try:
            pass_formal_check(declaration, actor=actor, request=request)
        except TransitionError as e:
            raise ListError(e.message) from e
        _sync_entries(rec_list)
        _bump(rec_list)
        notify_stage([declaration], "passed", unit=rec_list.unit.name)
    return declaration


def return_declaration(*, declaration, actor, reason, request=None, now=None):
    """退回修改 with a reason the applicant sees; the declaration leaves the ranking."""
    _own_unit_check(declaration, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("退回修改时请填写退回理由，申报单位将看到该理由"))
    if len(reason) < RETURN_REASON_MIN:
        raise ListError(_("退回理由至少 %(n)s 个字，请写明需要修改的具体内容") % {"n": RETURN_REASON_MIN})
    if len(reason) > 1000:
        raise ListError(_("退回理由不能超过 1000 字"))
    with transaction.atomic():
        rec_list = _lock(unit=declaration.unit, guide=declaration.guide)
        _ensure_open(rec_list, now)
        try:
            return_for_revision(declaration, actor=actor, reason=reason, request=request)
        except TransitionError as e:
            raise ListError(e.message) from e
        rec_list.entries.filter(declaration=declaration).delete()
        _sync_entries(rec_list)
        _bump(rec_list)
        url = reverse("declarations:detail", args=[declaration.pk])
        for user in declaration.organisation.users.filter(is_active=True):
            notify(user, kind="returned", title=_("您的申报被退回修改"), url=url,
                   body=_("推荐单位“%(unit)s”将项目“%(project)s”退回修改，理由：%(reason)s") % {
                       "unit": declaration.unit.name, "project": declaration, "reason": reason})
    return declaration


# --- ranking --------------------------------------------------------------------

def set_recommended(*, rec_list, declaration_id, recommended, actor, expected_version=None, request=None, now=None):
    """Mark one entry as recommended or not; refuses to go over the quota."""
    with transaction.atomic():
        locked = _lock(unit=rec_list.unit, guide=rec_list.guide)
        _ensure_open(locked, now, expected_version)
        _sync_entries(locked)
        entry = locked.entries.select_related("declaration__organisation").filter(declaration_id=declaration_id).first()
        if entry is None:
            raise ListError(_("该项目不在本单位的推荐名单中（可能已被退回或尚未通过形式审查），请刷新页面"))
        if entry.recommended != recommended:
            entry.recommended = recommended
            entry.save(update_fields=["recommended"])
        numbers = _check_quota(locked)
        _bump(locked)
        record("list.recommend" if recommended else "list.unrecommend", target=locked, actor=actor, request=request,
               summary=(_("推荐“%(p)s”") if recommended else _("取消推荐“%(p)s”")) % {"p": entry.declaration},
               data={"declaration": declaration_id, "exempt": is_exempt(entry.declaration, locked.guide),
                     "used": numbers["used"]})
    return locked


def set_ranking(*, rec_list, order, actor, expected_version=None, request=None, now=None):
    """Put the entries in the given order of declaration ids (which must be exactly the list's entries)."""
    try:
        order = [int(pk) for pk in order]
    except (TypeError, ValueError):
        raise ListError(_("排序数据无效，请刷新页面后重试"))
    with transaction.atomic():
        locked = _lock(unit=rec_list.unit, guide=rec_list.guide)
        _ensure_open(locked, now, expected_version)
        _sync_entries(locked)
        entries = {e.declaration_id: e for e in locked.entries.all()}
        if len(order) != len(set(order)) or set(order) != set(entries):
            raise ListError(_("排序内容与当前名单不一致（可能有项目刚被退回或新通过审查），请刷新页面后重试"))
        for rank, pk in enumerate(order, 1):
            entries[pk].rank = rank
        ListEntry.objects.bulk_update(list(entries.values()), ["rank"])
        _bump(locked)
        record("list.rank", target=locked, actor=actor, request=request, summary=_("调整推荐排序"),
               data={"order": order})
    return locked


def move_entry(*, rec_list, declaration_id, offset, actor, expected_version=None, request=None, now=None):
    """Move one entry up (offset −1) or down (+1): a convenience over set_ranking."""
    order = list(rec_list.entries.order_by("rank", "id").values_list("declaration_id", flat=True))
    if declaration_id not in order:
        raise ListError(_("该项目不在本单位的推荐名单中，请刷新页面"))
    i = order.index(declaration_id)
    j = min(max(i + offset, 0), len(order) - 1)
    order.insert(j, order.pop(i))
    return set_ranking(rec_list=rec_list, order=order, actor=actor, expected_version=expected_version,
                       request=request, now=now)


# --- confirmation -------------------------------------------------------------------

def confirm_recommendations(*, rec_list, actor, expected_version=None, request=None, now=None):
    """确认推荐名单: lock the list, check everything once more, move the declarations on, number the letter."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(unit=rec_list.unit, guide=rec_list.guide)
        _ensure_open(locked, now, expected_version)
        unit, guide = locked.unit, locked.guide
        parent_list = None
        if unit.parent_id:
            parent_list = _lock(unit=unit.parent, guide=guide)
            if parent_list.is_confirmed:
                raise ListError(_("上级单位“%(parent)s”已于 %(at)s 确认推荐名单（本单位未在截止时间前确认），"
                                  "本单位不能再报送；请联系上级单位") % {
                    "parent": unit.parent.name, "at": _fmt(parent_list.confirmed_at)})
        _sync_entries(locked)
        numbers = counter(locked)
        children = child_states(unit, guide)
        problems = confirmation_blockers(locked, now=now, numbers=numbers, children=children)
        if problems:
            raise ListError("；".join(problems))
        entries = list(locked.entries.select_related("declaration").order_by("rank", "id"))
        for entry in entries:
            if unit.parent_id is None:
                to = S.RECOMMENDED if entry.recommended else S.NOT_RECOMMENDED
            elif not entry.recommended:
                to = S.NOT_RECOMMENDED
            else:
                continue  # stays "passed" and now appears in the parent's pool
            transition(entry.declaration, to, actor=actor, request=request,
                       summary=_("推荐单位“%(unit)s”确认推荐名单") % {"unit": unit.name})
        year = timezone.localtime(now).year
        number = _("%(prefix)s〔%(year)s〕%(n)s号") % {
            "prefix": unit.doc_prefix or _("推荐函"), "year": year, "n": next_letter_number(unit=unit, year=year)}
        locked.state = RecommendationList.State.CONFIRMED
        locked.confirmed_at = now
        locked.confirmed_by = actor
        locked.document_number = number
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        if parent_list is not None:
            _sync_entries(parent_list)  # what this unit recommended now waits in the parent's ranking
            _bump(parent_list)
        recommended = [e.declaration_id for e in entries if e.recommended]
        late = [c for c in children if not c.confirmed]  # past their deadline, else confirming was refused
        record("list.confirm", target=locked, actor=actor, request=request,
               summary=_("确认推荐名单：推荐 %(n)s 项（占用名额 %(used)s 个，豁免 %(exempt)s 个，名额 %(quota)s 个）") % {
                   "n": len(recommended), **numbers},
               data={"declarations": recommended, "document_number": number, "counts": numbers,
                     "late_children": [c.unit.pk for c in late]})
        _notify_confirmed(locked, actor)
        _notify_late_children(locked, late)
        _notify_applicants(unit, guide, entries)
        list_id = locked.pk
        transaction.on_commit(lambda: _request_letter(list_id))
    return locked


def next_letter_number(*, unit, year):
    """The unit's next letter number in `year`: each unit's sequence starts again at 1 every year (文号)."""
    LetterSequence.objects.get_or_create(unit=unit, year=year)
    LetterSequence.objects.filter(unit=unit, year=year).update(last=F("last") + 1)  # row lock until commit
    return LetterSequence.objects.values_list("last", flat=True).get(unit=unit, year=year)


def _notify_confirmed(rec_list, actor):
    url = reverse("quotas:workspace") + f"?guide={rec_list.guide_id}"
    unit = rec_list.unit
    title = _("“%(unit)s”已确认推荐名单") % {"unit": unit.name}
    body = _("%(guide)s：%(unit)s 已确认推荐名单，文号 %(number)s。") % {
        "guide": rec_list.guide.title, "unit": unit.name, "number": rec_list.document_number}
    staff = list(unit.staff.filter(is_active=True))
    if unit.parent_id:
        staff += list(unit.parent.staff.filter(is_active=True))
    for user in staff:
        notify(user, kind="list_confirmed", title=title, body=body, url=url)


def _notify_late_children(rec_list, late):
    """Children that let their deadline pass learn why they can no longer send anything up."""
    url = reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
    for child in late:
        body = _("上级单位“%(parent)s”已于 %(at)s 确认推荐名单。贵单位未在确认截止时间 %(deadline)s 前确认推荐名单，"
                 "本年度不能再向上级单位报送项目；如有特殊情况请联系上级单位或主管部门。") % {
            "parent": rec_list.unit.name, "at": _fmt(rec_list.confirmed_at),
            "deadline": _fmt(child.deadline) if child.deadline else "—"}
        for user in child.unit.staff.filter(is_active=True):
            notify(user, kind="list_locked_out", title=_("上级单位已确认名单，贵单位不能再报送"), body=body, url=url)


def _notify_applicants(unit, guide, entries):
    """Each declaration on the confirmed list learns where it stands (sent up, recommended or not)."""
    yes = [e.declaration for e in entries if e.recommended]
    no = [e.declaration for e in entries if not e.recommended]
    names = {"unit": unit.name, "guide": guide.title}
    if unit.parent_id:
        notify_stage(yes, "sent_up", parent=unit.parent.name, **names)
    else:
        notify_stage(yes, "recommended", **names)
    notify_stage(no, "not_recommended", **names)


def _request_letter(list_id):
    # The documents room renders the 推荐函; this app works without it.
    try:
        from documents.issuing import request_recommendation_letter
    except ImportError:
        return
    try:
        request_recommendation_letter(list_id)
    except Exception:  # a failed render must not undo or hide the confirmation
        log.exception("could not request the recommendation letter of list %s", list_id)


# --- admin ------------------------------------------------------------------------

def reopen_list(*, rec_list, actor, reason, request=None):
    """Admin: unlock a confirmed list (with a reason); its declarations return to "passed"."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("重新开放名单须填写理由"))
    with transaction.atomic():
        locked = _lock(unit=rec_list.unit, guide=rec_list.guide)
        if not locked.is_confirmed:
            raise ListError(_("该名单尚未确认，无需重新开放"))
        unit = locked.unit
        parent_list = None
        if unit.parent_id:
            parent_list = _lock(unit=unit.parent, guide=locked.guide)
            if parent_list.is_confirmed:
                raise ListError(_("上级单位“%(parent)s”已确认名单，请先重新开放上级单位的名单")
                                % {"parent": unit.parent.name})
        entries = list(locked.entries.select_related("declaration"))
        for entry in entries:
            if entry.declaration.state in (S.RECOMMENDED, S.NOT_RECOMMENDED):
                try:
                    transition(entry.declaration, S.PASSED, actor=actor, reason=reason, request=request,
                               summary=_("推荐名单重新开放"))
                except TransitionError as e:
                    raise ListError(e.message) from e
            elif entry.declaration.state != S.PASSED:
                raise ListError(_("项目“%(p)s”已进入评审结果（%(s)s），不能重新开放该名单") % {
                    "p": entry.declaration, "s": entry.declaration.get_state_display()})
        if parent_list is not None:
            parent_list.entries.filter(declaration_id__in=[e.declaration_id for e in entries]).delete()
            _bump(parent_list)
        old_number = locked.document_number
        locked.state = RecommendationList.State.DRAFT
        locked.confirmed_at = None
        locked.confirmed_by = None
        locked.document_number = ""
        locked.version = F("version") + 1
        locked.save()
        locked.refresh_from_db()
        record("list.reopen", target=locked, actor=actor, reason=reason, request=request,
               summary=_("重新开放推荐名单（原文号 %(n)s）") % {"n": old_number or "—"},
               data={"document_number": old_number})
        for user in unit.staff.filter(is_active=True):
            notify(user, kind="list_reopened", title=_("推荐名单已重新开放"),
                   body=_("主管部门重新开放了贵单位的推荐名单，理由：%(reason)s") % {"reason": reason},
                   url=reverse("quotas:workspace") + f"?guide={locked.guide_id}")
    return locked


def set_unit_setting(*, unit, guide, quota, deadline, reason, actor, request=None):
    """Admin: override one unit's quota and/or extend its deadline under one guide, with a reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ListError(_("调整名额或截止时间须填写理由"))
    with transaction.atomic():
        setting, _created = UnitGuideSetting.objects.select_for_update().get_or_create(guide=guide, unit=unit)
        before = {"quota": setting.quota, "deadline": setting.deadline.isoformat() if setting.deadline else None}
        setting.quota = quota
        setting.deadline = deadline
        setting.reason = reason
        setting.updated_by = actor
        setting.save()
        after = {"quota": quota, "deadline": deadline.isoformat() if deadline else None}
        record("unit_setting.change", target=setting, actor=actor, reason=reason, request=request,
               summary=_("调整“%(unit)s”的名额/截止时间：名额 %(q)s，截止 %(d)s") % {
                   "unit": unit.name, "q": quota if quota is not None else _("按指南默认"),
                   "d": _fmt(deadline) if deadline else _("按指南默认")},
               data={"unit": unit.pk, "guide": guide.pk, "before": before, "after": after})
    return setting


def record_unit_change(*, unit, actor, created, changed=(), request=None):
    """Admin saved a unit's details (the form has already validated them)."""
    return record("unit.create" if created else "unit.change", target=unit, actor=actor, request=request,
                  summary=(_("新建推荐单位“%(u)s”") if created else _("修改推荐单位“%(u)s”")) % {"u": unit.name},
                  data={"changed": list(changed)})


def create_staff_account(*, unit, username, full_name, phone, email, password, actor, request=None):
    """Admin: add a staff login to a unit."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    with transaction.atomic():
        user = User(username=username, full_name=full_name, phone=phone, email=email,
                    role=User.Role.UNIT, unit=unit)
        user.set_password(password)
        user.save()
        record("unit.staff_create", target=unit, actor=actor, request=request,
               summary=_("为“%(u)s”新建经办人账号 %(name)s") % {"u": unit.name, "name": username},
               data={"user": user.pk})
    return user
