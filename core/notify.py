"""The one way to tell a user something: an inbox entry plus an e-mail sent by Celery."""

from django.db import IntegrityError, transaction

from .models import Notification


def notify(user, *, kind, title, body="", url="", dedupe_key=None, email=True):
    """Create the inbox entry and queue its e-mail after commit.

    With a dedupe_key the same reminder is stored (and mailed) at most once,
    however often the caller runs: the unique key is enforced by the database.
    Returns the Notification, or None when the key was already used.
    """
    try:
        with transaction.atomic():
            n = Notification.objects.create(user=user, kind=kind, title=str(title)[:200], body=str(body),
                                            url=url, dedupe_key=dedupe_key)
    except IntegrityError:
        return None
    if email and user.email:
        from .tasks import email_notification

        transaction.on_commit(lambda: email_notification.delay(n.pk))
    return n
