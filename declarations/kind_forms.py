"""Forms for the ministry's attachment kinds and guide files (kept apart from the guide's own forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import UPLOAD_TYPES, AttachmentKind
from .validators import validate_guide_document


class AttachmentKindForm(forms.ModelForm):
    allowed_types = forms.MultipleChoiceField(
        label=_("允许的文件类型"), choices=list(UPLOAD_TYPES.items()), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一种文件类型")})

    class Meta:
        model = AttachmentKind
        fields = ["code", "name", "help_text", "required", "shown_in_blind_review", "allowed_types", "directions",
                  "order"]
        widgets = {"directions": forms.CheckboxSelectMultiple}
        help_texts = {"code": _("字母、数字、下划线或连字符，例如 business_licence；同一指南内不能重复。")}
        error_messages = {"code": {"invalid": _("代码只能使用字母、数字、下划线或连字符"), "required": _("请填写代码")},
                          "name": {"required": _("请填写附件类型名称")}}

    def __init__(self, *args, guide, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["directions"].queryset = guide.directions.all()
        self.fields["directions"].required = False
        self.fields["directions"].error_messages["invalid_choice"] = _("所选方向不属于本指南")
        self.fields["order"].label = _("排序")
        self.fields["order"].required = False

    def clean_order(self):
        return self.cleaned_data.get("order") or 0

    def kind_fields(self):
        d = self.cleaned_data
        return {"code": d["code"], "name": d["name"].strip(), "help_text": d.get("help_text", "").strip(),
                "required": d.get("required", False), "shown_in_blind_review": d.get("shown_in_blind_review", False),
                "allowed_types": list(d["allowed_types"]), "order": d.get("order") or 0}


class GuideFilesForm(forms.Form):
    notice = forms.FileField(label=_("通知正式文件（PDF）"), required=False)
    template = forms.FileField(label=_("申报书模板（Word 或 PDF）"), required=False)

    def clean_notice(self):
        f = self.cleaned_data.get("notice")
        if f:
            validate_guide_document(f, allowed=(".pdf",))
        return f

    def clean_template(self):
        f = self.cleaned_data.get("template")
        if f:
            validate_guide_document(f)
        return f

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("notice") and not data.get("template"):
            raise forms.ValidationError(_("请选择要上传的通知文件或申报书模板"))
        return data
