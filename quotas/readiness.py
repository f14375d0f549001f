"""What stands between a unit and confirming its list, computed once for the page and the service.

The ranking page shows these before the password is asked for; confirm_recommendations
refuses with the same messages. A parent unit (a city) waits for each child (district)
whose own deadline has not passed and which has not confirmed: confirming first would
lock the district out after it did its work.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from declarations.guide_admin import ChecklistItem
from declarations.models import Declaration
from units.models import Unit

from .models import ListEntry, QuotaRule, RecommendationList, UnitGuideSetting
from .queries import counter

S = Declaration.State


def _fmt(dt):
    return timezone.localtime(dt).strftime("%Y-%m-%d %H:%M")


@dataclass
class ChildState:
    unit: object
    rec_list: RecommendationList | None
    deadline: datetime | None

    @property
    def confirmed(self):
        return self.rec_list is not None and self.rec_list.is_confirmed

    def deadline_passed(self, now):
        return self.deadline is not None and now >= self.deadline

    def blocks(self, now):
        """Still working within its deadline: the parent must wait. Without a deadline a child may always
        send, so the parent waits until the ministry sets one for it."""
        return not self.confirmed and not self.deadline_passed(now)


def unchecked_count(guide_id, unit_id):
    """How many declarations the unit has still to check (submitted, not passed or returned)."""
    return Declaration.objects.filter(guide=guide_id, unit=unit_id, state=S.SUBMITTED).count()


def unchecked_annotation():
    """unchecked_count as a subquery of a list's row (its guide and unit): for the one query of a list page."""
    rows = Declaration.objects.filter(guide=OuterRef("guide_id"), unit=OuterRef("unit_id"), state=S.SUBMITTED)
    return Coalesce(Subquery(rows.order_by().values("unit").annotate(n=Count("pk")).values("n")[:1]), 0)


def child_states(unit, guide):
    """One row per active child unit: its list (or None: none yet; the list's id, state and confirmation time) and
    its own deadline, in one query: the children with their extended deadline and their list's fields as
    subqueries (each by the unique (guide, unit) index)."""
    extended = UnitGuideSetting.objects.filter(guide=guide, unit=OuterRef("pk"), deadline__isnull=False).order_by()
    lists = RecommendationList.objects.filter(guide=guide, unit=OuterRef("pk")).order_by()
    children = list(unit.children.filter(is_active=True).order_by("name").annotate(
        extended_deadline=Subquery(extended.values("deadline")[:1]), list_id=Subquery(lists.values("pk")[:1]),
        list_state=Subquery(lists.values("state")[:1]), list_confirmed_at=Subquery(lists.values("confirmed_at")[:1])))
    return [ChildState(unit=c, deadline=c.extended_deadline or guide.unit_deadline, rec_list=None if c.list_id is None
                       else RecommendationList(pk=c.list_id, guide_id=guide.pk, unit=c, state=c.list_state,
                                               confirmed_at=c.list_confirmed_at))
            for c in children]


def child_ranks(rec_list):
    """{declaration id: (child unit name, its rank there)} for what the unit's children sent up."""
    rows = (ListEntry.objects.filter(rec_list__guide_id=rec_list.guide_id, rec_list__unit__parent_id=rec_list.unit_id,
                                     rec_list__state=RecommendationList.State.CONFIRMED, recommended=True)
            .values_list("declaration_id", "rec_list__unit__name", "rank"))
    return {decl: (name, rank) for decl, name, rank in rows}


def confirmation_blockers(rec_list, *, now=None, numbers=None, children=None, unchecked=None):
    """Chinese messages, one per reason the list cannot be confirmed now (empty: it can). `numbers`, `children`,
    `unchecked`: what the caller read already (counter, child_states, the count of declarations to check)."""
    now = now or timezone.now()
    unit, guide = rec_list.unit, rec_list.guide
    problems = []
    if unchecked is None:
        unchecked = unchecked_count(guide.pk, unit.pk)
    if unchecked:
        problems.append(_("尚有 %(n)s 项申报未完成形式审查，请先审查（通过或退回修改）再确认名单") % {"n": unchecked})
    numbers = numbers or counter(rec_list)
    if numbers["quota"] is None:
        problems.append(_("主管部门尚未为本单位设定本年度推荐名额，不能确认名单；请联系主管部门设定名额"))
    elif numbers["over"]:
        problems.append(_("超出推荐名额：本单位名额 %(quota)s 个，已占用 %(used)s 个，请先取消部分推荐") % numbers)
    children = child_states(unit, guide) if children is None else children
    waiting = [c for c in children if c.blocks(now)]
    if waiting:
        problems.append(_("下级单位尚未确认推荐名单且未到其截止时间：%(units)s。请待其确认或截止后再确认本单位名单")
                        % {"units": "、".join(
                            _("%(u)s（截止 %(d)s）") % {"u": c.unit.name, "d": _fmt(c.deadline)} if c.deadline
                            else c.unit.name for c in waiting)})
    return problems



def quota_checks(sender, *, guide, **kwargs):
    """Publishing checklist: every unit an applicant may declare to has a quota under the guide.

    Top-level units always receive declarations; child units (districts) only where the guide
    delegates to them, which it shows by giving any child unit a quota (2022: Tianjin's districts).
    """
    units = list(Unit.objects.filter(is_active=True).only("pk", "name", "kind", "parent_id"))
    rules = set(QuotaRule.objects.filter(guide=guide).values_list("unit_kind", flat=True))
    overridden = set(UnitGuideSetting.objects.filter(guide=guide, quota__isnull=False).values_list("unit_id",
                                                                                                  flat=True))
    # A demonstration base (2023) is a child with its own places sent up through its province: not a delegation.
    through = set(QuotaRule.objects.filter(guide=guide, through_parent=True).values_list("unit_kind", flat=True))
    delegated = any(u.parent_id and u.kind not in through and (u.kind in rules or u.pk in overridden) for u in units)
    missing = {}
    for u in units:
        if (u.parent_id is None or delegated) and u.kind not in rules and u.pk not in overridden:
            missing.setdefault(u.get_kind_display(), []).append(u.name)
    problem = "；".join(_("%(kind)s没有推荐名额（%(units)s%(more)s），请在名额规则中设定该类单位的名额或逐个设定")
                       % {"kind": kind, "units": "、".join(names[:3]),
                          "more": _("等 %(n)d 个") % {"n": len(names)} if len(names) > 3 else ""}
                       for kind, names in missing.items())
    return [ChecklistItem(_("推荐名额"), problem)]
