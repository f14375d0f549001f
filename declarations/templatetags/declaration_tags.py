from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
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


@register.simple_tag
def form_field(field):
    """One form field with its label, help text and errors: the markup of declarations/_field.html written in
    Python. The edit page shows about twenty; including the template for each cost a sixth of the page."""
    help_text = (format_html('<div id="{}_helptext" class="form-text">{}</div>', field.auto_id, field.help_text)
                 if field.help_text else "")
    errors = format_html_join("", '<div class="invalid-feedback d-block">{}</div>', ((e,) for e in field.errors))
    widget_type = field.widget_type
    if widget_type == "checkbox":
        return format_html('<div class="mb-3"><div id="div_{}" class="form-check">{}<label for="{}" '
                           'class="form-check-label">{}</label>{}{}</div></div>', field.auto_id, field,
                           field.id_for_label, field.label, help_text, errors)
    required = field.field.required
    label_class = "form-label requiredField" if required else "form-label"
    if widget_type == "checkboxselectmultiple":
        label = format_html('<label class="{}">', label_class)
        widget = format_html_join("", '<div class="form-check">{}<label for="{}" class="form-check-label">{}</label>'
                                  "</div>", ((box.tag(), box.id_for_label, box.choice_label) for box in field))
    else:
        label = format_html('<label for="{}" class="{}">', field.id_for_label, label_class)
        widget = field
    return format_html('<div id="div_{}" class="mb-3">{}{}{}</label>{}{}{}</div>', field.auto_id, label, field.label,
                       mark_safe('<span class="asteriskField">*</span>') if required else "", widget, help_text,
                       errors)
