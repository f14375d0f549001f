"""Selection and publication of the review's results.

Owns whether a declaration has enough submitted reviews to be ranked, the per-direction selection
limit, putting declarations on and off the shortlist, the public notice period, and publishing the
results: the only place that moves a declaration to selected / not_selected and tells applicants and
units.
"""

import calendar
from datetime import date

from django.db import connection, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import record
from core.notify import notify_many
from declarations.models import Declaration
from declarations.services import transition
from declarations.stage_notices import notify_stage

from .base import ReviewError, record_on
from .models import Assignment, DirectionSetting, Panel, Review, ReviewSettings, Selection
from .setup import settings_for
from .workdays import add_working_days, working_days

S = Declaration.State
OUTSTANDING_REASON_MIN = 10


# The public list's order: by direction, then region, then declaration; the 序号 runs within the direction.
# Before publication the list is the selection; once published, the selected declarations.
_NUMBER_PUBLIC_LIST = """
UPDATE review_selection AS s SET guide_id = %(guide)s, public_position = n.position, public_serial = n.serial
FROM (SELECT s2.id,
             ROW_NUMBER() OVER (ORDER BY dir."order", o.region, d.id) AS position,
             ROW_NUMBER() OVER (PARTITION BY d.direction_id ORDER BY o.region, d.id) AS serial
      FROM review_selection s2
      JOIN declarations_declaration d ON d.id = s2.declaration_id
      JOIN declarations_organisation o ON o.id = d.organisation_id
      JOIN declarations_direction dir ON dir.id = d.direction_id
      WHERE d.guide_id = %(guide)s AND (NOT %(published)s OR d.state = %(selected)s)) n
WHERE s.id = n.id AND (s.guide_id IS DISTINCT FROM %(guide)s OR s.public_position IS DISTINCT FROM n.position
                       OR s.public_serial IS DISTINCT FROM n.serial)
"""
_CLEAR_PUBLIC_LIST = """
UPDATE review_selection AS s SET public_position = NULL, public_serial = NULL
FROM declarations_declaration d
WHERE d.id = s.declaration_id AND d.guide_id = %(guide)s AND s.public_position IS NOT NULL
  AND (s.guide_id IS DISTINCT FROM %(guide)s OR (%(published)s AND d.state <> %(selected)s))
"""


def number_public_list(guide, *, published):
    """Store each row's place on the guide's public list (position over the guide, 序号 in its direction).

    Called when the list becomes fixed (the notice opens, the results are published) and in the same
    transaction as any change of the selection while the notice is open, so a page of the list is a
    range read of the stored positions. Rows that are not on the list lose their place.
    """
    params = {"guide": guide.pk, "published": published, "selected": S.SELECTED}
    with connection.cursor() as cursor:
        cursor.execute(_CLEAR_PUBLIC_LIST, params)
        cursor.execute(_NUMBER_PUBLIC_LIST, params)


def min_reviews_by_direction(guide):
    """{direction id: the fewest submitted reviews a project needs to be ranked and selected} (panel data).

    A direction with no panel needs one: nothing is selected unscored.
    """
    rows = Panel.directions.through.objects.filter(panel__guide=guide).values_list("direction_id",
                                                                                   "panel__min_reviews")
    return {direction: n for direction, n in rows}


def submitted_reviews(declaration_ids):
    return dict(Review.objects.filter(assignment__declaration_id__in=declaration_ids, state=Review.State.SUBMITTED)
                .values_list("assignment__declaration_id").annotate(n=Count("id")).values_list(
                    "assignment__declaration_id", "n"))


def _check_enough_reviews(guide, decls):
    minimum = min_reviews_by_direction(guide)
    have = submitted_reviews([d.pk for d in decls])
    for d in decls:
        need = minimum.get(d.direction_id, 1)
        if have.get(d.pk, 0) < need:
            raise ReviewError(_("《%(name)s》只有 %(have)d 份已提交的评分，评审组要求至少 %(need)d 份，不能入选")
                              % {"name": d.project_name, "have": have.get(d.pk, 0), "need": need})


def selection_limit(direction):
    setting = DirectionSetting.objects.filter(direction=direction).first()
    return setting.selection_limit if setting else None


