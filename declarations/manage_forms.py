"""Forms of the ministry's guide management pages. Every field checked here, with a Chinese message."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import DCMM_LEVELS, Category, Declaration, Direction, Guide, Rule

DT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]


def dt_field(label, required=False):
    return forms.DateTimeField(
        label=label, required=required, input_formats=DT_FORMATS,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("请填写正确的日期时间，例如 2027-05-04 23:59"),
                        "required": _("请填写%(label)s") % {"label": label}})


class CopyGuideForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("复制哪一年的指南"), queryset=Guide.objects.all(),
                                    error_messages={"required": gettext_lazy("请选择要复制的指南"),
                                                    "invalid_choice": gettext_lazy("所选指南不存在")})
    year = forms.IntegerField(label=gettext_lazy("新指南年度"), min_value=2000, max_value=2100,
                              error_messages={"required": gettext_lazy("请填写年度"),
                                              "invalid": gettext_lazy("年度须为四位数字"),
                                              "min_value": gettext_lazy("年度须在 2000 至 2100 之间"),
                                              "max_value": gettext_lazy("年度须在 2000 至 2100 之间")})
    title = forms.CharField(label=gettext_lazy("新指南标题"), max_length=200, required=False,
                            help_text=gettext_lazy("留空则把原标题中的年份替换为新年度"),
                            error_messages={"max_length": gettext_lazy("标题不能超过 200 个字")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        latest = Guide.objects.order_by("-year", "-id").first()
        if latest and not self.is_bound:
            self.initial.setdefault("source", latest.pk)
            self.initial.setdefault("year", latest.year + 1)


class GuideForm(forms.ModelForm):
    applicant_deadline = dt_field(gettext_lazy("申报截止时间"))
    unit_deadline = dt_field(gettext_lazy("推荐单位确认截止时间"))

    class Meta:
        model = Guide
        fields = ["year", "title", "doc_number", "applicant_deadline", "unit_deadline", "max_directions",
                  "demo_period_years", "quota_exempt_dcmm_min", "programme_name", "consortium_allowed",
                  "consortium_max_members", "notes"]
        error_messages = {
            "year": {"required": gettext_lazy("请填写年度"), "invalid": gettext_lazy("年度须为数字")},
            "title": {"required": gettext_lazy("请填写标题"), "max_length": gettext_lazy("标题不能超过 200 个字")},
            "doc_number": {"max_length": gettext_lazy("文号不能超过 80 个字")},
            "max_directions": {"required": gettext_lazy("请填写每个项目可选方向数"),
                               "min_value": gettext_lazy("每个项目至少可选 1 个方向"),
                               "max_value": gettext_lazy("每个项目最多可选 5 个方向")},
            "demo_period_years": {"required": gettext_lazy("请填写示范期年数")},
            "programme_name": {"required": gettext_lazy("请填写项目类别名称，例如“示范项目”"),
                               "max_length": gettext_lazy("项目类别名称不能超过 30 个字")},
            "consortium_max_members": {"min_value": gettext_lazy("联合体成员单位上限至少为 1 家，留空表示不限"),
                                       "max_value": gettext_lazy("联合体成员单位上限不能超过 20 家")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.is_published:
            for name in ("applicant_deadline", "unit_deadline"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("指南已发布，请使用“延期”修改截止时间")

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError(_("年度须在 2000 至 2100 之间"))
        return year

    def clean_demo_period_years(self):
        n = self.cleaned_data["demo_period_years"]
        if not 1 <= n <= 10:
            raise forms.ValidationError(_("示范期须在 1 至 10 年之间"))
        return n

    def clean_quota_exempt_dcmm_min(self):
        n = self.cleaned_data.get("quota_exempt_dcmm_min")
        if n is not None and not 1 <= n <= 5:
            raise forms.ValidationError(_("DCMM 等级须在 1 至 5 之间，留空表示无豁免"))
        return n

    def clean(self):
        data = super().clean()
        a, u = data.get("applicant_deadline"), data.get("unit_deadline")
        if a and u and u < a:
            self.add_error("unit_deadline", _("推荐单位确认截止时间不能早于申报截止时间"))
        return data

    def changes(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.cleaned_data}


class DeadlineExtensionForm(forms.Form):
    applicant_deadline = dt_field(gettext_lazy("新的申报截止时间"))
    unit_deadline = dt_field(gettext_lazy("新的推荐单位确认截止时间"))
    reason = forms.CharField(label=gettext_lazy("延期理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": gettext_lazy("请填写延期理由"),
                                             "max_length": gettext_lazy("理由不能超过 1000 个字")})

    def __init__(self, *args, guide, **kwargs):
        self.guide = guide
        super().__init__(*args, **kwargs)

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 4:
            raise forms.ValidationError(_("请具体说明延期理由（至少 4 个字）"))
        return reason

    def clean(self):
        data = super().clean()
        a, u = data.get("applicant_deadline"), data.get("unit_deadline")
        if not a and not u and not self.errors:
            raise forms.ValidationError(_("请至少填写一个新的截止时间"))
        for name, new in (("applicant_deadline", a), ("unit_deadline", u)):
            old = getattr(self.guide, name)
            if new and old and new <= old:
                self.add_error(name, _("须晚于原截止时间 %(old)s") % {
                    "old": timezone.localtime(old).strftime("%Y-%m-%d %H:%M")})
        return data


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["code", "name", "order"]
        error_messages = {
            "code": {"required": gettext_lazy("请填写领域编号"), "max_length": gettext_lazy("编号不能超过 10 个字")},
            "name": {"required": gettext_lazy("请填写领域名称"), "max_length": gettext_lazy("名称不能超过 100 个字")},
            "order": {"invalid": gettext_lazy("排序须为整数")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].required = False
        self.fields["order"].label = _("排序")


class DirectionForm(forms.ModelForm):
    class Meta:
        model = Direction
        fields = ["category", "code", "name", "requirements", "content", "outcomes", "role_split", "order"]
        widgets = {f: forms.Textarea(attrs={"rows": 4}) for f in ("requirements", "content", "outcomes")}
        error_messages = {
            "category": {"required": gettext_lazy("请选择所属领域"),
                         "invalid_choice": gettext_lazy("所选领域不属于本指南")},
            "code": {"required": gettext_lazy("请填写方向编号"), "max_length": gettext_lazy("编号不能超过 10 个字")},
            "name": {"required": gettext_lazy("请填写方向名称"), "max_length": gettext_lazy("名称不能超过 100 个字")},
            "order": {"invalid": gettext_lazy("排序须为整数")},
        }

    def __init__(self, *args, guide, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = guide.categories.all()
        self.fields["order"].required = False
        self.fields["order"].label = _("排序")
        for name in ("requirements", "content", "outcomes"):
            self.fields[name].validators.append(_max_len(5000))
            self.fields[name].widget.attrs["maxlength"] = 5000

    def direction_fields(self):
        return {k: self.cleaned_data.get(k) for k in self.Meta.fields}


def _max_len(n):
    def check(value):
        if value and len(value) > n:
            raise forms.ValidationError(_("不能超过 %(n)d 个字") % {"n": n})
    return check


ROLE_CHOICES = [("", gettext_lazy("不限")), ("owner", gettext_lazy("仅数据要素拥有方")),
                ("provider", gettext_lazy("仅技术服务提供方"))]
INDUSTRIAL_CHOICES = [("", gettext_lazy("不限")), ("yes", gettext_lazy("仅工业企业")),
                      ("no", gettext_lazy("仅非工业企业"))]


class RuleForm(forms.Form):
    """A rule's parameters as ordinary fields; clean() builds Rule.params for the chosen kind."""

    kind = forms.ChoiceField(label=gettext_lazy("规则类型"), choices=Rule.Kind.choices,
                             error_messages={"required": gettext_lazy("请选择规则类型"),
                                             "invalid_choice": gettext_lazy("未知的规则类型")})
    direction = forms.ModelChoiceField(label=gettext_lazy("仅适用于方向"), queryset=Direction.objects.none(),
                                       required=False, empty_label=gettext_lazy("全部方向"),
                                       error_messages={"invalid_choice": gettext_lazy("所选方向不属于本指南")})
    message = forms.CharField(label=gettext_lazy("不符合时的提示"), max_length=300, required=False,
                              error_messages={"max_length": gettext_lazy("提示不能超过 300 个字")})
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)
    level = forms.TypedChoiceField(label=gettext_lazy("DCMM 最低等级"), coerce=int, required=False,
                                   choices=[("", "—")] + [c for c in DCMM_LEVELS if c[0] > 0],
                                   error_messages={"invalid_choice": gettext_lazy("DCMM 等级须为 1 至 5 级")})
    role = forms.ChoiceField(label=gettext_lazy("适用的申报主体角色"), choices=ROLE_CHOICES, required=False,
                             error_messages={"invalid_choice": gettext_lazy("未知的申报主体角色")})
    industrial = forms.ChoiceField(label=gettext_lazy("适用的企业类型"), choices=INDUSTRIAL_CHOICES, required=False,
                                   error_messages={"invalid_choice": gettext_lazy("未知的企业类型")})
    applies_to = forms.ChoiceField(label=gettext_lazy("联合体申报时适用于"), choices=Rule.Scope.choices, required=False,
                                   help_text=gettext_lazy("仅对允许企业联合体申报的指南有意义；默认只看牵头单位。"),
                                   error_messages={"invalid_choice": gettext_lazy("未知的适用范围")})
    allowed = forms.MultipleChoiceField(label=gettext_lazy("允许的建设状态"), required=False,
                                        choices=Declaration.Construction.choices,
                                        widget=forms.CheckboxSelectMultiple,
                                        error_messages={"invalid_choice": gettext_lazy("未知的建设状态")})
    report_year = forms.IntegerField(label=gettext_lazy("统计报表年度"), required=False,
                                     error_messages={"invalid": gettext_lazy("年度须为四位数字")})
    min = forms.IntegerField(label=gettext_lazy("最少数量"), required=False,
                             error_messages={"invalid": gettext_lazy("最少数量须为整数")})
    label = forms.CharField(label=gettext_lazy("计数对象名称"), max_length=20, required=False,
                            help_text=gettext_lazy("例如“应用场景”“部署企业”"),
                            error_messages={"max_length": gettext_lazy("名称不能超过 20 个字")})

    PARAM_FIELDS = {
        Rule.Kind.DCMM_MIN: ["level", "role", "industrial", "applies_to"],
        Rule.Kind.CONSTRUCTION_STATUS: ["allowed"],
        Rule.Kind.STATS_REPORT: ["report_year"],
        Rule.Kind.MIN_CASES: ["min", "role", "label"],
    }

    def __init__(self, *args, guide, rule=None, **kwargs):
        if rule is not None and "initial" not in kwargs:
            p = rule.params or {}
            industrial = p.get("industrial")
            kwargs["initial"] = {
                "kind": rule.kind, "direction": rule.direction_id, "message": rule.message,
                "is_active": rule.is_active, "level": p.get("level"), "role": p.get("role") or "",
                "industrial": "" if industrial is None else ("yes" if industrial else "no"),
                "allowed": p.get("allowed") or [], "report_year": p.get("report_year"), "min": p.get("min"),
                "label": p.get("label") or "", "applies_to": p.get("applies_to") or Rule.Scope.LEAD,
            }
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = guide.directions.all()

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        params = {}
        if kind == Rule.Kind.DCMM_MIN:
            if not data.get("level"):
                self.add_error("level", _("请选择 DCMM 最低等级"))
            params = {"level": data.get("level"), "role": data.get("role") or None,
                      "industrial": {"yes": True, "no": False}.get(data.get("industrial"))}
            if data.get("applies_to") and data["applies_to"] != Rule.Scope.LEAD:
                params["applies_to"] = data["applies_to"]
        elif kind == Rule.Kind.CONSTRUCTION_STATUS:
            if not data.get("allowed"):
                self.add_error("allowed", _("请至少勾选一种允许的建设状态"))
            params = {"allowed": data.get("allowed") or []}
        elif kind == Rule.Kind.STATS_REPORT:
            year = data.get("report_year")
            if year is None:
                self.add_error("report_year", _("请填写须完成填报的统计报表年度"))
            elif not 2000 <= year <= 2100:
                self.add_error("report_year", _("统计报表年度须在 2000 至 2100 之间"))
            params = {"report_year": year}
        elif kind == Rule.Kind.MIN_CASES:
            n = data.get("min")
            if n is None:
                self.add_error("min", _("请填写最少数量"))
            elif not 1 <= n <= 100:
                self.add_error("min", _("最少数量须在 1 至 100 之间"))
            params = {"min": n, "role": data.get("role") or None, "label": (data.get("label") or "").strip()}
        data["params"] = params
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("方向表格（.xlsx）"),
                           error_messages={"required": gettext_lazy("请选择要导入的表格文件"),
                                           "empty": gettext_lazy("上传的文件是空的")})

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("只支持 .xlsx 格式的 Excel 表格，请另存为 .xlsx 后再上传"))
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("表格文件不能超过 5 MB"))
        return f
