from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import NewAccountForm
from core.regions import REGIONS
from declarations.models import Direction

from .models import ReviewSettings


class SettingsForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["blind", "region_conflict", "reviewers_per_declaration", "disagreement_threshold",
                  "notice_min_working_days"]
        error_messages = {
            "reviewers_per_declaration": {
                "min_value": _("每个项目至少需要 1 名评审专家"),
                "max_value": _("每个项目最多 30 名评审专家"),
                "invalid": _("每个项目评审专家数须为整数"),
                "required": _("请填写每个项目评审专家数"),
            },
            "disagreement_threshold": {
                "min_value": _("分歧提示阈值不能为负数"),
                "invalid": _("分歧提示阈值须为数字"),
                "required": _("请填写分歧提示阈值"),
                "max_digits": _("分歧提示阈值过大"),
                "max_decimal_places": _("分歧提示阈值最多两位小数"),
            },
            "notice_min_working_days": {
                "min_value": _("公示期至少 1 个工作日"),
                "max_value": _("公示期最少工作日不能超过 60"),
                "invalid": _("公示期最少工作日须为整数"),
                "required": _("请填写公示期最少工作日"),
            },
        }


class NoticeForm(forms.Form):
    start = forms.DateField(label=_("公示开始日期"), widget=forms.DateInput(attrs={"type": "date"}),
                            error_messages={"required": _("请填写公示开始日期"), "invalid": _("公示开始日期格式有误")})
    end = forms.DateField(label=_("公示结束日期"), widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={"required": _("请填写公示结束日期"), "invalid": _("公示结束日期格式有误")})

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("公示结束日期不能早于开始日期"))
        return data


class PublishForm(forms.Form):
    doc_number = forms.CharField(label=_("公布文号"), max_length=80, required=False,
                                 error_messages={"max_length": _("公布文号不能超过 80 个字符")})
    outstanding_reason = forms.CharField(
        label=_("未等评审全部提交即公布的理由"), max_length=500, required=False,
        error_messages={"max_length": _("理由不能超过 500 字")})


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("请填写理由"), "max_length": _("理由不能超过 500 字")})


class ConflictForm(forms.Form):
    organisation = forms.CharField(label=_("统一社会信用代码或单位全称"), max_length=100,
                                   error_messages={"required": _("请填写统一社会信用代码或单位全称"),
                                                   "max_length": _("单位名称不能超过 100 个字符")})


