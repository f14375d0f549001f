"""The consortium's two small forms: the lead names a member; the member answers."""

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .fields import PLAIN_RENDERER, BootstrapBoundField, bootstrap
from .forms import SpecificMessagesMixin
from .validators import validate_credit_code


class ConsortiumMemberForm(SpecificMessagesMixin, forms.Form):
    """The lead names a registered organisation as a member of its consortium declaration."""

    bound_field_class = BootstrapBoundField
    default_renderer = PLAIN_RENDERER
    credit_code = forms.CharField(label=gettext_lazy("成员单位统一社会信用代码"), max_length=30,
                                  help_text=gettext_lazy("成员单位须已在本系统注册"))
    role = forms.CharField(label=gettext_lazy("承担的任务与分工"), max_length=200,
                           help_text=gettext_lazy("例如：负责数据采集平台建设与运维"))
    share = forms.IntegerField(label=gettext_lazy("工作量占比（%）"), min_value=1, max_value=99)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_specific_messages()
        self.fields["share"].error_messages.update({
            "min_value": _("工作量占比须为 1–99 之间的整数"), "max_value": _("工作量占比须为 1–99 之间的整数")})
        bootstrap(self)

    def clean_credit_code(self):
        code = self.cleaned_data["credit_code"]
        validate_credit_code(code)
        return code


class MembershipAnswerForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("意见（拒绝时必填）"), max_length=300, required=False)
