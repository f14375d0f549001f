from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import NewAccountForm
from core.regions import division_for_name, division_name, is_division, region_matches_division
from declarations.fields import PLAIN_RENDERER, LeanFormMixin
from declarations.guide_cache import guide_directions
from declarations.models import Declaration, Direction, Guide
from units.models import Unit
from units.validators import validate_seal

from .formal_check import RETURN_REASON_MIN

S = Declaration.State
EXEMPT_CHOICES = [("", gettext_lazy("全部")), ("yes", gettext_lazy("不占名额（DCMM 豁免）")),
                  ("no", gettext_lazy("占用名额"))]


def _no_tag_helper():
    helper = FormHelper()
    helper.form_tag = False
    return helper


class GuideChoiceForm(forms.Form):
    guide = forms.ModelChoiceField(
        label=gettext_lazy("申报指南"), queryset=Guide.objects.none(), required=False,
        error_messages={"invalid_choice": gettext_lazy("所选申报指南不存在或未发布，已显示最新指南")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guide"].queryset = Guide.objects.published().order_by("-year", "-id")


class FilterForm(forms.Form):
    """Filters of the workspace list. Every parameter is checked; a bad one is reported, not ignored silently."""

    default_renderer = PLAIN_RENDERER  # the selects written in Python, not one template per option

    direction = forms.ModelChoiceField(label=gettext_lazy("方向"), queryset=Direction.objects.none(), required=False,
                                       error_messages={"invalid_choice": gettext_lazy("所选方向不属于该指南")})
    state = forms.ChoiceField(label=gettext_lazy("状态"), required=False,
                              error_messages={"invalid_choice": gettext_lazy("没有这种申报状态")})
    exempt = forms.ChoiceField(label=gettext_lazy("名额"), required=False, choices=EXEMPT_CHOICES,
                               error_messages={"invalid_choice": gettext_lazy("名额筛选只能是“不占名额”或“占用名额”")})
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=50,
                        error_messages={"max_length": gettext_lazy("搜索内容不能超过 50 个字")})

    def __init__(self, *args, guide, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = guide.directions.all()
        self.fields["state"].choices = [("", _("全部"))] + [c for c in S.choices if c[0] != S.DRAFT]
        self.fields["q"].widget.attrs["placeholder"] = _("项目名称、申报单位或信用代码")
        self.fields["direction"].empty_label = _("全部方向")
        # The options from the guide's cached directions (declarations.guide_cache): no query to draw them; the
        # queryset still checks a chosen value.
        self.fields["direction"].widget.choices = [("", _("全部方向"))] + [
            (d.pk, str(d)) for d in guide_directions(guide)]
        for name, field in self.fields.items():
            field.widget.attrs["class"] = "form-control" if name == "q" else "form-select"

    def apply(self, qs):
        d = self.cleaned_data
        if d.get("direction"):
            qs = qs.filter(direction=d["direction"])
        if d.get("state"):
            qs = qs.filter(state=d["state"])
        if d.get("exempt") == "yes":
            qs = qs.filter(exempt=True)
        elif d.get("exempt") == "no":
            qs = qs.filter(exempt=False)
        q = (d.get("q") or "").strip()
        if q:
            from django.db.models import Q

            qs = qs.filter(Q(project_name__icontains=q) | Q(organisation__name__icontains=q)
                           | Q(organisation__credit_code__icontains=q.upper()))
        return qs


class ReturnForm(LeanFormMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("退回理由（申报单位可见）"), max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "minlength": 10}),
        error_messages={"required": gettext_lazy("退回修改时请填写退回理由，申报单位将看到该理由"),
                        "max_length": gettext_lazy("退回理由不能超过 1000 字")})

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("退回修改时请填写退回理由，申报单位将看到该理由"))
        if len(reason) < RETURN_REASON_MIN:
            raise forms.ValidationError(_("退回理由至少 %(n)s 个字，请写明需要修改的具体内容") % {"n": RETURN_REASON_MIN})
        return reason


class VersionForm(forms.Form):
    """The list version a page was built from, so a stale page cannot overwrite a newer list."""

    version = forms.IntegerField(min_value=1, error_messages={
        "required": gettext_lazy("页面数据不完整，请刷新页面后重试"),
        "invalid": gettext_lazy("页面数据无效，请刷新页面后重试"),
        "min_value": gettext_lazy("页面数据无效，请刷新页面后重试")})


class EntryActionForm(VersionForm):
    declaration = forms.IntegerField(min_value=1, error_messages={
        "required": gettext_lazy("未指明项目，请刷新页面后重试"), "invalid": gettext_lazy("项目编号无效"),
        "min_value": gettext_lazy("项目编号无效")})


class MoveForm(EntryActionForm):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")], error_messages={
        "required": gettext_lazy("未指明移动方向"), "invalid_choice": gettext_lazy("移动方向只能是上移或下移")})


class RecommendForm(EntryActionForm):
    recommended = forms.ChoiceField(choices=[("1", "1"), ("0", "0")], error_messages={
        "required": gettext_lazy("未指明是否推荐"), "invalid_choice": gettext_lazy("推荐标记无效")})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": gettext_lazy("请填写理由，该理由将记入操作记录"),
                                             "max_length": gettext_lazy("理由不能超过 1000 字")})


