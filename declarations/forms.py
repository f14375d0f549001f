"""Forms of the applicant's account: registration with the organisation, and the organisation's details.

Also owns `SpecificMessagesMixin`, which every applicant form uses to name the field in Django's
generic messages ("请填写单位名称" rather than "this field is required"). The application form is in
declaration_forms.py, the attachment upload in attachment_forms.py.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.regions import (
    credit_code_division,
    division_name,
    division_within,
    is_division,
    region_matches_division,
    region_name,
)

from .models import Organisation
from .validators import check_upload, normalise_credit_code, validate_credit_code, validate_mobile

User = get_user_model()


class SpecificMessagesMixin:
    """Replace Django's generic "this field is required" with one that names the field."""

    def set_specific_messages(self):
        # Each message translated once per form, not once per field (this runs on every autosave and edit page).
        texts = {
            "choose": _("请选择%(label)s"), "fill": _("请填写%(label)s"),
            "invalid_choice": _("“%(label)s”的选项无效，请从列表中重新选择"),
            "invalid_multi": _("“%(label)s”含有无效的选项，请重新选择"), "integer": _("“%(label)s”请填写整数"),
            "email": _("请输入有效的电子邮箱地址，例如 name@example.com"),
            "file_empty": _("上传的文件是空文件，请选择有内容的文件"), "file_invalid": _("没有收到文件，请重新选择文件后上传"),
            "max_length": _("“%(label)s”不能超过 %(n)d 个字")}
        for field in self.fields.values():
            label = field.label or ""
            choose = isinstance(field, (forms.ChoiceField, forms.ModelChoiceField, forms.FileField,
                                        forms.BooleanField))
            field.error_messages["required"] = texts["choose" if choose else "fill"] % {"label": label}
            if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
                field.error_messages["invalid_choice"] = texts["invalid_choice"] % {"label": label}
            if isinstance(field, forms.ModelMultipleChoiceField):
                field.error_messages["invalid_choice"] = texts["invalid_multi"] % {"label": label}
                field.error_messages["invalid_pk_value"] = field.error_messages["invalid_choice"]
            if isinstance(field, forms.IntegerField):
                field.error_messages["invalid"] = texts["integer"] % {"label": label}
            if isinstance(field, forms.EmailField):
                field.error_messages["invalid"] = texts["email"]
            if isinstance(field, forms.FileField):
                field.error_messages["empty"] = texts["file_empty"]
                field.error_messages["invalid"] = texts["file_invalid"]
            if isinstance(field, forms.CharField) and field.max_length:
                field.error_messages["max_length"] = texts["max_length"] % {"label": label, "n": field.max_length}


