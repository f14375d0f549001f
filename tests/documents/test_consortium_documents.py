"""A consortium's application form and its unit's recommendation letter name the members."""

import re

import pytest

from declarations.consortia import add_member, decide_membership
from declarations.services import submit_declaration
from documents.content import application_form_content
from documents.issuing import request_recommendation_letter
from documents.models import Document
from units.models import Unit
from tests.factories import complete_declaration, make_confirmed_list, make_guide, make_org, make_unit, make_user

from .helpers import form_of, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def consortium(db, django_capture_on_commit_callbacks):
    guide = make_guide(2023)
    guide.is_published = True
    guide.save(update_fields=["is_published"])
    province = make_unit("天津市工业和信息化局（文书测试）", Unit.Kind.PROVINCE, "12")
    lead = make_org("联合牵头科技有限公司")
    lead_user = make_user("applicant", organisation=lead)
    decl = complete_declaration(guide, lead, province, direction_code="1", project_name="跨区域数据流通联合项目")
    for name, role, share in (("联合成员甲数据有限公司", "负责数据接入", 30), ("联合成员乙研究院", "负责安全评估", 20)):
        org = make_org(name)
        m = add_member(decl, credit_code=org.credit_code, role=role, share=share, actor=lead_user)
        decide_membership(m, actor=make_user("applicant", organisation=org), confirm=True)
    with django_capture_on_commit_callbacks(execute=True):
        submit_declaration(decl, actor=lead_user)
    return decl, province


def test_the_application_form_names_every_member_with_its_part(consortium):
    decl, _province = consortium
    doc = form_of(decl)
    assert doc.state == Document.State.READY, doc.error
    assert [m["name"] for m in doc.content["consortium"]] == ["联合成员甲数据有限公司", "联合成员乙研究院"]
    flat = re.sub(r"\s+", "", pdf_text(doc.file.path))
    for text in ("联合体成员单位（盖章）", "联合成员甲数据有限公司", "负责数据接入", "30%", "联合成员乙研究院", "负责安全评估"):
        assert text in flat


def test_a_single_applicants_form_has_no_consortium_part(consortium):
    decl, province = consortium
    alone = complete_declaration(decl.guide, make_org("单独申报公司"), province, direction_code="2")
    assert "consortium" not in application_form_content(alone)


def test_the_recommendation_letter_names_the_members(consortium, django_capture_on_commit_callbacks):
    decl, province = consortium
    rec_list = make_confirmed_list(decl.guide, province, [decl], document_number="津工信软〔2023〕3号")
    with django_capture_on_commit_callbacks(execute=True):
        doc = request_recommendation_letter(rec_list.pk)
    doc.refresh_from_db()
    assert doc.state == Document.State.READY, doc.error
    assert doc.content["entries"][0]["members"] == ["联合成员甲数据有限公司", "联合成员乙研究院"]
    flat = re.sub(r"\s+", "", pdf_text(doc.file.path))
    # The applicant column is narrow: pdftotext interleaves its lines with the direction column's.
    assert "联合体牵头单位；成员单位：" in flat and "联合成员乙研究院" in flat
    # 2023 renamed the programme 大数据产业发展示范 (without 试点): the letter follows its guide.
    assert "关于推荐2023年大数据产业发展示范项目的函" in flat and "试点" not in flat