class PanelForm(forms.Form):
    name = forms.CharField(label=_("评审组名称"), max_length=100,
                           error_messages={"required": _("请填写评审组名称"),
                                           "max_length": _("评审组名称不能超过 100 个字符")})
    directions = forms.ModelMultipleChoiceField(
        label=_("方向"), queryset=None, widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一个方向"), "invalid_choice": _("所选方向不属于本指南"),
                        "invalid_pk_value": _("所选方向不属于本指南")})
    min_reviews = forms.IntegerField(
        label=_("最少有效评审数"), min_value=1, max_value=30, initial=1, required=False,
        help_text=_("已提交评分少于该数的项目不参与排名，也不能入选。"),
        error_messages={"required": _("请填写最少有效评审数"), "invalid": _("最少有效评审数须为整数"),
                        "min_value": _("最少有效评审数至少为 1"), "max_value": _("最少有效评审数不能超过 30")})
    reviewers = forms.ModelMultipleChoiceField(
        label=_("评审专家"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选用户不是评审专家"), "invalid_pk_value": _("所选用户不是评审专家")})

    def __init__(self, *args, guide, **kwargs):
        super().__init__(*args, **kwargs)
        from django.contrib.auth import get_user_model

        User = get_user_model()
        self.fields["directions"].queryset = guide.directions.all()
        self.fields["reviewers"].queryset = (User.objects.filter(role=User.Role.REVIEWER, reviewer_profile__isnull=False)
                                             .select_related("reviewer_profile").order_by("pk"))
        self.fields["reviewers"].label_from_instance = lambda u: f"{u.reviewer_profile.name}（{u.reviewer_profile.employer}）"


def _helper():
    from crispy_forms.helper import FormHelper

    helper = FormHelper()
    helper.form_tag = False
    return helper


def _direction_choices():
    return Direction.objects.select_related("guide").order_by("-guide__year", "guide_id", "code")


class ReviewerProfileFields(forms.Form):
    """The profile fields shared by the create and edit forms of a reviewer."""

    name = forms.CharField(label=_("姓名"), max_length=50,
                           error_messages={"required": _("请填写专家姓名"), "max_length": _("姓名不能超过 50 个字符")})
    employer = forms.CharField(label=_("工作单位"), max_length=100,
                               error_messages={"required": _("请填写工作单位"),
                                               "max_length": _("工作单位不能超过 100 个字符")})
    region = forms.ChoiceField(label=_("所在地区"), required=False,
                               error_messages={"invalid_choice": _("请选择有效的地区")})
    title = forms.CharField(label=_("职称/职务"), max_length=50, required=False,
                            error_messages={"max_length": _("职称/职务不能超过 50 个字符")})
    email = forms.EmailField(label=_("电子邮箱"), error_messages={"required": _("请填写电子邮箱"),
                                                                 "invalid": _("请填写有效的电子邮箱")})
    expertise = forms.ModelMultipleChoiceField(
        label=_("擅长方向"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选方向不存在"), "invalid_pk_value": _("所选方向不存在")})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
        self.fields["region"].choices = [("", _("（未填写）"))] + list(REGIONS)
        self.fields["expertise"].queryset = _direction_choices()
        self.fields["expertise"].label_from_instance = lambda d: f"{d.guide.year} {d.guide.title} · {d}"


class ReviewerCreateForm(NewAccountForm, ReviewerProfileFields):
    person_name_field = "name"
    field_order = ["username", "password", "name", "employer", "region", "title", "email", "expertise"]


class ReviewerEditForm(ReviewerProfileFields):
    conflicts = forms.ModelMultipleChoiceField(
        label=_("已申明回避的单位（取消勾选即撤销）"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("所选单位不在回避名单中"), "invalid_pk_value": _("所选单位不在回避名单中")})
    add_conflict = forms.CharField(label=_("新增回避单位（统一社会信用代码或单位全称）"), max_length=100, required=False,
                                   error_messages={"max_length": _("单位名称不能超过 100 个字符")})
    is_active = forms.BooleanField(label=_("可参加评审"), required=False)

    def __init__(self, *args, profile, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["conflicts"].queryset = profile.conflicts.order_by("name")
        self.fields["conflicts"].label_from_instance = lambda o: f"{o.name}（{o.credit_code}）"


class ScoringSheetForm(forms.Form):
    name = forms.CharField(label=_("评分表名称"), max_length=100,
                           error_messages={"required": _("请填写评分表名称"),
                                           "max_length": _("评分表名称不能超过 100 个字符")})
    direction = forms.ModelChoiceField(
        label=_("适用方向"), queryset=None, required=False, empty_label=_("本指南全部方向（默认评分表）"),
        error_messages={"invalid_choice": _("所选方向不属于本指南")})

    def __init__(self, *args, guide, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["direction"].queryset = guide.directions.all()


class CriterionForm(forms.Form):
    """One row of a scoring sheet; a row left wholly empty is ignored."""

    name = forms.CharField(label=_("评分项"), max_length=50,
                           error_messages={"required": _("请填写评分项名称"),
                                           "max_length": _("评分项名称不能超过 50 个字符")})
    guidance = forms.CharField(label=_("评分说明"), required=False, max_length=1000,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               error_messages={"max_length": _("评分说明不能超过 1000 字")})
    max_points = forms.DecimalField(
        label=_("满分"), min_value=Decimal("0.1"), max_value=Decimal("1000"), max_digits=5, decimal_places=1,
        error_messages={"required": _("请填写满分"), "invalid": _("满分须为数字"),
                        "min_value": _("满分至少为 0.1"), "max_value": _("满分不能超过 1000"),
                        "max_decimal_places": _("满分最多一位小数"), "max_digits": _("满分过大")})
    weight_percent = forms.IntegerField(
        label=_("权重（%）"), min_value=1, max_value=100,
        error_messages={"required": _("请填写权重"), "invalid": _("权重须为 1 到 100 的整数"),
                        "min_value": _("权重至少为 1%"), "max_value": _("权重不能超过 100%")})


CriterionFormSet = forms.formset_factory(CriterionForm, extra=2, can_delete=True, max_num=20, validate_max=True,
                                         absolute_max=40)
