from django import forms
from django.utils.translation import gettext_lazy as _

from declarations.validators import check_upload

from .models import STARS, Report


class RoundForm(forms.Form):
    title = forms.CharField(label=_("名称"), max_length=100)
    report_deadline = forms.DateTimeField(label=_("项目提交自查报告截止时间"),
                                          widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    unit_deadline = forms.DateTimeField(label=_("推荐单位审核报送截止时间"),
                                        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    sample_percent = forms.IntegerField(label=_("抽查比例（%）"), min_value=1, max_value=100, initial=30)


class ReportForm(forms.Form):
    progress = forms.CharField(label=_("目标完成情况"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("对照申报书中的建设目标，逐项说明完成情况。"))
    problems = forms.CharField(label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_steps = forms.CharField(label=_("下一步工作计划"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def posted_indicators(data):
    """The indicator table as posted: one row per index of the ind_name / ind_declared / ind_achieved lists."""
    names, declared, achieved = (data.getlist(k)[:100] for k in ("ind_name", "ind_declared", "ind_achieved"))
    n = max(len(names), len(declared), len(achieved))
    pad = lambda xs: xs + [""] * (n - len(xs))  # noqa: E731
    return [{"name": a, "declared": b, "achieved": c} for a, b, c in zip(pad(names), pad(declared), pad(achieved))]


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("附件（PDF、JPG 或 PNG）"))
    label = forms.CharField(label=_("材料说明"), max_length=100, required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        self.mime = check_upload(f)
        return f


class ReturnForm(forms.Form):
    reason = forms.CharField(label=_("退回理由"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class RatingForm(forms.Form):
    strength = forms.TypedChoiceField(label=_("项目综合实力"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    innovation = forms.TypedChoiceField(label=_("关键技术创新"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    benefit = forms.TypedChoiceField(label=_("经济社会效益"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    promotion = forms.TypedChoiceField(label=_("产业化推广价值"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    overall = forms.TypedChoiceField(label=_("总体星级"), choices=STARS, coerce=int, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("评价意见"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))


class ConcludeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("抽查结论"), choices=Report.Outcome.choices, widget=forms.RadioSelect)
    star_level = forms.TypedChoiceField(label=_("星级（合格时必填）"), choices=[("", "—"), *STARS], coerce=int,
                                        required=False, empty_value=None)
    comment = forms.CharField(label=_("结论意见"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
