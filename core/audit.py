"""The one way to write an audit record."""

from django.contrib.contenttypes.models import ContentType

from .clientip import client_ip
from .models import AuditRecord


def record(action, *, target=None, actor=None, summary="", reason="", data=None, request=None):
    ip = client_ip(request) if request is not None else None
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditRecord.objects.create(
        action=action,
        actor=actor,
        summary=str(summary)[:300],
        reason=reason or "",
        data=data or {},
        ip_address=ip,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
    )


def records_for(obj):
    """Audit records of one object, newest first, with their actors in the same query."""
    return (
        AuditRecord.objects.filter(target_type=ContentType.objects.get_for_model(obj), target_id=str(obj.pk))
        .select_related("actor")
    )