def set_selected(*, declaration, selected, actor, request=None):
    """Mark or unmark a recommended declaration as selected, within its direction's limit."""
    with transaction.atomic():
        decl = Declaration.objects.select_related("guide", "direction").get(pk=declaration.pk)
        # One lock per guide serialises selections, so two admins cannot both take a direction's last place.
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(decl.guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布，不能再调整入选名单"))
        if decl.state != S.RECOMMENDED:
            raise ReviewError(_("只有已推荐的项目可以入选"))
        exists = Selection.objects.filter(declaration=decl).exists()
        if selected and not exists:
            _check_enough_reviews(decl.guide, [decl])
            limit = selection_limit(decl.direction)
            if limit is not None:
                taken = Selection.objects.filter(declaration__guide=decl.guide,
                                                 declaration__direction=decl.direction).count()
                if taken >= limit:
                    raise ReviewError(_("方向“%(dir)s”最多入选 %(n)d 个项目，已选满") % {"dir": decl.direction, "n": limit})
            Selection.objects.create(declaration=decl, created_by=actor)
            record_on(decl, "review.select", actor=actor, request=request, summary=_("列入拟入选名单"))
        elif not selected and exists:
            Selection.objects.filter(declaration=decl).delete()
            record_on(decl, "review.unselect", actor=actor, request=request, summary=_("移出拟入选名单"))
        if cfg.notice_open:
            # The notice is on: its list changed, so its numbering follows in the same transaction.
            number_public_list(decl.guide, published=False)
    return selected


def select_projects(*, guide, declaration_ids, actor, request=None):
    """Make exactly `declaration_ids` the selected set of the guide (checked against each direction's limit)."""
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布，不能再调整入选名单"))
        ids = set(int(i) for i in declaration_ids)
        decls = list(Declaration.objects.filter(guide=guide, pk__in=ids, state=S.RECOMMENDED).select_related("direction"))
        if len(decls) != len(ids):
            raise ReviewError(_("所选项目中有不属于本指南或不处于“已推荐”状态的项目"))
        _check_enough_reviews(guide, decls)
        per_direction = {}
        for d in decls:
            per_direction.setdefault(d.direction, []).append(d)
        limits = dict(DirectionSetting.objects.filter(direction__guide=guide).values_list("direction_id",
                                                                                        "selection_limit"))
        for direction, items in per_direction.items():
            limit = limits.get(direction.pk)
            if limit is not None and len(items) > limit:
                raise ReviewError(_("方向“%(dir)s”最多入选 %(n)d 个项目，当前选择了 %(have)d 个")
                                  % {"dir": direction, "n": limit, "have": len(items)})
        Selection.objects.filter(declaration__guide=guide).exclude(declaration_id__in=ids).delete()
        have = set(Selection.objects.filter(declaration__guide=guide).values_list("declaration_id", flat=True))
        Selection.objects.bulk_create([Selection(declaration_id=i, created_by=actor) for i in ids - have])
        record("review.select_list", target=guide, actor=actor, request=request,
               summary=_("确定拟入选名单：%(n)d 个项目") % {"n": len(ids)}, data={"declarations": sorted(ids)})
        if cfg.notice_open:
            number_public_list(guide, published=False)


def notice_problems(cfg, start, end, *, today):
    """Why a public notice from `start` to `end` (both included) is not acceptable; empty when it is."""
    if start is None or end is None:
        return [_("请填写公示开始和结束日期")]
    problems = []
    if start < today:
        problems.append(_("公示开始日期不能早于今天（%(d)s）") % {"d": today.isoformat()})
    if end < start:
        problems.append(_("公示结束日期不能早于开始日期"))
    elif working_days(start, end) < cfg.notice_min_working_days:
        problems.append(_("公示期不少于 %(n)d 个工作日（不含周末和法定节假日）：从 %(s)s 开始，最早至 %(e)s 结束")
                        % {"n": cfg.notice_min_working_days, "s": start.isoformat(),
                           "e": add_working_days(start, cfg.notice_min_working_days).isoformat()})
    return problems


def open_public_notice(*, guide, start, end, actor, request=None, now=None):
    """Open the public notice of the provisional list; it starts today or later and lasts the minimum at least."""
    today = timezone.localdate(now or timezone.now())
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已公布"))
        problems = notice_problems(cfg, start, end, today=today)
        if problems:
            raise ReviewError("；".join(problems))
        if not Selection.objects.filter(declaration__guide=guide).exists():
            raise ReviewError(_("请先确定拟入选项目，再发布公示"))
        cfg.notice_start, cfg.notice_end, cfg.notice_opened_at = start, end, timezone.now()
        cfg.save()
        number_public_list(guide, published=False)
        record("review.open_notice", target=guide, actor=actor, request=request,
               summary=_("发布拟入选名单公示：%(s)s 至 %(e)s") % {"s": start.isoformat(), "e": end.isoformat()},
               data={"working_days": working_days(start, end)})
    return cfg


def add_years(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return date(day.year + years, day.month, calendar.monthrange(day.year + years, day.month)[1])


def outstanding_reviews(guide):
    """Active assignments on the guide's undecided projects whose review is not submitted."""
    return (Assignment.objects.filter(declaration__guide=guide, declaration__state=S.RECOMMENDED,
                                      state=Assignment.State.ACTIVE)
            .exclude(review__state=Review.State.SUBMITTED))


def publish_results(*, guide, actor, doc_number="", outstanding_reason="", now=None, request=None):
    """Release the decision: selected / not selected states, demonstration periods, the public page, notifications.

    Refused while assigned reviews are outstanding, unless the admin gives the reason (it is audited).
    """
    now = now or timezone.now()
    outstanding_reason = (outstanding_reason or "").strip()
    today = timezone.localdate(now)
    with transaction.atomic():
        cfg = ReviewSettings.objects.select_for_update().get(pk=settings_for(guide).pk)
        if cfg.is_published:
            raise ReviewError(_("评审结果已于 %(t)s 公布") % {"t": timezone.localtime(cfg.published_at).strftime("%Y-%m-%d")})
        if not cfg.notice_open:
            raise ReviewError(_("请先发布公示，公示期结束后再公布名单"))
        if today <= cfg.notice_end:
            raise ReviewError(_("公示期至 %(d)s 结束，结束后才能公布名单") % {"d": cfg.notice_end.isoformat()})
        pending = outstanding_reviews(guide).count()
        if pending and len(outstanding_reason) < OUTSTANDING_REASON_MIN:
            raise ReviewError(_("尚有 %(n)d 份已分配的评审未提交评分。请待专家提交，或填写不再等待的理由"
                                "（至少 %(m)d 个字，将记入审计记录）后再公布") % {"n": pending, "m": OUTSTANDING_REASON_MIN})
        selected = set(Selection.objects.filter(declaration__guide=guide).values_list("declaration_id", flat=True))
        end = add_years(today, guide.demo_period_years)
        decls = list(Declaration.objects.filter(guide=guide, state=S.RECOMMENDED)
                     .select_related("organisation", "unit").order_by("pk"))
        for decl in decls:
            if decl.pk in selected:
                transition(decl, S.SELECTED, actor=actor, request=request, demo_period_end=end,
                           summary=_("入选试点示范项目，示范期至 %(end)s") % {"end": end.isoformat()})
            else:
                transition(decl, S.NOT_SELECTED, actor=actor, request=request, summary=_("未入选试点示范项目"))
        cfg.published_at = now
        cfg.publication_doc_number = doc_number.strip()[:80]
        cfg.save()
        number_public_list(guide, published=True)
        record("review.publish", target=guide, actor=actor, request=request, reason=outstanding_reason if pending else "",
               summary=_("公布评审结果：入选 %(n)d 个项目，示范期至 %(end)s") % {"n": len(selected), "end": end.isoformat()},
               data={"selected": sorted(selected), "demo_period_end": end.isoformat(), "outstanding_reviews": pending})
        _notify_results(guide, decls, selected, end)
    return cfg


def _notify_results(guide, decls, selected, end):
    """Each applicant learns its project's result, each recommending unit its tally: bulk, after commit."""
    url = reverse("review:results_guide", args=[guide.pk])
    names = {"guide": guide.title, "end": end.isoformat()}
    notify_stage([d for d in decls if d.pk in selected], "selected", url=url, kind="results_published", **names)
    notify_stage([d for d in decls if d.pk not in selected], "not_selected", url=url, kind="results_published",
                 **names)
    per_unit = {}
    for decl in decls:
        if decl.unit_id:
            per_unit.setdefault(decl.unit_id, [0, 0])[0 if decl.pk in selected else 1] += 1
    if per_unit:
        transaction.on_commit(lambda: _notify_units(guide, per_unit, url))


def _notify_units(guide, per_unit, url):
    from django.contrib.auth import get_user_model

    messages = []
    for u in get_user_model().objects.filter(unit_id__in=per_unit, is_active=True):
        n_ok, n_no = per_unit[u.unit_id]
        messages.append((u, _("评审结果已公布"),
                         _("“%(guide)s”评审结果已公布：贵单位推荐的项目入选 %(ok)d 个，未入选 %(no)d 个。")
                         % {"guide": guide, "ok": n_ok, "no": n_no}, url, f"results:{guide.pk}:unit{u.unit_id}:{u.pk}"))
    notify_many(messages, kind="results_published")
