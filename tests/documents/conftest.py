import logging

import pytest

from documents.signing import create_self_signed_p12

P12_PASSWORD = "test-signer-pass"


@pytest.fixture(scope="session")
def signing_p12(tmp_path_factory):
    """One self-signed certificate for the whole run, made in a temporary folder."""
    return create_self_signed_p12(tmp_path_factory.mktemp("signing") / "signer.p12", P12_PASSWORD,
                                  common_name="测试签章证书")


@pytest.fixture(autouse=True)
def _signing_settings(settings, signing_p12):
    settings.SIGNING_P12_PATH = str(signing_p12)
    settings.SIGNING_P12_PASSWORD = P12_PASSWORD
    settings.SITE_URL = "https://sbxt.example.gov.cn"


class GlyphWarnings(logging.Handler):
    """Collects WeasyPrint's warnings; ".notdef glyph" ones mean a character was drawn as a box."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def weasyprint_warnings():
    handler = GlyphWarnings()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
