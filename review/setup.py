"""The review's set-up for one guide: its settings, scoring sheets and panels.

Owns `ReviewSettings` (created on first use), the default scoring sheet with the 2021 notice's four
dimensions, which sheet and panel apply to a declaration, and the ministry's edits of panels and
settings. Assignment, scoring and selection read their rules from here.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _

from core.audit import record
from declarations.guide_cache import bump_guide_version

from .base import ReviewError
from .models import Criterion, Panel, ReviewerProfile, ReviewSettings, ScoringSheet

# The four dimensions the 2021 notice names, to 100 points: each scored out of 100, weighted.
DEFAULT_CRITERIA = [
    ("项目综合实力", "申报主体的综合实力、项目建设基础与组织保障，数据资源与基础设施条件。", 100, "0.30"),
    ("关键技术创新", "技术先进性、关键创新点与自主知识产权，对开源框架与工具的贡献。", 100, "0.30"),
    ("经济社会效益", "已取得的经济效益和社会效益，应用案例的规模与实效。", 100, "0.20"),
    ("产业化推广价值", "在行业内复制推广的价值、可推广的模式与带动作用。", 100, "0.20"),
]


def settings_for(guide):
    obj, _created = ReviewSettings.objects.get_or_create(guide=guide)
    return obj


def ensure_default_sheet(guide, criteria=None):
    """The guide's default sheet, created with the 2021 dimensions (or `criteria` from a data file) if missing."""
    sheet, created = ScoringSheet.objects.get_or_create(guide=guide, direction=None,
                                                        defaults={"name": _("默认评分表")})
    if created:
        rows = criteria or [{"name": n, "guidance": g, "max_points": m, "weight": w}
                            for n, g, m, w in DEFAULT_CRITERIA]
        Criterion.objects.bulk_create([
            Criterion(sheet=sheet, name=r["name"], guidance=r.get("guidance", ""),
                      max_points=Decimal(str(r["max_points"])), weight=Decimal(str(r.get("weight", 1))), order=i)
            for i, r in enumerate(rows)])
        bump_guide_version(guide)
    return sheet


def sheet_for(declaration):
    """The direction's own sheet if it has one, else the guide's default."""
    # One query for both (the direction's sheet sorts first), with the criteria prefetched.
    sheet = (ScoringSheet.objects.filter(Q(direction_id=declaration.direction_id) | Q(direction__isnull=True),
                                         guide_id=declaration.guide_id)
             .order_by(F("direction_id").asc(nulls_last=True)).prefetch_related("criteria").first())
    return sheet or ensure_default_sheet(declaration.guide)


def sheet_max_total(criteria):
    return sum((c.max_points * c.weight for c in criteria), Decimal(0))


def panel_of(declaration):
    return Panel.objects.filter(guide_id=declaration.guide_id, directions=declaration.direction_id).first()


def profile_of(user):
    return ReviewerProfile.objects.filter(user=user).first()


# ---------------------------------------------------------------- assignment


def save_panel(*, guide, actor, name, directions, reviewers, panel=None, min_reviews=None, request=None):
    """Create or change a panel. A direction belongs to at most one panel of a guide."""
    name = (name or "").strip()
    if not name:
        raise ReviewError(_("请填写评审组名称"), {"name": _("请填写评审组名称")})
    with transaction.atomic():
        settings_for(guide)
        ReviewSettings.objects.select_for_update().get(guide=guide)  # one panel edit at a time per guide
        if Panel.objects.filter(guide=guide, name=name).exclude(pk=getattr(panel, "pk", None)).exists():
            raise ReviewError(_("本指南已有名为“%(name)s”的评审组") % {"name": name},
                              {"name": _("本指南已有名为“%(name)s”的评审组") % {"name": name}})
        for d in directions:
            if d.guide_id != guide.pk:
                raise ReviewError(_("所选方向不属于本指南"), {"directions": _("所选方向不属于本指南")})
            other = Panel.objects.filter(guide=guide, directions=d).exclude(pk=getattr(panel, "pk", None)).first()
            if other:
                msg = _("方向“%(dir)s”已属于评审组“%(panel)s”") % {"dir": d, "panel": other.name}
                raise ReviewError(msg, {"directions": msg})
        created = panel is None
        if created:
            panel = Panel.objects.create(guide=guide, name=name, min_reviews=min_reviews or 1)
        else:
            panel.name = name
            if min_reviews is not None:
                panel.min_reviews = min_reviews
            panel.save(update_fields=["name", "min_reviews"])
        panel.directions.set(directions)
        panel.reviewers.set(reviewers)
        record("review.panel", target=guide, actor=actor, request=request,
               summary=(_("新建评审组“%(name)s”") if created else _("修改评审组“%(name)s”")) % {"name": name},
               data={"panel": panel.pk, "min_reviews": panel.min_reviews, "directions": [d.pk for d in directions],
                     "reviewers": [u.pk for u in reviewers]})
    return panel


def update_settings(*, guide, actor, request=None, **values):
    with transaction.atomic():
        cfg = settings_for(guide)
        changed = {}
        for k, v in values.items():
            if getattr(cfg, k) != v:
                changed[k] = str(v)
                setattr(cfg, k, v)
        if changed:
            cfg.save()
            record("review.settings", target=guide, actor=actor, request=request,
                   summary=_("修改评审设置"), data=changed)
    return cfg
