"""Adding and removing second-factor devices: who may, and who is told.

A password alone must never be enough to put a new authenticator on an account that
already has one: enrolling then needs a session verified with an existing device, or a
reset by a ministry admin. Every change is audited and the account holder is notified
(inbox and e-mail), so a stolen password that is used anyway does not go unnoticed.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.audit import record
from core.notify import notify

# Set once a device was enrolled in this login session: the next enrolment needs a new sign-in.
ENROLLED_SESSION_KEY = "otp_enrolled_in_session"
# The unconfirmed device whose secret this session was shown; never shown to another session.
PENDING_SESSION_KEY = "otp_pending_device"


def enrolment_refusal(request):
    """Why this session may not enrol a device now (a Chinese sentence), or None if it may.

    First enrolment: only an account without a confirmed device, once per login.
    Another device: only a session already verified with one of the existing devices.
    """
    user = request.user
    if request.session.get(ENROLLED_SESSION_KEY):
        return _("本次登录已启用过身份验证器。如需再添加，请退出后重新登录，并用已有的身份验证器完成验证。")
    if user_has_device(user) and not user.is_verified():
        return _("您的账户已启用身份验证器，请先用它完成验证。如身份验证器丢失，请联系主管部门管理员重置双因素认证。")
    return None


def pending_device(request):
    """This session's unconfirmed device, made on first use; its secret is shown only here."""
    pk = request.session.get(PENDING_SESSION_KEY)
    device = TOTPDevice.objects.filter(pk=pk, user=request.user, confirmed=False).first() if pk else None
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, confirmed=False,
            name=_("身份验证器（%(date)s 添加）") % {"date": timezone.localdate().isoformat()})
        request.session[PENDING_SESSION_KEY] = device.pk
    return device


def _when_and_where(request):
    return _("时间：%(when)s；IP 地址：%(ip)s。") % {
        "when": timezone.localtime().strftime("%Y-%m-%d %H:%M"), "ip": request.META.get("REMOTE_ADDR") or "-"}


def enrol_device(*, request, device, token):
    """Confirm this session's pending device with a code from it; True if enrolled.

    The caller has checked enrolment_refusal. The session counts as verified by the new
    device, the user is told, and no further device can be enrolled in this session.
    """
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or device.user_id != request.user.pk or not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Other half-finished enrolments of this account (other sessions' secrets) can never be confirmed now.
        TOTPDevice.objects.filter(user=request.user, confirmed=False).delete()
        record("security.otp_enrolled", target=request.user, actor=request.user, request=request,
               summary=_("启用双因素认证（添加身份验证器“%(name)s”）") % {"name": device.name},
               data={"device": device.persistent_id})
        notify(request.user, kind="otp_device_added", title=_("您的账户添加了新的身份验证器"),
               body=_("您的账户刚刚添加了身份验证器“%(name)s”。%(where)s如非本人操作，请立即修改密码，"
                      "并联系主管部门管理员重置双因素认证。") % {"name": device.name, "where": _when_and_where(request)},
               url=reverse("password_change"))
    request.session.pop(PENDING_SESSION_KEY, None)
    request.session[ENROLLED_SESSION_KEY] = True
    otp_login(request, device)
    return True


def reset_second_factor(*, user, actor, request):
    """An admin removes every device of `user` (lost phone); the user enrols again at next sign-in.

    Sessions the user verified with a removed device stop counting as verified at once
    (django-otp finds no device behind them). Returns how many confirmed devices were removed.
    """
    with transaction.atomic():
        devices = list(devices_for_user(user, confirmed=None, for_verify=True))
        removed = [d.name for d in devices if d.confirmed]
        for device in devices:
            device.delete()
        if not removed:
            return 0  # only half-finished enrolments: nothing the user relied on, nothing to tell
        record("security.otp_reset", target=user, actor=actor, request=request,
               summary=_("管理员重置了“%(user)s”的双因素认证") % {"user": user.get_username()},
               data={"removed_devices": removed})
        notify(user, kind="otp_device_removed", title=_("您的双因素认证已被管理员重置"),
               body=_("主管部门管理员 %(actor)s 移除了您账户的全部身份验证器（%(names)s）。%(where)s"
                      "下次登录时请重新启用身份验证器；如您并未申请重置，请立即联系主管部门。") % {
                   "actor": str(actor), "names": "、".join(removed) or "-",
                   "where": _when_and_where(request)})
    return len(removed)


def users_with_device(users):
    """The ids among `users` that have a confirmed device, in one query per device type (for lists)."""
    from django_otp import device_classes

    ids = set()
    for model in device_classes():
        ids.update(model.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True))
    return ids


def verify_current_code(user, token):
    """Whether `token` is the current code of one of the user's confirmed devices (throttled by django-otp)."""
    from django_otp import verify_token

    token = (token or "").strip()
    if not token.isdigit():
        return False
    return any(verify_token(user, d.persistent_id, token) is not None for d in devices_for_user(user))

