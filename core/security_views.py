from io import BytesIO

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import devices_for_user
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import record

from .security import safe_next


class TokenForm(forms.Form):
    token = forms.CharField(label=gettext_lazy("动态验证码"), max_length=6, min_length=6,
                            widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
                            error_messages={"min_length": gettext_lazy("请输入 6 位数字验证码"),
                                            "max_length": gettext_lazy("请输入 6 位数字验证码"),
                                            "required": gettext_lazy("请输入 6 位数字验证码")})

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("验证码只包含数字"))
        return token


@login_required
def otp_setup(request):
    """Enrol an authenticator app: show the QR code of a new device, confirm it with one code."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=_("身份验证器"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("尝试过于频繁，请稍候几秒再输入"))
        elif device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            record("security.otp_enrolled", target=request.user, actor=request.user, request=request,
                   summary=_("启用双因素认证"))
            messages.success(request, _("双因素认证已启用"))
            return redirect(safe_next(request))
        else:
            form.add_error("token", _("验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字"))
    buf = BytesIO()
    segno.make(device.config_url, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True)
    return render(request, "security/otp_setup.html", {
        "form": form, "qr_svg": mark_safe(buf.getvalue().decode()), "secret": device.key})


@login_required
def otp_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        devices = list(devices_for_user(request.user, confirmed=True))
        if devices and not any(d.verify_is_allowed()[0] for d in devices):
            form.add_error("token", _("尝试过于频繁，请稍候几秒再输入"))
            return render(request, "security/otp_verify.html", {"form": form})
        for device in devices:
            if device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(safe_next(request))
        record("security.otp_failed", target=request.user, actor=request.user, request=request,
               summary=_("双因素认证验证码错误"))
        form.add_error("token", _("验证码不正确或已过期，请重试"))
    return render(request, "security/otp_verify.html", {"form": form})
