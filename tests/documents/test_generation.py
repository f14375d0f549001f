"""When documents are made, what a new version does to the old one, and how failures behave."""

import os

import pytest
from django.test import override_settings

from core.models import AuditRecord
from declarations.services import return_for_revision, submit_declaration
from documents.content import application_form_content, fingerprint_of
from documents.issuing import request_application_form, retry_document
from documents.models import Document
from documents.tasks import render_document_task

from .helpers import form_of, pdf_text, submitted_declaration

pytestmark = pytest.mark.django_db
S = Document.State


def test_submitting_a_declaration_produces_a_ready_signed_form(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, project_name="城市大脑数据中台")
    doc = form_of(decl)
    assert doc.state == S.READY and doc.file and doc.ready_at
    assert doc.issued_to == personas.org_a.name
    assert doc.fingerprint == fingerprint_of(application_form_content(decl))
    assert "城市大脑数据中台" in pdf_text(doc.file.path)
    actions = list(AuditRecord.objects.filter(target_id=str(doc.pk), action__startswith="document.")
                   .order_by("id").values_list("action", flat=True))
    assert actions == ["document.request", "document.rendering", "document.ready"]


def test_the_form_is_not_rendered_in_the_request(personas):
    """Without the on-commit callbacks (the request's transaction), the document is only queued."""
    decl = submitted_declaration(personas, lambda execute: _NoCommit())
    assert Document.objects.count() == 0  # nothing happens before commit
    request_application_form(decl.pk)  # inside the test transaction: queued, not rendered
    assert form_of(decl).state == S.QUEUED


class _NoCommit:
    def __enter__(self):
        return []

    def __exit__(self, *exc):
        return False


def test_asking_again_for_unchanged_content_returns_the_same_document(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    first = form_of(decl)
    with django_capture_on_commit_callbacks(execute=True):
        again = request_application_form(decl.pk)
    assert again.pk == first.pk
    assert Document.objects.count() == 1


def test_rendering_a_ready_document_again_does_nothing(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    doc = form_of(decl)
    mtime = os.path.getmtime(doc.file.path)
    records = AuditRecord.objects.count()
    render_document_task.delay(doc.pk)
    doc.refresh_from_db()
    assert doc.state == S.READY and doc.attempts == 1
    assert os.path.getmtime(doc.file.path) == mtime
    assert AuditRecord.objects.count() == records


def test_resubmission_supersedes_the_old_form_and_its_verification_page_says_so(
        personas, django_capture_on_commit_callbacks, client):
    p = personas
    decl = submitted_declaration(p, django_capture_on_commit_callbacks, project_name="初版项目名称")
    old = form_of(decl)
    return_for_revision(decl, actor=p.district_a_staff, reason="请补充案例")
    decl.refresh_from_db()
    decl.project_name = "修改后的项目名称"
    decl.save()
    with django_capture_on_commit_callbacks(execute=True):
        submit_declaration(decl, actor=p.applicant_a)
    new = form_of(decl)
    old.refresh_from_db()
    assert new.pk != old.pk and new.state == S.READY
    assert old.superseded_by == new and new.number != old.number
    assert new.fingerprint != old.fingerprint

    page = client.get(f"/documents/verify/{old.short_code}/").content.decode()
    assert "已被替代" in page and new.number in page
    page = client.get(f"/documents/verify/{new.short_code}/").content.decode()
    assert "当前有效版本" in page


def test_regenerate_on_demand_makes_a_new_version(personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    old = form_of(decl)
    with django_capture_on_commit_callbacks(execute=True):
        new = request_application_form(decl.pk, actor=personas.applicant_a, force=True)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.superseded_by == new and new.state == S.READY
    assert new.fingerprint == old.fingerprint  # same content, newer print


def test_a_render_that_keeps_failing_is_retried_then_shown_failed_without_a_file(
        personas, django_capture_on_commit_callbacks, settings, tmp_path):
    from declarations.services import submit_declaration
    from tests.factories import complete_declaration

    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a)  # its files stored before the disk "fails"
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.MEDIA_ROOT = blocker  # every write fails: a transient-looking error
    with django_capture_on_commit_callbacks(execute=True):
        submit_declaration(decl, actor=p.applicant_a)
    doc = form_of(decl)
    assert doc.state == S.FAILED
    assert doc.attempts == 1 + render_document_task.max_retries  # retried with backoff (eager here)
    assert doc.error and not doc.file and doc.ready_at is None
    assert AuditRecord.objects.filter(target_id=str(doc.pk), action="document.failed").count() == 1


def test_retry_after_a_failure_makes_it_ready(personas, django_capture_on_commit_callbacks, settings):
    good = settings.SIGNING_P12_PATH
    settings.SIGNING_P12_PATH = "/nonexistent/signer.p12"
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    doc = form_of(decl)
    assert doc.state == S.FAILED and doc.attempts == 1  # a missing certificate is not retried
    assert "签名证书" in doc.error
    settings.SIGNING_P12_PATH = good
    with django_capture_on_commit_callbacks(execute=True):
        retry_document(doc, actor=personas.applicant_a)
    doc.refresh_from_db()
    assert doc.state == S.READY and doc.error == ""
    folder = os.path.dirname(doc.file.path)
    assert [f for f in os.listdir(folder) if f.startswith(".tmp-")] == []


@override_settings(CELERY_TASK_ALWAYS_EAGER=True)
def test_drafts_get_no_form(personas):
    from tests.factories import complete_declaration

    decl = complete_declaration(personas.guide, personas.org_a, personas.district_a)
    assert request_application_form(decl.pk) is None
