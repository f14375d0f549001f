from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def email_notification(self, notification_id):
    """Send the e-mail copy of one notification, once (emailed_at marks it done)."""
    n = Notification.objects.select_related("user").filter(pk=notification_id, emailed_at__isnull=True).first()
    if n is None or not n.user.email:
        return
    body = n.body + (f"\n\n{settings.SITE_URL}{n.url}" if n.url else "")
    try:
        send_mail(f"【试点示范申报系统】{n.title}", body, None, [n.user.email])
    except Exception as exc:  # noqa: BLE001 - SMTP errors vary; retry all with backoff
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries)
    Notification.objects.filter(pk=n.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