class UnitSettingForm(forms.Form):
    quota = forms.IntegerField(
        label=gettext_lazy("推荐名额（留空按指南默认）"), required=False, min_value=0, max_value=500,
        error_messages={"invalid": gettext_lazy("名额须为整数"), "min_value": gettext_lazy("名额不能为负数"),
                        "max_value": gettext_lazy("名额不能超过 500")})
    deadline = forms.DateTimeField(
        label=gettext_lazy("确认截止时间（留空按指南默认）"), required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期和时间，例如 2026-05-10 17:00")})
    reason = forms.CharField(
        label=gettext_lazy("调整理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("调整名额或截止时间须填写理由"),
                        "max_length": gettext_lazy("理由不能超过 1000 字")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_tag_helper()

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline is not None and deadline <= timezone.now() and self.initial.get("deadline") != deadline:
            raise forms.ValidationError(_("延期后的截止时间须晚于当前时间"))
        return deadline


class UnitForm(forms.ModelForm):
    """A unit's details. District and city units need their GB/T 2260 division: applicants are routed by it."""

    CITY_KINDS = (Unit.Kind.PLAN_CITY, Unit.Kind.SUBPROV_CAPITAL)

    def _clean_division(self, cleaned):
        kind, region, code = cleaned.get("kind"), cleaned.get("region") or "", (cleaned.get("division") or "").strip()
        if kind not in (Unit.Kind.DISTRICT, *self.CITY_KINDS):
            cleaned["division"] = code
            return
        if not code:
            code = division_for_name(cleaned.get("name") or "", region, city=kind != Unit.Kind.DISTRICT)
        if not code:
            self.add_error("division", _("区县主管部门、计划单列市和副省级省会城市须填写辖区的 6 位行政区划代码，"
                                         "例如河西区 120103、大连市 210200"))
        elif not is_division(code):
            self.add_error("division", _("“%(code)s”不是现行的行政区划代码（GB/T 2260），请核对") % {"code": code})
        elif region and not region_matches_division(region, code):
            self.add_error("division", _("行政区划代码 %(code)s（%(name)s）不在所选地区内") % {
                "code": code, "name": division_name(code)})
        elif kind == Unit.Kind.DISTRICT and code.endswith("00"):
            self.add_error("division", _("区县主管部门请填写区县一级的代码（末两位不为 00）"))
        elif kind != Unit.Kind.DISTRICT and not code.endswith("00"):
            self.add_error("division", _("城市主管部门请填写地级市一级的代码（末两位为 00，例如大连市 210200）"))
        cleaned["division"] = code

    class Meta:
        model = Unit
        fields = ["name", "kind", "region", "division", "parent", "doc_prefix", "contact_name", "contact_phone", "contact_email",
                  "address", "seal", "is_active"]
        error_messages = {
            "name": {"required": gettext_lazy("请填写单位名称"), "unique": gettext_lazy("已有同名的推荐单位")},
            "kind": {"required": gettext_lazy("请选择单位类型")},
            "seal": {"invalid_image": gettext_lazy("无法识别该印章图片，请上传 PNG 格式的图片")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_tag_helper()
        parents = Unit.objects.filter(is_active=True).exclude(kind=Unit.Kind.DISTRICT)
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["parent"].error_messages["invalid_choice"] = _("所选上级单位不存在或不能作为上级单位")
        self.fields["seal"].widget = forms.ClearableFileInput(attrs={"accept": "image/png"})
        self.fields["seal"].help_text = _("PNG 格式、透明背景，不超过 1 MB，边长 100–2000 像素")

    def clean_seal(self):
        seal = self.cleaned_data.get("seal")
        if seal and hasattr(seal, "content_type"):  # a new upload, not the stored file
            validate_seal(seal)
        return seal

    def clean(self):
        cleaned = super().clean()
        parent, kind = cleaned.get("parent"), cleaned.get("kind")
        if kind == Unit.Kind.DISTRICT and parent is None:
            self.add_error("parent", _("区县主管部门须选择上级推荐单位（所在城市的主管部门）"))
        if kind == Unit.Kind.DEMO_BASE and (parent is None or parent.kind not in (Unit.Kind.PROVINCE, Unit.Kind.XPCC)):
            self.add_error("parent", _("示范基地的推荐经所在省级主管部门统一报送，请选择所在省（区、市）或兵团的主管部门为上级单位"))
        self._clean_division(cleaned)
        ancestor, seen = parent, set()
        while ancestor is not None and self.instance.pk:
            if ancestor.pk == self.instance.pk or ancestor.pk in seen:
                self.add_error("parent", _("上级单位不能是本单位或本单位的下级单位"))
                break
            seen.add(ancestor.pk)
            ancestor = ancestor.parent
        return cleaned


class StaffForm(NewAccountForm):
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50,
                                error_messages={"required": gettext_lazy("请填写经办人姓名")})
    phone = forms.RegexField(label=gettext_lazy("联系电话"), max_length=20, required=False, regex=r"^[0-9+\- ]{7,20}$",
                             error_messages={"invalid": gettext_lazy("请填写有效的电话号码")})
    email = forms.EmailField(label=gettext_lazy("电子邮箱"), required=False,
                             error_messages={"invalid": gettext_lazy("请填写有效的电子邮箱")})

    field_order = ["username", "full_name", "phone", "email", "password"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _no_tag_helper()
