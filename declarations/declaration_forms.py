"""The application form (申报书) an applicant edits, autosaves and submits.

Owns `DeclarationForm` (drafts may be incomplete; completeness is checked at submit) and the
`JSONListField` its repeated rows (intellectual property, application cases) are posted through.
Rendered field by field with declarations/_field.html (see declarations.fields), not crispy.
"""

import json

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.jurisdiction import reachable_units
from units.models import Unit

from .fields import PLAIN_RENDERER, BootstrapBoundField, bootstrap, choices_from
from .forms import SpecificMessagesMixin
from .guide_cache import guide_directions, guide_rules
from .models import Declaration, Direction, Rule


class JSONListField(forms.CharField):
    """A list of small records edited as rows in the page and posted as JSON."""

    def __init__(self, *, keys, required_key, max_items=50, **kwargs):
        # keys: {key: max length}; rows missing the required key are kept in a draft and refused at submit.
        self.keys, self.required_key, self.max_items = keys, required_key, max_items
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return json.dumps(value, ensure_ascii=False)
        return value

    def to_python(self, value):
        if value in (None, ""):
            return []
        if isinstance(value, list):
            items = value
        else:
            try:
                items = json.loads(value)
            except (TypeError, ValueError):
                raise forms.ValidationError(_("列表数据格式不正确，请刷新页面后重试"))
        if not isinstance(items, list):
            raise forms.ValidationError(_("列表数据格式不正确，请刷新页面后重试"))
        if len(items) > self.max_items:
            raise forms.ValidationError(_("“%(label)s”最多填写 %(n)d 行，当前 %(have)d 行") % {
                "label": self.label, "n": self.max_items, "have": len(items)})
        rows = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise forms.ValidationError(_("“%(label)s”第 %(i)d 行格式不正确，请刷新页面后重试") % {
                    "label": self.label, "i": i})
            row = {}
            for key, max_len in self.keys.items():
                v = item.get(key, "")
                if not isinstance(v, str):
                    v = str(v)
                v = "".join(ch for ch in v.strip() if ch.isprintable() or ch == "\n")
                if len(v) > max_len:
                    raise forms.ValidationError(_("“%(label)s”第 %(i)d 行有一项超过 %(n)d 字，请精简") % {
                        "label": self.label, "i": i, "n": max_len})
                row[key] = v
            if not any(row.values()):
                continue  # an empty row the user added and left
            rows.append(row)
        return rows


