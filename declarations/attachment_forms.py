"""The attachment upload of a declaration: the file, its kind under the guide, and a label.

Owns checking the file by content (validators.check_upload), that the chosen kind is one the guide
defines and accepts that file type; the kind decides what anonymous reviewers are shown.
"""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .fields import PLAIN_RENDERER, BootstrapBoundField, bootstrap, choices_from
from .forms import SpecificMessagesMixin
from .models import AttachmentKind
from .validators import check_upload


class AttachmentKindField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        shown = _("匿名评审时向专家展示") if obj.shown_in_blind_review else _("不向匿名评审专家展示")
        return f"{obj.name}{_('（必传）') if obj.required else ''}（{shown}）"


class AttachmentForm(SpecificMessagesMixin, forms.Form):
    bound_field_class = BootstrapBoundField
    default_renderer = PLAIN_RENDERER
    kind = AttachmentKindField(label=gettext_lazy("附件类型"), queryset=AttachmentKind.objects.none(),
                               required=False, empty_label=gettext_lazy("未分类（不向匿名评审专家展示）"))
    file = forms.FileField(label=gettext_lazy("选择文件（PDF/JPG/PNG）"))
    label = forms.CharField(label=gettext_lazy("材料说明"), max_length=100, required=False,
                            help_text=gettext_lazy("例如：营业执照、软件著作权登记证书、用户证明"))

    def __init__(self, *args, guide=None, kinds=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_specific_messages()
        self.fields["file"].error_messages["required"] = _("请先选择要上传的文件")
        # The kind decides what blind reviewers see; a file without one is not shown to them.
        queryset = guide.attachment_kinds.all() if guide is not None else AttachmentKind.objects.none()
        if kinds is None:
            self.fields["kind"].queryset = queryset
        else:  # the guide's kinds as the page already loaded them (validation still against the queryset)
            choices_from(self.fields["kind"], queryset, kinds)
        self.fields["kind"].error_messages["invalid_choice"] = _("请选择本指南规定的附件类型")
        bootstrap(self)

    def clean_file(self):
        f = self.cleaned_data["file"]
        if len(f.name) > 200:
            raise forms.ValidationError(_("文件名过长（不超过 200 个字符），请改短后再上传"))
        self.mime = check_upload(f)
        return f

    def clean(self):
        data = super().clean()
        kind, mime = data.get("kind"), getattr(self, "mime", None)
        if kind is not None and mime and kind.allowed_types and mime not in kind.allowed_types:
            self.add_error("kind", _("“%(kind)s”只接受 %(types)s 文件") % {
                "kind": kind.name, "types": kind.allowed_types_display()})
        return data
