"""Receivers of framework signals that belong in the audit trail."""

from django.utils.translation import gettext as _

from .audit import record


def record_login_failure(sender, credentials, request=None, **kwargs):
    """A failed sign-in: who was tried and from where; never the password (Django masks it anyway)."""
    username = str((credentials or {}).get("username", ""))[:150]
    record("auth.login_failed", request=request, summary=_("登录失败：%(username)s") % {"username": username or "—"},
           data={"username": username,
                 "user_agent": (request.META.get("HTTP_USER_AGENT", "")[:200] if request is not None else "")})