class DeclarationForm(SpecificMessagesMixin, forms.ModelForm):
    """The application form. Drafts may be incomplete; completeness is checked at submit.

    Rendered field by field with `declarations/_field.html` (see declarations.fields), not crispy.
    """

    bound_field_class = BootstrapBoundField
    default_renderer = PLAIN_RENDERER

    version = forms.IntegerField(widget=forms.HiddenInput)
    ip_items = JSONListField(label=gettext_lazy("自主知识产权"), required_key="title",
                             keys={"kind": 20, "title": 100, "number": 50})
    cases = JSONListField(label=gettext_lazy("应用案例"), required_key="name",
                          keys={"name": 100, "customer": 100, "description": 500})

    SECTIONS = [
        (gettext_lazy("基本信息"), ["project_name", "direction", "extra_directions", "applicant_role",
                                   "construction_status", "unit"]),
        (gettext_lazy("项目内容"), ["summary", "innovation"]),
        (gettext_lazy("知识产权与应用案例"), ["ip_items", "cases"]),
        (gettext_lazy("效益与推广"), ["benefits", "promotion", "open_source"]),
        (gettext_lazy("申报承诺"), ["stats_report_filed", "stats_report_year"]),
    ]
    TEXT_LIMITS = {"summary": 2000, "innovation": 3000, "benefits": 2000, "promotion": 2000, "open_source": 1500}

    class Meta:
        model = Declaration
        # extra_directions is added in __init__ only for guides that allow several directions (one query less).
        fields = ["project_name", "direction", "applicant_role", "construction_status",
                  "unit", "summary", "innovation", "ip_items", "cases", "benefits", "promotion", "open_source",
                  "stats_report_filed", "stats_report_year"]
        widgets = {f: forms.Textarea(attrs={"rows": 5}) for f in
                   ["summary", "innovation", "benefits", "promotion", "open_source"]}

    def __init__(self, *args, declaration, **kwargs):
        super().__init__(*args, instance=declaration, **kwargs)
        guide = declaration.guide
        self.fields["version"].initial = declaration.version
        # One query for the directions: the role question, the case rules and both direction fields use it.
        direction_qs = Direction.objects.filter(guide=guide).select_related("category")
        directions = guide_directions(guide)  # cached under the guide's data version
        self.directions = directions
        rules = [r for r in guide_rules(guide) if r.is_active]
        choices_from(self.fields["direction"], direction_qs, directions)
        self.fields["direction"].label_from_instance = lambda d: f"{d.code}. {d.name}（{d.category.name}）"
        self.fields["direction"].help_text = _("各方向的需求要点和申报条件见指南页面")
        split = [d.code for d in directions if d.role_split]
        if split:
            # The page hides the role question unless a direction that asks it is chosen.
            self.fields["direction"].widget.attrs["data-role-split"] = ",".join(
                str(d.pk) for d in directions if d.role_split)
            self.fields["applicant_role"].help_text = _("仅方向 %(codes)s 需要选择：数据要素拥有方或技术服务提供方") % {
                "codes": "、".join(split)}
        else:
            del self.fields["applicant_role"]
        case_rules = [r for r in rules if r.kind == Rule.Kind.MIN_CASES]
        if case_rules:
            by_code = {d.pk: d.code for d in directions}
            self.fields["cases"].help_text = _("每行一个案例（或部署企业、应用场景、典型模式）。最低数量：%(list)s") % {
                "list": "；".join(
                    _("方向 %(code)s%(role)s不少于 %(n)s 个%(label)s") % {
                        "code": by_code.get(r.direction_id, _("全部")),
                        "role": ("（%s）" % Declaration.Role(r.params["role"]).label)
                        if (r.params or {}).get("role") in Declaration.Role.values else "",
                        "n": (r.params or {}).get("min"), "label": (r.params or {}).get("label") or _("应用案例")}
                    for r in case_rules)}
        stats = next((r for r in rules if r.kind == Rule.Kind.STATS_REPORT), None)
        if stats is None:
            del self.fields["stats_report_filed"], self.fields["stats_report_year"]
        else:
            year = (stats.params or {}).get("report_year")
            if year:
                self.fields["stats_report_filed"].label = _(
                    "本单位已在工业和信息化部运行监测系统完成 %(year)s 年度统计报表填报") % {"year": year}
                self.fields["stats_report_year"].help_text = _("本指南要求填写 %(year)s") % {"year": year}
        self.fields["ip_items"].help_text = _("每行一项专利、软件著作权或其他知识产权，写明登记号或专利号")
        if guide.max_directions > 1:
            field = Declaration._meta.get_field("extra_directions").formfield(widget=forms.CheckboxSelectMultiple)
            self.fields["extra_directions"] = field
            choices_from(field, direction_qs, directions)
            self._saved_extra = [d.pk for d in declaration.extra_directions.all()]
            self.initial.setdefault("extra_directions", self._saved_extra)
            self.fields["extra_directions"].help_text = _("本指南每个项目最多可选 %(n)d 个方向（含上面的主方向）") % {
                "n": guide.max_directions}
        org = declaration.organisation
        # The unit follows from where the organisation is; a group is offered only after it accepted the membership.
        self.derived_unit, groups = reachable_units(org, guide)
        options = sorted(([self.derived_unit] if self.derived_unit else []) + groups, key=lambda u: (u.kind, u.name))
        choices_from(self.fields["unit"], Unit.objects.filter(pk__in=[u.pk for u in options]), options)
        self.fields["unit"].label_from_instance = lambda u: f"{u.name}（{u.get_kind_display()}）"
        self.fields["unit"].empty_label = None
        self.fields["unit"].initial = self.derived_unit.pk if self.derived_unit else None
        self.fields["unit"].help_text = (
            _("按贵单位所在地（%(place)s）确定为“%(unit)s”。中央企业集团下属单位经集团确认隶属关系后，可改选集团。") % {
                "place": org.division_display, "unit": self.derived_unit}
            if self.derived_unit else _("贵单位所在地（%(place)s）暂无推荐单位，请联系主管部门") % {
                "place": org.division_display})
        for name, limit in self.TEXT_LIMITS.items():
            self.fields[name].max_length = limit
            self.fields[name].validators.append(MaxLengthValidator(limit))
            self.fields[name].widget.attrs["maxlength"] = limit
        if "stats_report_year" in self.fields:
            self.fields["stats_report_year"].widget.attrs.update({"min": 2015, "max": 2100})
        self.set_specific_messages()
        self.fields["version"].error_messages["required"] = _("页面数据不完整，请刷新页面后重试")
        bootstrap(self)

    def saved_directions(self):
        """The declaration's directions as saved (main first, then the extra ones), from the list the form loaded:
        what `Declaration.all_directions()` reads with two more queries."""
        by_pk = {d.pk: d for d in self.directions}
        instance = self.instance
        main = by_pk.get(instance.direction_id) if instance.direction_id else None
        if instance.direction_id and main is None:  # a direction of another guide: read as the model does
            return instance.all_directions()
        result = [main] if main else []
        for pk in getattr(self, "_saved_extra", []):
            if pk != instance.direction_id and pk in by_pk and by_pk[pk] not in result:
                result.append(by_pk[pk])
        return result

    def clean_stats_report_year(self):
        year = self.cleaned_data.get("stats_report_year")
        if year is not None and not (2015 <= year <= 2100):
            raise forms.ValidationError(_("统计报表年度请填写 2015–2100 之间的四位年份，例如 2021"))
        return year

    def clean(self):
        data = super().clean()
        extra = data.get("extra_directions")
        if extra is not None:
            total = len({d.pk for d in extra} | ({data["direction"].pk} if data.get("direction") else set()))
            limit = self.instance.guide.max_directions
            if total > limit:
                self.add_error("extra_directions", _("本指南每个项目最多选择 %(n)d 个方向（含主方向），当前选择了 %(have)d 个")
                               % {"n": limit, "have": total})
        return data

    def draft_values(self):
        """Field values for save_draft (without the many-to-many field)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "extra_directions")}
        for name in ("unit", "direction"):
            if name in data:
                value = data.pop(name)
                data[f"{name}_id"] = value.pk if value else None
        if "unit_id" in data and data["unit_id"] is None and self.derived_unit is not None:
            data["unit_id"] = self.derived_unit.pk
        for k in ("project_name", "summary", "innovation", "benefits", "promotion", "open_source",
                  "applicant_role", "construction_status"):
            if k in self.fields:
                data[k] = data.get(k) or ""
        if "project_name" in data:
            data["project_name"] = " ".join(data["project_name"].split())
        return data
