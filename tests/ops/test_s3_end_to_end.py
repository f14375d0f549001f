"""The S3 code path against a real S3 HTTP API: moto's standalone server on a local port.

The storage is configured exactly as production configures it: `config.settings.default_storage_from_env` reads
the same environment variables (STORAGE_BACKEND=s3, AWS_*) and returns the STORAGES["default"] entry that
settings.py installs; django-storages then talks HTTP to the server through boto3, as it would to MinIO or AWS.
"""

import io
import socket
import tarfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from config.settings import default_storage_from_env
from core.audit import record
from core.models import Export
from declarations import services
from declarations.models import Attachment
from documents.models import Document
from documents.signing import create_self_signed_p12
from operations.backup import create_backup, restore_backup
from tests.declarations.conftest import PDF_BYTES
from tests.documents.helpers import form_of, submitted_declaration
from tests.factories import make_guide, make_org, make_user
from tests.utils import login

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed (pip install -e '.[dev]'): no S3 API to test against")
boto3 = pytest.importorskip("boto3")

REGION = "us-east-1"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    """A new private bucket, made the default storage through the settings' own function."""
    env = {
        "STORAGE_BACKEND": "s3",
        "AWS_STORAGE_BUCKET_NAME": f"pilotdecl-{uuid.uuid4().hex[:12]}",
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": REGION,
        "AWS_S3_ADDRESSING_STYLE": "path",
        "AWS_ACCESS_KEY_ID": "pilotdecl-test",
        "AWS_SECRET_ACCESS_KEY": "pilotdecl-test-secret",
    }
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION,
                          aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                          aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    name = env["AWS_STORAGE_BUCKET_NAME"]
    client.create_bucket(Bucket=name, ACL="private")
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env(env)}
    assert default_storage.bucket_name == name and default_storage.endpoint_url == s3_endpoint
    return _Bucket(client, name, s3_endpoint)


class _Bucket:
    def __init__(self, client, name, endpoint):
        self.client, self.name, self.endpoint = client, name, endpoint

    def keys(self):
        return {o["Key"] for o in self.client.list_objects_v2(Bucket=self.name).get("Contents", [])}

    def read(self, key):
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def anonymous_get(self, key):
        """Status of an unsigned GET of the object's plain URL, as a browser holding the address would make."""
        url = f"{self.endpoint}/{self.name}/{urllib.parse.quote(key)}"
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code


def _assert_private(bucket, key, content):
    assert bucket.anonymous_get(key) == 403
    # the probe does reach objects: one deliberately made public-read is served to anybody
    bucket.client.put_object(Bucket=bucket.name, Key="public-probe.txt", Body=b"public", ACL="public-read")
    assert bucket.anonymous_get("public-probe.txt") == 200
    # the refusal is about the missing signature, not a wrong address: the storage's signed URL works
    with urllib.request.urlopen(default_storage.url(key), timeout=10) as response:
        assert response.status == 200 and response.read() == content


def _download(response):
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_an_attachment_goes_into_the_bucket_and_comes_back_through_the_permission_checked_view(
        client, personas, bucket):
    p = personas
    draft = services.start_declaration(p.guide, organisation=p.org_a, actor=p.applicant_a)[0]
    content = PDF_BYTES + uuid.uuid4().bytes
    login(client, p.applicant_a)
    response = client.post(reverse("declarations:upload_attachment", args=[draft.pk]),
                           {"file": SimpleUploadedFile("营业执照.pdf", content), "label": "证明材料"}, follow=True)
    assert "附件“营业执照.pdf”已上传" in response.content.decode()
    att = Attachment.objects.get(declaration=draft)
    assert bucket.keys() == {att.file.name} and bucket.read(att.file.name) == content

    url = reverse("declarations:download_attachment", args=[att.pk])
    assert _download(client.get(url)) == content
    login(client, p.applicant_b)  # another company's applicant is refused by the view, whatever the store
    assert client.get(url).status_code == 404
    _assert_private(bucket, att.file.name, content)


def test_a_worker_built_export_lands_in_the_bucket_and_downloads_through_its_view(
        client, personas, bucket, django_capture_on_commit_callbacks):
    for i in range(25):
        record("guide.update", target=personas.guide, actor=personas.admin, summary=f"修改第{i}次")
    login(client, personas.admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("core:audit_export_excel"), {"query": "action=guide.update"})
    export = Export.objects.get()
    assert export.state == Export.State.DONE and export.row_count == 25
    assert bucket.keys() == {export.file.name}

    body = _download(client.get(reverse("core:export_download", args=[export.pk])))
    assert body == bucket.read(export.file.name)
    ws = load_workbook(io.BytesIO(body)).active
    assert ws.max_row == 26 and {ws.cell(r, 7).value for r in range(2, 27)} == {f"修改第{i}次" for i in range(25)}
    login(client, personas.applicant_a)
    assert client.get(reverse("core:export_download", args=[export.pk])).status_code == 404
    _assert_private(bucket, export.file.name, body)


def test_a_rendered_and_signed_form_is_stored_in_the_bucket_and_downloads(
        client, personas, bucket, settings, tmp_path, django_capture_on_commit_callbacks):
    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "signer.p12", "s3-test", common_name="测试签章"))
    settings.SIGNING_P12_PASSWORD = "s3-test"
    settings.SITE_URL = "https://sbxt.example.gov.cn"
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, project_name="对象存储测试项目")
    doc = form_of(decl)
    assert doc.state == Document.State.READY and doc.file.name in bucket.keys()
    stored = bucket.read(doc.file.name)
    assert stored.startswith(b"%PDF") and len(stored) == doc.file_size

    login(client, personas.applicant_a)
    assert _download(client.get(reverse("documents:download", args=[doc.pk]))) == stored
    login(client, personas.applicant_b)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    _assert_private(bucket, doc.file.name, stored)


@pytest.mark.django_db(transaction=True)
def test_backup_reads_the_bucket_and_restore_writes_it_back(bucket, tmp_path):
    make_guide(2022)
    make_user("applicant", "s3_backup_user", organisation=make_org("备份到对象存储公司"))
    originals = {"attachments/证明.pdf": b"%PDF-1.4 original", "exports/2026/audit.xlsx": b"PK\x03\x04 workbook"}
    for key, content in originals.items():
        bucket.client.put_object(Bucket=bucket.name, Key=key, Body=content)

    out = create_backup(tmp_path / "backup.tar.gz", portable=True)
    with tarfile.open(out) as tar:
        assert {n for n in tar.getnames() if n.startswith("media/")} == {f"media/{k}" for k in originals}

    bucket.client.put_object(Bucket=bucket.name, Key="attachments/证明.pdf", Body=b"tampered")
    bucket.client.put_object(Bucket=bucket.name, Key="stray.txt", Body=b"written after the backup")
    restore_backup(out)

    assert bucket.keys() == set(originals)
    assert {k: bucket.read(k) for k in originals} == originals
    for key in originals:
        assert bucket.anonymous_get(key) == 403
