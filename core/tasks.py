"""Celery tasks of the core room: thin wrappers that take ids and call plain functions.

The audit export's task lives next to its builder (core.exports), so neither module imports the other.
"""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone

from .models import Notification

log = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPTS = 6
SMTP_TIMEOUT = 20  # seconds; a hung mail server must not hold a worker forever


def _message(n):
    greeting = f"{n.user.full_name or n.user.username}：\n\n"
    link = f"\n\n{settings.SITE_URL}{n.url}" if n.url else ""
    footer = "\n\n——\n本邮件由大数据产业发展试点示范项目申报系统自动发送，请勿直接回复。"
    return EmailMessage(subject=f"【试点示范申报系统】{n.title}", body=greeting + n.body + link + footer,
                        to=[n.user.email], connection=get_connection(timeout=SMTP_TIMEOUT))


def send_notification_email(notification_id):
    """Send one notification's e-mail at most once. Returns True when sent now.

    The row is locked while sending, so two workers given the same id (a retried
    task, the sweeper) cannot both send; emailed_at marks it done.
    """
    with transaction.atomic():
        n = (Notification.objects.select_for_update().select_related("user")
             .filter(pk=notification_id, emailed_at__isnull=True, email_wanted=True).first())
        if n is None:
            return False
        if not n.user.email or not n.user.is_active:
            Notification.objects.filter(pk=n.pk).update(email_wanted=False)
            return False
        failure = None
        try:
            _message(n).send()
        except Exception as exc:  # noqa: BLE001 - SMTP errors vary; recorded (committed) and re-raised for retry
            failure = exc
            Notification.objects.filter(pk=n.pk).update(email_attempts=n.email_attempts + 1,
                                                        email_error=str(exc)[:300])
        else:
            Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now(),
                                                        email_attempts=n.email_attempts + 1, email_error="")
    if failure is not None:
        raise failure
    return True


@shared_task(bind=True, acks_late=True, max_retries=MAX_EMAIL_ATTEMPTS - 1, default_retry_delay=60)
def email_notification(self, notification_id):
    """Send the e-mail copy of one notification, retrying with backoff (1, 2, 4, 8, 16 min)."""
    try:
        send_notification_email(notification_id)
    except Exception as exc:  # noqa: BLE001
        if self.request.is_eager:
            log.warning("e-mail for notification %s failed; the sweeper will retry", notification_id, exc_info=True)
            return
        raise self.retry(exc=exc, countdown=60 * 2 ** self.request.retries)


def pending_emails(now=None):
    """Wanted e-mails not sent yet: older than ten minutes (their task is lost), younger than three days."""
    now = now or timezone.now()
    return Notification.objects.filter(
        email_wanted=True, emailed_at__isnull=True, email_attempts__lt=MAX_EMAIL_ATTEMPTS,
        created_at__lt=now - timedelta(minutes=10), created_at__gte=now - timedelta(days=3))


def queue_email(notification_id):
    """Hand the e-mail to Celery; if the broker is down the sweeper (resend_pending_emails) retries."""
    try:
        email_notification.delay(notification_id)
    except Exception:  # noqa: BLE001 - a broker outage must not break the request that notified
        log.warning("could not queue e-mail for notification %s; the sweeper will retry", notification_id,
                    exc_info=True)


@shared_task
def resend_pending_emails():
    ids = list(pending_emails().values_list("pk", flat=True)[:500])
    for pk in ids:
        queue_email(pk)
    return len(ids)
