"""A unit's forms ZIP: collected by the worker, written entry by entry into the storage, alive while it progresses."""

import hashlib
import io
import tempfile
import zipfile
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.audit import record
from core.models import AuditRecord
from declarations.models import Declaration
from documents.bundles import build_forms_zip
from documents.issuing import request_forms_zip
from documents.models import Document
from documents.rendering import render_document
from documents.sweeper import requeue_stale_documents
from tests.factories import complete_declaration, make_confirmed_list, make_org

pytestmark = pytest.mark.django_db

IN_MEMORY = {"default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
             "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}


@pytest.fixture
def memory_storage(settings):
    settings.STORAGES = IN_MEMORY
    return default_storage


def _ready_form(decl, n):
    """An issued application form already in the storage (the PDF bytes stand in for a rendered form)."""
    data = b"%PDF-1.4\n" + f"form of {decl.pk}\n".encode() + bytes(range(256)) * (n + 1)
    name = default_storage.save(f"documents/application_form/{decl.pk}.pdf", ContentFile(data))
    return Document.objects.create(
        kind=Document.Kind.APPLICATION_FORM, target_type=ContentType.objects.get_for_model(Declaration),
        target_id=decl.pk, number=f"SB-{decl.pk}", short_code=f"T{decl.pk:015d}", content={}, fingerprint="0" * 64,
        issued_to=decl.organisation.name, state=Document.State.READY, file=name, file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(), ready_at=timezone.now()), data


def _list_of(personas, n):
    p = personas
    decls = []
    for i in range(n):
        org = make_org(f"打包测试公司{i}", region="12", division=p.district_a.division)
        decl = complete_declaration(p.guide, org, p.district_a, project_name=f"打包测试项目{i}", state="submitted",
                                    submitted_at=timezone.now())
        record("declaration.pass", target=decl, actor=p.district_a_staff, summary="形式审查通过")
        decls.append(decl)
    return make_confirmed_list(p.guide, p.district_a, decls, recommended=decls[:1]), decls


def test_the_zip_goes_into_the_storage_with_every_form_in_rank_order(personas, memory_storage):
    rec_list, decls = _list_of(personas, 3)
    forms = [_ready_form(d, i) for i, d in enumerate(decls)]
    doc = render_document(request_forms_zip(rec_list.pk).pk)
    assert doc.state == Document.State.READY and doc.progress == 100
    assert memory_storage.exists(doc.file.name) and memory_storage.size(doc.file.name) == doc.file_size
    with memory_storage.open(doc.file.name, "rb") as f:
        data = f.read()
    assert hashlib.sha256(data).hexdigest() == doc.file_sha256
    zf = zipfile.ZipFile(io.BytesIO(data))
    pdfs = [n for n in zf.namelist() if n.endswith(".pdf")]
    assert [n.split("-")[0] for n in pdfs] == ["01", "02", "03"]
    assert [zf.read(n) for n in pdfs] == [data for _form, data in forms]
    assert all("形式审查通过" in zf.read(f"{i:02d}-打包测试公司{i - 1}-形式审查记录.txt").decode() for i in (1, 2, 3))
    listing = zf.read("清单.txt").decode().splitlines()
    assert listing == ["1\t打包测试公司0\t打包测试项目0\t推荐", "2\t打包测试公司1\t打包测试项目1\t",
                       "3\t打包测试公司2\t打包测试项目2\t"]


def test_asking_for_the_zip_costs_the_same_queries_whatever_the_list_length(personas, memory_storage):
    counts = []
    for n in (1, 6):
        rec_list, _decls = _list_of(personas, n)
        with CaptureQueriesContext(connection) as queries:
            request_forms_zip(rec_list.pk)
        counts.append(len(queries))
        rec_list.entries.all().delete()
        rec_list.delete()
    assert counts[0] == counts[1]


def test_a_long_zip_that_keeps_reporting_progress_is_not_requeued(personas, memory_storage):
    rec_list, decls = _list_of(personas, 3)
    _ready_form(decls[0], 0)
    _ready_form(decls[2], 2)  # the second entry's form is not ready: the build stops to render it
    doc = request_forms_zip(rec_list.pk)
    # The ZIP was asked for, and started, half an hour ago: long past the sweeper's limit.
    long_ago = timezone.now() - timedelta(minutes=30)
    Document.objects.filter(pk=doc.pk).update(state=Document.State.RENDERING, created_at=long_ago,
                                              active_at=long_ago, attempts=1)
    AuditRecord.objects.filter(target_id=str(doc.pk), action__startswith="document.").update(created_at=long_ago)
    seen = {}

    def render(form_pk):
        # Mid-build (one entry written), the beat's sweeper runs.
        seen["requeued"] = requeue_stale_documents()
        seen["state"] = Document.objects.get(pk=doc.pk).state
        return render_document(form_pk)

    doc.refresh_from_db()
    with tempfile.TemporaryFile() as out:
        build_forms_zip(doc, out, render=render)
    assert seen == {"requeued": 0, "state": Document.State.RENDERING}
    # ...whereas the same ZIP, silent for half an hour (its worker gone), is queued again.
    Document.objects.filter(pk=doc.pk).update(active_at=long_ago)
    assert requeue_stale_documents() == 1
    assert Document.objects.get(pk=doc.pk).state == Document.State.QUEUED
