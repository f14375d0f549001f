from io import BytesIO
from urllib.parse import quote

import segno
from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login

from core.audit import record
from core.decorators import permission_required

from .models import User
from .security import confirm_fresh_password, safe_next
from .security_devices import enrol_device, enrolment_refusal, pending_device, reset_second_factor


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


@permission_required("core.signed_in")
def otp_setup(request):
    """Enrol an authenticator app: show the QR code of this session's new device, confirm it with one code."""
    refusal = enrolment_refusal(request)
    if refusal:
        if user_has_device(request.user) and not request.user.is_verified():
            messages.error(request, refusal)
            return redirect(f"{reverse('security:otp_verify')}?next={quote(safe_next(request))}")
        return render(request, "security/otp_refused.html", {"reason": refusal}, status=403)
    device = pending_device(request)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", _("尝试过于频繁，请稍候几秒再输入"))
        elif enrol_device(request=request, device=device, token=form.cleaned_data["token"]):
            messages.success(request, _("双因素认证已启用"))
            return redirect(safe_next(request))
        else:
            form.add_error("token", _("验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字"))
    buf = BytesIO()
    segno.make(device.config_url, error="m").save(buf, kind="svg", scale=4, xmldecl=False, svgns=True)
    return render(request, "security/otp_setup.html", {
        "form": form, "qr_svg": mark_safe(buf.getvalue().decode()), "secret": device.key})


@permission_required("core.ministry")
@require_POST
def otp_reset(request, pk):
    """A ministry admin removes another account's devices (lost phone), after re-entering their password."""
    target = get_object_or_404(User, pk=pk)
    back = safe_next(request, default="operations:ministry_home")
    if target.pk == request.user.pk:
        messages.error(request, _("不能重置自己的双因素认证；如需更换身份验证器，请联系另一位管理员"))
        return redirect(back)
    if not confirm_fresh_password(request):
        return redirect(back)
    removed = reset_second_factor(user=target, actor=request.user, request=request)
    if removed:
        messages.success(request, _("已重置“%(user)s”的双因素认证，并已通知本人；其下次登录时须重新启用身份验证器") % {
            "user": target})
    else:
        messages.info(request, _("“%(user)s”尚未启用身份验证器，无需重置") % {"user": target})
    return redirect(back)


@permission_required("core.signed_in")
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