class RegistrationForm(SpecificMessagesMixin, UserCreationForm):
    """An applicant organisation and its first user, in one form."""

    org_name = forms.CharField(label=gettext_lazy("单位名称"), max_length=100)
    credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=30,
                                  help_text=gettext_lazy("18 位，见营业执照或登记证书"))
    kind = forms.ChoiceField(label=gettext_lazy("单位类型"), choices=Organisation.Kind.choices)
    is_industrial = forms.BooleanField(label=gettext_lazy("属于工业企业"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("所在省级地区"), required=False,
                               choices=[("", "---------")] + list(Organisation._meta.get_field("region").choices),
                               help_text=gettext_lazy("留空则按统一社会信用代码识别"))
    division = forms.CharField(label=gettext_lazy("所在区县行政区划代码"), max_length=6, required=False,
                               help_text=gettext_lazy("6 位 GB/T 2260 代码，例如天津市河西区 120103；留空则按统一社会信用代码"
                                                      "第 3–8 位（登记机关所在地）识别。推荐单位按此确定。"))
    relocated = forms.BooleanField(
        label=gettext_lazy("本单位已迁址，实际所在地与信用代码登记地不同"), required=False,
        help_text=gettext_lazy("仅在所填所在地与统一社会信用代码所示登记地不一致时勾选；推荐单位形式审查时会看到此标记"))
    dcmm_level = forms.TypedChoiceField(label=gettext_lazy("DCMM 等级"), coerce=int,
                                        choices=Organisation._meta.get_field("dcmm_level").choices, initial=0)
    dcmm_certificate = forms.FileField(label=gettext_lazy("DCMM 证书（PDF/JPG/PNG）"), required=False)
    contact_name = forms.CharField(label=gettext_lazy("联系人姓名"), max_length=50)
    contact_phone = forms.CharField(label=gettext_lazy("联系人手机"), max_length=11, validators=[validate_mobile])
    email = forms.EmailField(label=gettext_lazy("电子邮箱"),
                             help_text=gettext_lazy("用于接收通知和找回密码"))

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username",)
        labels = {"username": gettext_lazy("登录名")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _("用于登录，可使用字母、数字和 @ . + - _")
        self.fields["dcmm_certificate"].help_text = _("选择了 DCMM 等级的须上传证书；PDF/JPG/PNG，不超过 %(n)d MB") % {
            "n": settings.MAX_ATTACHMENT_BYTES // 1048576}
        self.set_specific_messages()
        self.fields["password1"].error_messages["required"] = _("请设置登录密码")
        self.fields["password2"].error_messages["required"] = _("请再次输入密码以确认")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        if Organisation.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(_("该统一社会信用代码已注册，请直接登录或联系本单位已注册的用户"))
        return code

    def clean_org_name(self):
        name = " ".join(self.cleaned_data["org_name"].split())
        if len(name) < 2:
            raise forms.ValidationError(_("请填写单位全称（与营业执照或登记证书一致）"))
        return name

    def clean_contact_name(self):
        return " ".join(self.cleaned_data["contact_name"].split())

    def clean_division(self):
        code = "".join(self.cleaned_data.get("division", "").split())
        if code and not (len(code) == 6 and code.isdigit()):
            raise forms.ValidationError(_("所在区县行政区划代码应为 6 位数字，例如天津市河西区 120103"))
        if code and not is_division(code):
            raise forms.ValidationError(_("“%(code)s”不是现行的行政区划代码（GB/T 2260），请核对") % {"code": code})
        return code

    def _clean_place(self, data):
        """Propose province and district from the credit code; flag a stated place the code contradicts."""
        code = data.get("credit_code")
        if not code or "division" in self.errors:
            return
        registered = credit_code_division(code)
        region, division = data.get("region") or "", data.get("division") or ""
        if not division and registered and (not region or region_matches_division(region, registered)):
            division = registered
        if not region and division:
            region = division[:2]
        if not region:
            self.add_error("region", _("无法从统一社会信用代码识别所在地区，请选择所在省级地区并填写区县代码"))
            return
        if not division:
            self.add_error("division", _("请填写所在区县的 6 位行政区划代码（统一社会信用代码第 3–8 位 %(code)s 不在“%(region)s”内）")
                           % {"code": code[2:8], "region": region_name(region)})
            return
        if not region_matches_division(region, division):
            self.add_error("division", _("行政区划代码 %(code)s（%(name)s）不在所选的“%(region)s”内，请核对") % {
                "code": division, "name": division_name(division), "region": region_name(region)})
            return
        mismatch = bool(registered) and not division_within(division, registered)
        if mismatch and not data.get("relocated"):
            self.add_error("relocated", _(
                "统一社会信用代码第 3–8 位（%(reg)s）表示登记机关在%(reg_name)s，与填写的所在地“%(place)s”不一致。"
                "请核对信用代码和所在地；如贵单位确已迁至所填地区，请勾选此项（推荐单位审查时会看到）") % {
                "reg": registered, "reg_name": division_name(registered), "place": division_name(division)})
        data["region"], data["division"], data["relocated"] = region, division, mismatch

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("该邮箱已被其他账户使用，请换一个邮箱，或用“忘记密码”找回原账户"))
        return email

    def organisation_fields(self):
        d = self.cleaned_data
        return {"name": d["org_name"], "credit_code": d["credit_code"], "kind": d["kind"],
                "is_industrial": d["is_industrial"], "region": d["region"], "division": d["division"],
                "relocated": d["relocated"], "dcmm_level": d["dcmm_level"],
                "contact_name": d["contact_name"], "contact_phone": d["contact_phone"],
                "contact_email": d["email"]}

    def user(self):
        """The unsaved first user, with its password hashed by UserCreationForm."""
        user = self.save(commit=False)
        user.email = self.cleaned_data["email"]
        user.full_name = self.cleaned_data["contact_name"]
        user.phone = self.cleaned_data["contact_phone"]
        return user

    def clean_dcmm_certificate(self):
        f = self.cleaned_data.get("dcmm_certificate")
        if f:
            check_upload(f)
        return f

    def clean(self):
        data = super().clean()
        if data.get("dcmm_level") and not data.get("dcmm_certificate") and "dcmm_certificate" not in self.errors:
            self.add_error("dcmm_certificate", _("填写了 DCMM 等级时，请上传 DCMM 证书"))
        if data.get("is_industrial") and data.get("kind") and data.get("kind") != Organisation.Kind.ENTERPRISE:
            self.add_error("is_industrial", _("只有单位类型为“企业”的才能勾选“属于工业企业”，请取消勾选或更正单位类型"))
        self._clean_place(data)
        return data


class OrganisationForm(SpecificMessagesMixin, forms.ModelForm):
    """What an applicant may change about its organisation: contacts and its DCMM level with certificate.

    Name, credit code, kind and region identify the organisation and decide its
    recommending unit, so they are changed only by the ministry.
    """

    dcmm_certificate = forms.FileField(label=gettext_lazy("上传新的 DCMM 证书（PDF/JPG/PNG）"), required=False)

    class Meta:
        model = Organisation
        fields = ["contact_name", "contact_phone", "contact_email", "address", "dcmm_level"]
        labels = {"contact_phone": gettext_lazy("联系人手机"), "contact_email": gettext_lazy("联系人邮箱")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].validators = [validate_mobile]
        self.set_specific_messages()
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_dcmm_certificate(self):
        f = self.cleaned_data.get("dcmm_certificate")
        if f:
            check_upload(f)
        return f

    def clean(self):
        data = super().clean()
        level = data.get("dcmm_level")
        changed = level is not None and level != Organisation.objects.get(pk=self.instance.pk).dcmm_level
        if level and changed and not data.get("dcmm_certificate") and "dcmm_certificate" not in self.errors:
            self.add_error("dcmm_certificate", _("DCMM 等级有变化时，请上传与新等级对应的 DCMM 证书"))
        return data

    def changes(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "dcmm_certificate"}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)
