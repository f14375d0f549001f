"""Two-factor sign-in for staff roles and a fresh password before consequential actions.

TOTP devices come from django-otp. Enforcement is a setting (OTP_REQUIRED_ROLES)
so production demands it of admin, unit and reviewer accounts while the demo and
most tests do not; the 2FA tests switch it on.
"""

import time
from functools import partial, wraps
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import user_has_device

from core.audit import record

from .security_devices import verify_current_code

FRESH_PASSWORD_SECONDS = 300
SESSION_KEY = "password_confirmed_at"
# Paths a signed-in user may reach before finishing 2FA. Only the two steps of the second factor itself
# are exempt under /security/: anything else there (device reset) needs a verified session like any page.
OTP_EXEMPT_PREFIXES = ("/accounts/logout/", "/static/", "/health/", "/documents/verify/")
OTP_STEP_URL_NAMES = ("security:otp_setup", "security:otp_verify")


def otp_required_for(user):
    if not user.is_authenticated:
        return False
    role = "admin" if user.is_ministry else user.role
    return role in getattr(settings, "OTP_REQUIRED_ROLES", ())


def otp_exempt(path):
    return path.startswith(OTP_EXEMPT_PREFIXES) or path in {reverse(name) for name in OTP_STEP_URL_NAMES}


class RequireOTPMiddleware:
    """Sends staff who signed in with a password alone to the 2FA step (or, with no device yet, its setup)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (user is not None and otp_required_for(user) and not user.is_verified()
                and not otp_exempt(request.path)):
            target = "security:otp_verify" if user_has_device(user) else "security:otp_setup"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)


def safe_next(request, default="home"):
    """The posted or queried `next` if it is a path on this site, else `default` (a path or a URL name)."""
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
        return nxt
    return default if default.startswith("/") else reverse(default)


def password_recently_confirmed(request):
    return time.time() - request.session.get(SESSION_KEY, 0) < FRESH_PASSWORD_SECONDS


def confirm_fresh_password(request):
    """Whether the user re-entered their password (and, with a device, a current code) for this action.

    Call it after the object-level permission check, so a stranger still gets a 404.
    The form carries `confirm_password` and, for users with a confirmed second-factor device,
    `confirm_otp` (templates/security/_confirm_password.html): a stolen password alone must not
    publish results. A correct confirmation is remembered for five minutes. On failure a
    message is added, the attempt is audited, and the caller must change nothing.
    """
    if password_recently_confirmed(request):
        return True
    password = request.POST.get("confirm_password", "")
    user = authenticate(request, username=request.user.get_username(), password=password) if password else None
    if user is None or user.pk != request.user.pk:
        record("security.password_confirm_failed", actor=request.user, request=request,
               summary=_("敏感操作前密码确认失败"))
        messages.error(request, _("请输入正确的登录密码以确认此操作，本次操作未执行"))
        return False
    if user_has_device(request.user) and not verify_current_code(request.user, request.POST.get("confirm_otp")):
        record("security.otp_confirm_failed", target=request.user, actor=request.user, request=request,
               summary=_("敏感操作前动态验证码确认失败"))
        messages.error(request, _("动态验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字，本次操作未执行"))
        return False
    request.session[SESSION_KEY] = time.time()
    return True


def requires_fresh_password(view):
    """Decorator form of confirm_fresh_password, for POST views whose role gate is all the authorisation."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST" and not confirm_fresh_password(request):
            back = request.META.get("HTTP_REFERER")
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
                return redirect(back)
            return redirect("home")
        return view(request, *args, **kwargs)

    return wrapper


def security_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A callable, so only the few pages that include the confirmation form pay for the device query.
    return {"password_recently_confirmed": password_recently_confirmed(request),
            "confirm_needs_otp": partial(user_has_device, user)}
