"""Point 1 of the documents issue: a person drops a PDF on the verification page and Chromium hashes it
locally (Web Crypto) and says whether it is the issued file, and which version."""

import pytest
from playwright.sync_api import expect

from documents.issuing import request_application_form
from documents.models import Document
from documents.signing import create_self_signed_p12
from tests.documents.helpers import form_of, submitted_declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_versions(settings, tmp_path, personas, django_capture_on_commit_callbacks):
    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "signer.p12", "verify-pass"))
    settings.SIGNING_P12_PASSWORD = "verify-pass"
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks)
    old = form_of(decl)
    with django_capture_on_commit_callbacks(execute=True):
        request_application_form(decl.pk, force=True)
    return Document.objects.get(pk=old.pk), form_of(decl)


def _drop(page, path):
    page.locator("#verify-input").set_input_files(str(path))
    return page.locator("#verify-result [data-verify-outcome]")


def test_a_dropped_file_is_hashed_in_the_browser_and_matched_to_its_version(page, shot, two_versions, tmp_path):
    old, new = two_versions
    uploads = []
    page.on("request", lambda r: uploads.append(r.url) if r.method != "GET" else None)
    problems = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text else None)

    page.goto(f"/documents/verify/{old.short_code}/")
    expect(page.locator("#file-sha256")).to_have_text(old.file_sha256)

    result = _drop(page, new.file.path)
    expect(result).to_contain_text("与系统签发文件一致")
    expect(result).to_contain_text(f"当前有效版本 {new.number}")
    expect(result).to_contain_text(new.file_sha256)
    shot(page, "current-version")

    result = _drop(page, old.file.path)
    expect(result).to_contain_text("与系统签发文件一致")
    expect(result).to_contain_text(f"旧版本 {old.number}")
    expect(result).to_have_attribute("data-verify-outcome", "warning")
    shot(page, "old-version")

    altered = tmp_path / "altered.pdf"
    data = bytearray(open(new.file.path, "rb").read())
    data[len(data) // 2] ^= 1
    altered.write_bytes(bytes(data))
    result = _drop(page, altered)
    expect(result).to_contain_text("与系统签发文件不一致")
    expect(result).to_have_attribute("data-verify-outcome", "danger")
    shot(page, "altered")

    assert uploads == [] and problems == []
