"""Which cached pages a write to a core model touches (see core/pagecache.py)."""

from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session

from core import pagecache
from core.models import AuditRecord, Export, Notification, User


def _audit_scopes(record):
    # Only a declaration's history shows on a cached page; other records live on uncached lists.
    from django.contrib.contenttypes.models import ContentType

    from declarations.models import Declaration

    if record.target_type_id and ContentType.objects.get_for_id(record.target_type_id).model_class() is Declaration:
        return [f"decl:{record.target_id}"]
    return []


def register():
    pagecache.ignore(Session, LogEntry)
    pagecache.depends_on(User, lambda u: [f"user:{u.pk}"])
    pagecache.depends_on(Notification, lambda n: [f"user:{n.user_id}"])
    pagecache.depends_on(Export, lambda e: [f"user:{e.user_id}"])
    pagecache.depends_on(AuditRecord, _audit_scopes)
    try:
        from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog, AccessLog

        pagecache.ignore(AccessAttempt, AccessAttemptExpiration, AccessLog, AccessFailureLog)
    except ImportError:  # pragma: no cover
        pass
    from django_otp.plugins.otp_totp.models import TOTPDevice

    pagecache.depends_on(TOTPDevice, lambda d: [f"user:{d.user_id}"])
