import json
import os

import filetype
from crispy_forms.helper import FormHelper
from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.regions import (credit_code_division, division_name, division_within, is_division, region_matches_division,
                          region_name)

from .fields import PLAIN_RENDERER, BootstrapBoundField, bootstrap, choices_from
from .models import AttachmentKind, Declaration, Direction, Organisation, Rule
from .validators import normalise_credit_code, validate_mobile

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
        from .validators import validate_credit_code

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


ALLOWED_UPLOADS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
EXTENSION_KINDS = {".pdf": "pdf", ".jpg": "jpg", ".jpeg": "jpg", ".png": "png"}
KIND_NAMES = {"pdf": "PDF", "jpg": "JPG", "png": "PNG"}


def check_upload(f):
    """Accept PDF/JPG/PNG by their content, not their name; refuse oversize, empty and mislabelled files."""
    limit = settings.MAX_ATTACHMENT_BYTES
    if f.size > limit:
        raise forms.ValidationError(_("文件“%(name)s”大小为 %(size).1f MB，超过 %(max)d MB 的上限，请压缩后再上传") % {
            "name": f.name, "size": f.size / 1048576, "max": limit // 1048576})
    if f.size == 0:
        raise forms.ValidationError(_("文件“%(name)s”是空文件，请选择有内容的文件") % {"name": f.name})
    ext = os.path.splitext(f.name)[1].lower()
    if ext not in EXTENSION_KINDS:
        raise forms.ValidationError(_("文件“%(name)s”的类型不受支持，只能上传 PDF、JPG 或 PNG 文件") % {"name": f.name})
    head = f.read(8192)
    f.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_UPLOADS:
        raise forms.ValidationError(_("文件“%(name)s”的内容不是 PDF、JPG 或 PNG（系统按文件内容判断，改扩展名无效），"
                                      "请另存为 PDF 后再上传") % {"name": f.name})
    actual = ALLOWED_UPLOADS[kind.mime]
    if EXTENSION_KINDS[ext] != actual:
        raise forms.ValidationError(_("文件“%(name)s”的扩展名是 %(ext)s，但内容是 %(kind)s 文件，请改正扩展名后再上传")
                                    % {"name": f.name, "ext": ext, "kind": KIND_NAMES[actual]})
    return kind.mime


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
        directions = list(direction_qs)
        rules = [r for r in guide.rules.all() if r.is_active]
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
            if "extra_directions" not in self.initial:
                self.initial["extra_directions"] = [d.pk for d in declaration.extra_directions.all()]
            self.fields["extra_directions"].help_text = _("本指南每个项目最多可选 %(n)d 个方向（含上面的主方向）") % {
                "n": guide.max_directions}
        from quotas.jurisdiction import accepted_group_ids, derived_unit
        from quotas.models import Unit

        org = declaration.organisation
        # The unit follows from where the organisation is; a group is offered only after it accepted the membership.
        self.derived_unit = derived_unit(org, guide)
        allowed = ([self.derived_unit.pk] if self.derived_unit else []) + accepted_group_ids(org)
        units = Unit.objects.filter(pk__in=allowed).order_by("kind", "name")
        choices_from(self.fields["unit"], units, units.only("pk", "name", "kind"))
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

    def __init__(self, *args, guide=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_specific_messages()
        self.fields["file"].error_messages["required"] = _("请先选择要上传的文件")
        # The kind decides what blind reviewers see; a file without one is not shown to them.
        self.fields["kind"].queryset = (guide.attachment_kinds.all() if guide is not None
                                        else AttachmentKind.objects.none())
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


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("理由"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=1000)
