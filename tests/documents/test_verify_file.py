"""Point 1: the verification page carries the SHA-256 of the issued PDF file itself, so anyone can check a copy
(sha256sum, or the page's in-browser check, tested in tests/browser/test_verify_hash.py)."""

import hashlib
import json
import re

import pytest

from documents.issuing import request_application_form
from tests.utils import login

from .helpers import form_of, pdf_text, submitted_declaration

pytestmark = pytest.mark.django_db


def _versions(page):
    return json.loads(re.search(r'<script id="verify-versions" type="application/json">(.*?)</script>', page,
                                re.S).group(1))


def test_the_page_shows_the_sha256_of_the_downloaded_file(client, personas, django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    doc = form_of(decl)
    login(client, personas.applicant_a)
    downloaded = b"".join(client.get(f"/documents/{doc.pk}/download/").streaming_content)
    client.logout()
    page = client.get(f"/documents/verify/{doc.short_code}/").content.decode()
    assert hashlib.sha256(downloaded).hexdigest() in page
    assert "documents-verify.js" in page and 'type="file"' in page


def test_the_page_lists_every_issued_version_to_compare_a_file_with(personas, django_capture_on_commit_callbacks,
                                                                    client):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    old = form_of(decl)
    with django_capture_on_commit_callbacks(execute=True):
        request_application_form(decl.pk, force=True)
    new = form_of(decl)
    old.refresh_from_db()
    assert old.file_sha256 != new.file_sha256
    for shown in (old, new):
        versions = _versions(client.get(f"/documents/verify/{shown.short_code}/").content.decode())
        assert versions == [
            {"number": old.number, "sha256": old.file_sha256, "current": False, "this": shown == old},
            {"number": new.number, "sha256": new.file_sha256, "current": True, "this": shown == new},
        ]


def test_the_printed_footer_carries_the_short_code_not_a_hash(personas, django_capture_on_commit_callbacks):
    doc = form_of(submitted_declaration(personas, django_capture_on_commit_callbacks))
    pages = pdf_text(doc.file.path).split("\f")
    assert len(pages) > 2
    footer = pages[1].strip().splitlines()[-1]
    assert f"核验码 {doc.short_code}" in footer
    assert doc.fingerprint[:16] not in footer and "指纹" not in footer
