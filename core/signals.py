"""Receivers of framework signals that belong in the audit trail."""

from django.utils.translation import gettext as _

from .audit import record


def record_login_failure(sender, credentials, request=None, **kwargs):
    """A failed sign-in: who was tried and from where; never the password (Django masks it anyway)."""
    username = str((credentials or {}).get("username", ""))[:150]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and username == user.get_username():
        # A signed-in user re-entering their password before a consequential action is not signing in:
        # core.security.confirm_fresh_password records that as security.password_confirm_failed.
        return
    record("auth.login_failed", request=request, summary=_("登录失败：%(username)s") % {"username": username or "—"},
           data={"username": username,
                 "user_agent": (request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else "")})
