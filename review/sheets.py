"""Scoring sheets edited in the site. One transaction and one audit record per save.

A sheet's weights are fractions (1 = 100 %); the page shows and takes them as whole percentages.
"""

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import record
from declarations.guide_cache import bump_guide_version

from .models import Criterion, ReviewSettings, Score, ScoringSheet
from .base import ReviewError
from .setup import settings_for

HUNDRED = Decimal(100)


def percent(weight):
    """A stored weight (0.30) as the whole percentage the page shows (30)."""
    return int((weight * HUNDRED).to_integral_value())


def _same_criteria(sheet, rows):
    old = [(c.name, c.guidance, c.max_points, c.weight) for c in sheet.criteria.all()]
    new = [(r["name"].strip(), r.get("guidance", "").strip(), Decimal(r["max_points"]), Decimal(r["weight_percent"]) / HUNDRED)
           for r in rows]
    return old == new


def save_scoring_sheet(*, guide, actor, name, direction, criteria, sheet=None, request=None):
    """Create or change a sheet of `guide` with `criteria`, a list of dicts
    (name, guidance, max_points, weight_percent) in display order.

    Refused: no criteria, weights not adding up to 100 %, a second sheet for the same direction
    (or a second default sheet), and any change to the criteria once a reviewer has scored with them.
    """
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写评分表名称")
    if direction is not None and direction.guide_id != guide.pk:
        errors["direction"] = _("所选方向不属于本指南")
    if not criteria:
        errors["__all__"] = _("评分表至少需要一个评分项")
    else:
        total = sum(int(r["weight_percent"]) for r in criteria)
        if total != 100:
            errors["__all__"] = _("各评分项权重合计须为 100%%，当前合计 %(total)d%%") % {"total": total}
    if errors:
        raise ReviewError(next(iter(errors.values())), errors)
    with transaction.atomic():
        settings_for(guide)
        ReviewSettings.objects.select_for_update().get(guide=guide)  # one sheet edit at a time per guide
        clash = ScoringSheet.objects.filter(guide=guide, direction=direction).exclude(pk=getattr(sheet, "pk", None))
        if clash.exists():
            msg = (_("方向“%(dir)s”已有评分表") % {"dir": direction} if direction is not None
                   else _("本指南已有默认评分表"))
            raise ReviewError(msg, {"direction": msg})
        created = sheet is None
        if created:
            sheet = ScoringSheet.objects.create(guide=guide, direction=direction, name=name)
        else:
            scored = Score.objects.filter(criterion__sheet=sheet).exists()
            if scored and (direction != sheet.direction or not _same_criteria(sheet, criteria)):
                msg = _("已有专家按此评分表评分，评分项和适用方向不能再修改（可修改名称）")
                raise ReviewError(msg, {"__all__": msg})
            sheet.name, sheet.direction = name, direction
            sheet.save(update_fields=["name", "direction"])
            if not scored:
                sheet.criteria.all().delete()
        if created or not sheet.criteria.exists():
            Criterion.objects.bulk_create([
                Criterion(sheet=sheet, name=r["name"].strip(), guidance=r.get("guidance", "").strip(),
                          max_points=Decimal(r["max_points"]), weight=Decimal(r["weight_percent"]) / HUNDRED,
                          order=i) for i, r in enumerate(criteria)])
        bump_guide_version(guide)
        record("review.sheet", target=guide, actor=actor, request=request,
               summary=(_("新建评分表“%(name)s”") if created else _("修改评分表“%(name)s”")) % {"name": name},
               data={"sheet": sheet.pk, "direction": getattr(direction, "pk", None),
                     "criteria": [[r["name"], str(r["max_points"]), int(r["weight_percent"])] for r in criteria]})
    return sheet
