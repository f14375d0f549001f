import json

import filetype
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Attachment, Declaration, Direction, Organisation
from .validators import normalise_credit_code, validate_mobile

User = get_user_model()


class RegistrationForm(UserCreationForm):
    """An applicant organisation and its first user, in one form."""

    org_name = forms.CharField(label=gettext_lazy("单位名称"), max_length=100)
    credit_code = forms.CharField(label=gettext_lazy("统一社会信用代码"), max_length=30,
                                  help_text=gettext_lazy("18 位，见营业执照或登记证书"))
    kind = forms.ChoiceField(label=gettext_lazy("单位类型"), choices=Organisation.Kind.choices)
    is_industrial = forms.BooleanField(label=gettext_lazy("属于工业企业"), required=False)
    region = forms.ChoiceField(label=gettext_lazy("所在省级地区"),
                               choices=[("", "---------")] + list(Organisation._meta.get_field("region").choices))
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
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_credit_code(self):
        from .validators import validate_credit_code

        code = normalise_credit_code(self.cleaned_data["credit_code"])
        validate_credit_code(code)
        if Organisation.objects.filter(credit_code=code).exists():
            raise forms.ValidationError(_("该统一社会信用代码已注册，请直接登录或联系本单位已注册的用户"))
        return code

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(_("该邮箱已被注册"))
        return email

    def clean_dcmm_certificate(self):
        f = self.cleaned_data.get("dcmm_certificate")
        if f:
            check_upload(f)
        return f

    def clean(self):
        data = super().clean()
        if data.get("dcmm_level") and not data.get("dcmm_certificate"):
            self.add_error("dcmm_certificate", _("填写了 DCMM 等级时，请上传 DCMM 证书"))
        if data.get("is_industrial") and data.get("kind") != Organisation.Kind.ENTERPRISE:
            self.add_error("is_industrial", _("只有企业可以勾选“属于工业企业”"))
        return data


ALLOWED_UPLOADS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def check_upload(f):
    """Accept PDF/JPG/PNG by their content, not their name; refuse oversize files."""
    if f.size > settings.MAX_ATTACHMENT_BYTES:
        raise forms.ValidationError(_("文件“%(name)s”大小为 %(size).1f MB，超过 %(max)d MB 的上限") % {
            "name": f.name, "size": f.size / 1048576, "max": settings.MAX_ATTACHMENT_BYTES // 1048576})
    if f.size == 0:
        raise forms.ValidationError(_("文件“%(name)s”是空文件") % {"name": f.name})
    head = f.read(8192)
    f.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOADS:
        raise forms.ValidationError(_("文件“%(name)s”不是 PDF、JPG 或 PNG 文件（按文件内容判断，而不是扩展名）")
                                    % {"name": f.name})
    return kind.mime


class JSONListField(forms.CharField):
    """A list of small records edited as rows in the page and posted as JSON."""

    def __init__(self, *, keys, required_key, max_items=50, **kwargs):
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
            raise forms.ValidationError(_("最多填写 %(n)d 条") % {"n": self.max_items})
        rows = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise forms.ValidationError(_("第 %(i)d 行格式不正确") % {"i": i})
            row = {}
            for key, max_len in self.keys.items():
                v = item.get(key, "")
                if not isinstance(v, str):
                    v = str(v)
                v = "".join(ch for ch in v.strip() if ch.isprintable() or ch == "\n")
                if len(v) > max_len:
                    raise forms.ValidationError(_("第 %(i)d 行内容过长（不超过 %(n)d 字）") % {"i": i, "n": max_len})
                row[key] = v
            if not any(row.values()):
                continue  # an empty row the user added and left
            if not row.get(self.required_key):
                raise forms.ValidationError(_("第 %(i)d 行缺少名称") % {"i": i})
            rows.append(row)
        return rows


class DeclarationForm(forms.ModelForm):
    """The application form. Drafts may be incomplete; completeness is checked at submit."""

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
        fields = ["project_name", "direction", "extra_directions", "applicant_role", "construction_status",
                  "unit", "summary", "innovation", "ip_items", "cases", "benefits", "promotion", "open_source",
                  "stats_report_filed", "stats_report_year"]
        widgets = {f: forms.Textarea(attrs={"rows": 5}) for f in
                   ["summary", "innovation", "benefits", "promotion", "open_source"]}

    def __init__(self, *args, declaration, **kwargs):
        super().__init__(*args, instance=declaration, **kwargs)
        guide = declaration.guide
        self.fields["version"].initial = declaration.version
        directions = Direction.objects.filter(guide=guide).select_related("category")
        self.fields["direction"].queryset = directions
        self.fields["direction"].label_from_instance = lambda d: f"{d.code}. {d.name}（{d.category.name}）"
        if guide.max_directions > 1:
            self.fields["extra_directions"].queryset = directions
            self.fields["extra_directions"].widget = forms.CheckboxSelectMultiple()
            self.fields["extra_directions"].widget.choices = self.fields["extra_directions"].choices
            self.fields["extra_directions"].help_text = _("本指南每个项目最多可选 %(n)d 个方向（含上面的主方向）") % {
                "n": guide.max_directions}
        else:
            del self.fields["extra_directions"]
        from quotas.models import Unit

        self.fields["unit"].queryset = Unit.objects.recommending_for(declaration.organisation)
        self.fields["unit"].help_text = _("可选择本地区的推荐单位，或所属中央企业集团")
        for name, limit in self.TEXT_LIMITS.items():
            self.fields[name].max_length = limit
            self.fields[name].validators.append(MaxLengthValidator(limit))
            self.fields[name].widget.attrs["maxlength"] = limit
        self.fields["stats_report_year"].widget.attrs.update({"min": 2015, "max": 2100})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_stats_report_year(self):
        year = self.cleaned_data.get("stats_report_year")
        if year is not None and not (2015 <= year <= 2100):
            raise forms.ValidationError(_("请输入 2015–2100 之间的年度"))
        return year

    def clean(self):
        data = super().clean()
        extra = data.get("extra_directions")
        if extra is not None:
            total = len({d.pk for d in extra} | ({data["direction"].pk} if data.get("direction") else set()))
            limit = self.instance.guide.max_directions
            if total > limit:
                self.add_error("extra_directions", _("本指南每个项目最多选择 %(n)d 个方向") % {"n": limit})
        return data

    def draft_values(self):
        """Field values for save_draft (without the many-to-many field)."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "extra_directions")}
        data["unit_id"] = data.pop("unit").pk if data.get("unit") else None
        data["direction_id"] = data.pop("direction").pk if data.get("direction") else None
        for k in ("project_name", "summary", "innovation", "benefits", "promotion", "open_source",
                  "applicant_role", "construction_status"):
            data[k] = data.get(k) or ""
        return data


class AttachmentForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("选择文件（PDF/JPG/PNG）"))
    label = forms.CharField(label=gettext_lazy("材料说明"), max_length=100, required=False)

    def clean_file(self):
        f = self.cleaned_data["file"]
        self.mime = check_upload(f)
        if len(f.name) > 200:
            raise forms.ValidationError(_("文件名过长（不超过 200 个字符）"))
        return f


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)
