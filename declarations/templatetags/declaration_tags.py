from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def time_left(deadline, now=None):
    """'12 天 3 小时' / '5 小时 20 分钟' / '已截止': what an applicant needs to plan by."""
    if deadline is None:
        return _("未设截止时间")
    seconds = int((deadline - (now or timezone.now())).total_seconds())
    if seconds <= 0:
        return _("已截止")
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(d)d 天 %(h)d 小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d 小时 %(m)d 分钟") % {"h": hours, "m": minutes}
    return _("%(m)d 分钟") % {"m": max(minutes, 1)}


@register.filter
def closing_soon(deadline, days=3):
    return deadline is not None and timezone.now() < deadline <= timezone.now() + timedelta(days=int(days))
