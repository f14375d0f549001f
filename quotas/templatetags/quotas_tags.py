from django import template
from django.template.loader import get_template

register = template.Library()


@register.simple_tag(takes_context=True)
def optional_include(context, name, fallback=""):
    """Include a template another app provides, if it exists yet (the documents room's letter block)."""
    try:
        tpl = get_template(name)
    except template.TemplateDoesNotExist:
        return fallback
    return tpl.render(context.flatten(), context.get("request"))
