import pytest

from tests.factories import make_org, make_unit, make_user
from tests.utils import login
from units.models import Unit

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64
EXE_BYTES = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def district(db):
    """A recommending unit in Tianjin (region 12), where the test organisations are."""
    city = make_unit("天津市工业和信息化局（申报测试）", Unit.Kind.PROVINCE, "12")
    return make_unit("滨海新区工业和信息化局（申报测试）", Unit.Kind.DISTRICT, "12", parent=city)


@pytest.fixture
def org(db):
    return make_org("申报测试数据公司", region="12", dcmm=3, division="120116")  # in 滨海新区, the `district` fixture


@pytest.fixture
def applicant(org):
    return make_user("applicant", organisation=org, email="owner@example.com")


@pytest.fixture
def applicant_client(client, applicant):
    return login(client, applicant)
