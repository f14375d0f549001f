"""Redis (the Celery broker) going away during a document request.

The site runs with a real broker here (not eager) whose address answers nothing. Submitting
still works, since the submission is committed before anything is queued; the application
form says it failed, in words, with a retry button; once the broker is back the button makes it.
"""

import time

from django.urls import reverse

from declarations.models import Declaration
from documents.models import Document
from tests.declarations.test_drafts import form_data
from tests.documents.helpers import form_of
from tests.factories import complete_declaration
from tests.faults.conftest import UNREACHABLE_BROKER, celery_broker
from tests.utils import login

S = Document.State


def test_submitting_while_the_broker_is_down_succeeds_and_the_form_can_be_retried(
        client, personas, django_capture_on_commit_callbacks, mailoutbox):
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a, project_name="队列故障时提交的项目")
    login(client, p.applicant_a)

    started = time.monotonic()
    with celery_broker(UNREACHABLE_BROKER), django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("declarations:edit", args=[decl.pk]), {**form_data(decl), "submit": "1"})
    assert time.monotonic() - started < 30  # the broker is given up on quickly, not waited for

    assert response.status_code == 302 and response.url == reverse("declarations:detail", args=[decl.pk])
    decl.refresh_from_db()
    assert decl.state == Declaration.State.SUBMITTED and decl.submitted_at is not None

    doc = form_of(decl)
    assert doc.state == S.FAILED
    assert "任务队列暂时不可用" in doc.error and "重试" in doc.error
    page = client.get(reverse("declarations:detail", args=[decl.pk])).content.decode()
    assert "申报书生成失败" in page and "任务队列暂时不可用" in page
    assert f"/documents/{doc.pk}/retry/" in page

    # The broker is back (the tests' in-process queue): the retry button makes the form.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[doc.pk]),
                               {"next": reverse("declarations:detail", args=[decl.pk])})
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.state == S.READY and doc.error == ""
    with doc.file.open("rb") as f:
        assert f.read(5) == b"%PDF-"


def test_retrying_while_the_broker_is_still_down_fails_again_with_the_same_message(
        client, personas, django_capture_on_commit_callbacks):
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a)
    login(client, p.applicant_a)
    with celery_broker(UNREACHABLE_BROKER):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("declarations:edit", args=[decl.pk]), {**form_data(decl), "submit": "1"})
        doc = form_of(decl)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("documents:retry", args=[doc.pk]))
    assert response.status_code == 302  # no error page: the failure is shown on the document
    doc.refresh_from_db()
    assert doc.state == S.FAILED and "任务队列暂时不可用" in doc.error
