"""Cheap rendering for the application form, the page every applicant keeps open before a deadline.

crispy-forms renders each field through a chain of templates and filters (half of the edit page's time);
here the Bootstrap classes are set on the widgets once, in Python, and one small template lays out a
field (`declarations/_field.html`). Choice fields get their options from a list the form loaded once,
instead of a query per rendering of each field.
"""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

_WIDGET_CLASSES = (
    (forms.CheckboxSelectMultiple, "form-check-input"),
    (forms.RadioSelect, "form-check-input"),
    (forms.CheckboxInput, "form-check-input"),
    (forms.Select, "form-select"),
    (forms.HiddenInput, ""),
)


def widget_class(widget):
    for kind, css in _WIDGET_CLASSES:
        if isinstance(widget, kind):
            return css
    return "form-control"


class BootstrapBoundField(forms.BoundField):
    """Marks a field with errors `is-invalid` so Bootstrap outlines it (what crispy did per field)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if self.errors:  # these attrs replace the widget's own class: keep it
            base = attrs.get("class") or (widget or self.field.widget).attrs.get("class", "")
            attrs["class"] = f"{base} is-invalid".strip()
        return attrs


def bootstrap(form):
    """Give every visible widget of `form` its Bootstrap class once."""
    for field in form.fields.values():
        css = widget_class(field.widget)
        if css and css not in field.widget.attrs.get("class", ""):
            field.widget.attrs["class"] = f"{field.widget.attrs.get('class', '')} {css}".strip()


class _ListChoices(ModelChoiceIterator):
    """A model choice field's options from objects loaded at most once (none for a form never rendered)."""

    def __init__(self, field, objects):
        super().__init__(field)
        self._objects = objects

    @property
    def objects(self):
        if not isinstance(self._objects, list):
            self._objects = list(self._objects)
        return self._objects

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.objects:
            yield self.choice(obj)

    def __len__(self):
        return len(self.objects) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.objects)


def choices_from(field, queryset, objects):
    """Validate `field` against `queryset` (server side, as before) but render it from `objects`: a list
    already loaded, or a queryset read once when the field is first rendered."""
    field.queryset = queryset
    field.choices = _ListChoices(field, objects)


def _attrs(attrs):
    # As django/forms/widgets/attrs.html: False drops the attribute, True writes it bare.
    return "".join("" if v is False else f" {k}" if v is True else f' {k}="{conditional_escape(str(v))}"'
                   for k, v in attrs.items())


def _input(w):
    value = "" if w["value"] is None else f' value="{conditional_escape(str(w["value"]))}"'
    return f'<input type="{w["type"]}" name="{w["name"]}"{value}{_attrs(w["attrs"])}>'


def _textarea(w):
    return f'<textarea name="{w["name"]}"{_attrs(w["attrs"])}>\n{conditional_escape(w["value"] or "")}</textarea>'


def _select(w):
    parts = [f'<select name="{w["name"]}"{_attrs(w["attrs"])}>']
    for group_name, options, _index in w["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{conditional_escape(group_name)}">')
        parts += [f'<option value="{conditional_escape(str(o["value"]))}"{_attrs(o["attrs"])}>'
                  f'{conditional_escape(o["label"])}</option>' for o in options]
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return "\n".join(parts)


_PY_WIDGETS = {f"django/forms/widgets/{name}.html": _input for name in (
    "input", "text", "number", "email", "hidden", "checkbox", "file", "tel", "url", "password")}
_PY_WIDGETS.update({"django/forms/widgets/textarea.html": _textarea, "django/forms/widgets/select.html": _select})


class PlainWidgetRenderer(DjangoTemplates):
    """Django's form renderer, but the plain widgets (inputs, textareas, selects) are written in Python with the
    markup of Django's own widget templates: a select of 20 options was 21 template renders."""

    def render(self, template_name, context, request=None):
        write = _PY_WIDGETS.get(template_name)
        if write is None:
            return super().render(template_name, context, request)
        return mark_safe(write(context["widget"]))


# One instance: a renderer builds its template engine once (a class here would build one per form).
PLAIN_RENDERER = PlainWidgetRenderer()


class LeanFormMixin:
    """For a form laid out with `declarations/_field.html`: Bootstrap classes set once, plain widgets in Python."""

    bound_field_class = BootstrapBoundField
    default_renderer = PLAIN_RENDERER

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bootstrap(self)
