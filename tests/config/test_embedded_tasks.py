import threading

import pytest
from celery.result import EagerResult
from django.core import mail

from core.models import Notification
from core.tasks import email_notification
from tests.factories import make_user


@pytest.mark.django_db(transaction=True)
def test_embedded_mode_runs_a_task_in_a_thread_and_returns_at_once(settings):
    settings.CELERY_EAGER_IN_THREAD = True
    user = make_user("applicant", email="a@example.com")
    n = Notification.objects.create(user=user, kind="test", title="线程任务", body="正文", email_wanted=True)
    before = set(threading.enumerate())
    result = email_notification.delay(n.pk)
    assert not isinstance(result, EagerResult)  # not run inline: the caller got a handle at once
    for t in set(threading.enumerate()) - before:
        t.join(30)
    assert [m.subject for m in mail.outbox] == ["【试点示范申报系统】线程任务"]
    n.refresh_from_db()
    assert n.emailed_at is not None
