"""The review's part of a guide: its scoring sheet (from the data file's "scoring" key, else the default)."""

from .models import Criterion, DirectionSetting, ReviewSettings, ScoringSheet
from .setup import ensure_default_sheet


def on_guide_loaded(sender, *, guide, data, **kwargs):
    cfg, _created = ReviewSettings.objects.get_or_create(guide=guide)
    days = (data or {}).get("notice_min_working_days")
    if days and cfg.notice_min_working_days != int(days):
        cfg.notice_min_working_days = int(days)
        cfg.save(update_fields=["notice_min_working_days"])
    ensure_default_sheet(guide, (data or {}).get("scoring"))


def on_guide_copied(sender, *, source, copy, **kwargs):
    """A copied guide gets the source's settings and sheets (direction sheets map by direction code)."""
    src = ReviewSettings.objects.filter(guide=source).first()
    if src and not ReviewSettings.objects.filter(guide=copy).exists():
        ReviewSettings.objects.create(guide=copy, blind=src.blind, region_conflict=src.region_conflict,
                                      reviewers_per_declaration=src.reviewers_per_declaration,
                                      disagreement_threshold=src.disagreement_threshold,
                                      notice_min_working_days=src.notice_min_working_days)
    directions = {d.code: d for d in copy.directions.all()}
    for setting in DirectionSetting.objects.filter(direction__guide=source).select_related("direction"):
        if setting.direction.code in directions:
            DirectionSetting.objects.get_or_create(direction=directions[setting.direction.code],
                                                   defaults={"selection_limit": setting.selection_limit})
    for sheet in ScoringSheet.objects.filter(guide=source).select_related("direction").prefetch_related("criteria"):
        direction = directions.get(sheet.direction.code) if sheet.direction_id else None
        if sheet.direction_id and direction is None:
            continue
        if ScoringSheet.objects.filter(guide=copy, direction=direction).exists():
            continue
        new = ScoringSheet.objects.create(guide=copy, direction=direction, name=sheet.name)
        Criterion.objects.bulk_create([
            Criterion(sheet=new, name=c.name, guidance=c.guidance, max_points=c.max_points, weight=c.weight,
                      order=c.order) for c in sheet.criteria.all()])
