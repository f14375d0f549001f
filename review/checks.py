"""The review's lines of a guide's publishing checklist (declarations.signals.guide_publish_checks)."""

from django.utils.translation import gettext as _

from declarations.guide_admin import ChecklistItem

from .models import ScoringSheet


def scoring_checks(sender, *, guide, **kwargs):
    sheets = list(ScoringSheet.objects.filter(guide=guide).select_related("direction").prefetch_related("criteria"))
    if not sheets:
        return [ChecklistItem(_("评分表"), _("尚未设置评分表"))]
    problems = [p for p in (sheet.check_weights() for sheet in sheets) if p]
    return [ChecklistItem(_("评分表（权重合计 100%）"), "；".join(problems))]
