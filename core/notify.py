"""The one way to tell a user something: an inbox entry plus an e-mail sent by Celery."""

from django.db import IntegrityError, transaction

from .models import Notification
from .tasks import queue_email


def notify(user, *, kind, title, body="", url="", dedupe_key=None, email=True):
    """Create the inbox entry and queue its e-mail after commit.

    With a dedupe_key the same reminder is stored (and mailed) at most once,
    however often the caller runs: the unique key is enforced by the database.
    Returns the Notification, or None when the key was already used.
    """
    wanted = bool(email and user.email and user.is_active)
    try:
        with transaction.atomic():
            n = Notification.objects.create(user=user, kind=kind, title=str(title)[:200], body=str(body),
                                            url=url, dedupe_key=dedupe_key, email_wanted=wanted)
    except IntegrityError:
        return None
    if wanted:
        transaction.on_commit(lambda: queue_email(n.pk))
    return n


def notify_many(messages, *, kind):
    """Many inbox entries in one insert, for bulk steps (a confirmed list, published results).

    `messages` are (user, title, body, url, dedupe_key) tuples; keys already used are skipped,
    so a step that runs twice tells nobody twice. Three queries whatever the count; the
    e-mails are queued after commit. Returns the number created.
    """
    messages = [m for m in messages if m[0].is_active]
    keys = [m[4] for m in messages if m[4]]
    used = set(Notification.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)) if keys else set()
    rows, seen = [], set()
    for user, title, body, url, key in messages:
        if key and (key in used or key in seen):
            continue
        seen.add(key)
        rows.append(Notification(user=user, kind=kind, title=str(title)[:200], body=str(body), url=url,
                                 dedupe_key=key, email_wanted=bool(user.email)))
    try:
        with transaction.atomic():
            created = Notification.objects.bulk_create(rows)
    except IntegrityError:  # a concurrent run took some keys meanwhile: fall back to one at a time
        return sum(notify(r.user, kind=kind, title=r.title, body=r.body, url=r.url, dedupe_key=r.dedupe_key)
                   is not None for r in rows)
    ids = [n.pk for n in created if n.email_wanted and n.pk]
    if ids:
        transaction.on_commit(lambda: [queue_email(pk) for pk in ids])
    return len(created)


def mark_read(user, *, ids=None, now=None):
    """Mark the user's notifications read (all unread ones when ids is None); returns how many changed."""
    from django.utils import timezone

    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=now or timezone.now())
