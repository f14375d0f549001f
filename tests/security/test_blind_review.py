"""Issue 11, item 4: blind review must not leak the applicant's identity.

What a blind reviewer sees (queue, scoring page, the printable form, its PDF copy,
attachments) hides the applicant's name in all its short forms, the credit code,
contacts, phones and e-mails; identifying attachments are not offered at all; a
conflict declaration does not confirm a guessed organisation; an unavailable
reviewer cannot score any more.
"""

import subprocess

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from core.models import Notification
from declarations.models import Attachment
from documents.models import Document
from documents.signing import create_self_signed_p12
from review.models import Assignment, Review
from review.assignment import add_reviewer, swap_reviewer
from review.reviewers import update_reviewer
from review.scoring import submit_review
from review.setup import settings_for, sheet_for
from tests.factories import make_org
from tests.review.conftest import make_reviewer, recommended_declaration
from tests.utils import login

pytestmark = pytest.mark.django_db

ORG_NAME = "福州新数据科技有限公司"
TITLE = "福州新数据工业大数据服务平台"
CONTACT, PHONE, EMAIL = "林晓峰", "13912345678", "linxf@xinshuju.example.cn"
SUMMARY = ("新数据科技自2015年起服务制造企业，福州市新数据团队负责平台研发。"
           "联系人林晓峰，电话 139-1234-5678，座机 0591-87654321，邮箱 linxf@xinshuju.example.cn，"
           "统一社会信用代码 {code}。")
# Every form of the identity that must not reach a blind reviewer.
SHORT_FORMS = ["新数据", "福州新数据", "新数据科技"]
CONTACTS = [CONTACT, PHONE, "139-1234-5678", "0591-87654321", EMAIL, "xinshuju"]


@pytest.fixture
def world(personas):
    p = personas
    settings_for(p.guide)  # blind review is the default
    org = make_org(ORG_NAME, region="35")
    org.contact_name, org.contact_phone, org.contact_email = CONTACT, PHONE, EMAIL
    org.save()
    decl = recommended_declaration(p.guide, org, p.district_a, project_name=TITLE,
                                   summary=SUMMARY.format(code=org.credit_code))
    decl.attachments.all().delete()  # this world names its own files, the licence among them
    kinds = {k.code: k for k in p.guide.attachment_kinds.all()}
    for name, kind in (("新数据-技术方案.pdf", "project_material"), ("新数据-营业执照.pdf", "business_licence")):
        att = Attachment(declaration=decl, original_name=name, label=name[:-4], kind=kinds[kind], size=4,
                         content_type="application/pdf", sha256="0" * 64)
        att.file.save("x.pdf", ContentFile(b"%PDF"), save=True)
    reviewer = make_reviewer("blind_rev", name="王评审", employer="北京大学", directions=[decl.direction])
    other = make_reviewer("blind_rev2", name="赵评审", employer="清华大学", directions=[decl.direction])
    a = add_reviewer(declaration=decl, reviewer=reviewer, actor=p.admin)
    return {"p": p, "org": org, "decl": decl, "reviewer": reviewer, "other": other, "a": a}


def _reviewer_pages(client, w):
    login(client, w["reviewer"])
    a = w["a"]
    urls = [reverse("review:queue"), reverse("review:score", args=[a.pk]),
            reverse("review:application_form", args=[a.pk])]
    pages = {}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        pages[url] = response.content.decode()
    return pages


@pytest.fixture
def signing(settings, tmp_path):
    settings.SIGNING_P12_PATH = str(create_self_signed_p12(tmp_path / "signer.p12", "pw", common_name="测试签章"))
    settings.SIGNING_P12_PASSWORD = "pw"


def _reviewer_pdf_text(client, w, capture):
    """The reviewer asks for the PDF copy, the worker renders it, the reviewer downloads it: its text layer."""
    login(client, w["reviewer"])
    with capture(execute=True):
        response = client.post(reverse("review:request_pdf", args=[w["a"].pk]))
    assert response.status_code == 302
    doc = Document.objects.for_target(w["a"], Document.Kind.APPLICATION_FORM).current().get()
    assert doc.is_ready, doc.error
    download = client.get(reverse("documents:download", args=[doc.pk]))
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout
    return doc, text.decode("utf-8")


def test_short_forms_of_the_name_are_masked_in_the_queue_the_scoring_page_and_the_form(world, client):
    for url, html in _reviewer_pages(client, world).items():
        assert ORG_NAME not in html, url
        for form in SHORT_FORMS:
            assert form not in html, (url, form)
    queue = _reviewer_pages(client, world)[reverse("review:queue")]
    assert "（申报单位）工业大数据服务平台" in queue  # the rest of the title stays readable


def test_credit_code_contacts_phones_and_emails_are_masked(world, client):
    for url, html in _reviewer_pages(client, world).items():
        for secret in CONTACTS + [world["org"].credit_code, world["p"].district_a.name]:
            assert secret not in html, (url, secret)
    score = _reviewer_pages(client, world)[reverse("review:score", args=[world["a"].pk])]
    assert "（已隐去）" in score and "负责平台研发" in score


def test_the_reviewer_pdf_copy_is_masked_and_has_no_organisation_block(world, client, signing,
                                                                       django_capture_on_commit_callbacks):
    doc, text = _reviewer_pdf_text(client, world, django_capture_on_commit_callbacks)
    compact = "".join(text.split())
    assert "工业大数据服务平台" in compact  # it is the form of this project
    for secret in [ORG_NAME, world["org"].credit_code, world["p"].district_a.name] + SHORT_FORMS + CONTACTS:
        assert secret not in compact, secret
    assert "申报单位基本情况" not in compact and "推荐单位" not in compact  # no organisation block
    assert "营业执照" not in compact  # the hidden attachment is not even listed
    assert world["org"].name not in doc.issued_to
    login(client, world["other"])  # another reviewer, and the applicant, may not fetch this copy
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404
    login(client, world["p"].applicant_a)
    assert client.get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_a_business_licence_is_neither_listed_nor_downloadable_for_a_blind_reviewer(world, client):
    a = world["a"]
    for url, html in _reviewer_pages(client, world).items():
        assert "营业执照" not in html and "附件 2" not in html, url
    score = _reviewer_pages(client, world)[reverse("review:score", args=[a.pk])]
    assert "附件 1" in score  # the project material is there, under a neutral name
    ok = client.get(reverse("review:attachment", args=[a.pk, 1]))
    assert ok.status_code == 200 and "%E9%99%84%E4%BB%B61.pdf" in ok["Content-Disposition"]  # 附件1.pdf
    assert client.get(reverse("review:attachment", args=[a.pk, 2])).status_code == 404
    licence = Attachment.objects.get(declaration=world["decl"], kind__code="business_licence")
    for user in (world["p"].district_a_staff, world["p"].admin):  # the unit and the ministry still get it
        login(client, user)
        assert client.get(reverse("declarations:download_attachment", args=[licence.pk])).status_code == 200
    login(client, world["reviewer"])
    assert client.get(reverse("declarations:download_attachment", args=[licence.pk])).status_code == 404


def _declare(client, text):
    response = client.post(reverse("review:profile"), {"organisation": text}, follow=True)
    messages = [str(m) for m in response.context["messages"]]
    return response.status_code, response.redirect_chain, messages


def test_a_conflict_declaration_answers_the_same_whether_or_not_the_organisation_exists(world, client):
    w = world
    login(client, w["reviewer"])
    known = _declare(client, ORG_NAME)
    unknown = _declare(client, "福州旧数据科技有限公司")
    assert known == unknown  # same status, same redirect, same message
    a = Assignment.objects.get(pk=w["a"].pk)
    assert a.state == Assignment.State.ACTIVE  # nothing silently dropped
    assert client.get(reverse("review:score", args=[a.pk])).status_code == 200  # nor hidden from the reviewer
    # The ministry is told, sees the match and the affected assignment, and reassigns.
    admin = w["p"].admin
    assert Notification.objects.filter(user=admin, kind="reviewer_conflict").count() == 2
    login(client, admin)
    profile = w["reviewer"].reviewer_profile
    assert "回避申明待处理" in client.get(reverse("review:reviewers")).content.decode()
    edit = client.get(reverse("review:reviewer_edit", args=[profile.pk])).content.decode()
    assert ORG_NAME in edit and "未匹配到单位" in edit
    assignments = client.get(reverse("review:assignments", args=[w["p"].guide.pk])).content.decode()
    assert "专家申明了与申报单位的回避（待处理）" in assignments
    swap_reviewer(assignment=a, new_reviewer=w["other"], actor=admin)
    assert Assignment.objects.filter(declaration=w["decl"], reviewer=w["other"]).exists()
    assert not Assignment.objects.filter(pk=a.pk).exists()


def _make_unavailable(w):
    profile = w["reviewer"].reviewer_profile
    update_reviewer(profile=profile, actor=w["p"].admin, name=profile.name, employer=profile.employer,
                    region=profile.region, title=profile.title, email=w["reviewer"].email,
                    expertise=list(profile.expertise.all()), conflicts=[], is_active=False)


def test_an_unavailable_reviewer_cannot_score_yet_keeps_submitted_reviews_readable(world, client):
    w = world
    done_decl = recommended_declaration(w["p"].guide, w["p"].org_b, w["p"].district_b)
    done = add_reviewer(declaration=done_decl, reviewer=w["reviewer"], actor=w["p"].admin)
    scores = {f"score_{c.pk}": "80" for c in sheet_for(done_decl).criteria.all()}
    submit_review(assignment=done, actor=w["reviewer"], scores=scores, comment="项目基础扎实，技术有创新，推广价值较高。")
    _make_unavailable(w)

    login(client, w["reviewer"])
    open_scores = {f"score_{c.pk}": "90" for c in sheet_for(w["decl"]).criteria.all()}
    response = client.post(reverse("review:score", args=[w["a"].pk]),
                           {**open_scores, "comment": "很好的项目，建议入选。", "submit": "1"})
    assert response.status_code == 400
    assert "暂不参加评审" in response.content.decode()
    assert not Review.objects.filter(assignment=w["a"]).exists()
    readable = client.get(reverse("review:score", args=[done.pk]))
    assert readable.status_code == 200 and "80.00" in readable.content.decode()
    # The ministry is told which open task to reassign, and not about the submitted one.
    note = Notification.objects.get(user=w["p"].admin, kind="reviewer_unavailable")
    assert "1 个任务" in note.title and f"项目编号 {w['decl'].pk}" in note.body
    assert f"项目编号 {done_decl.pk}" not in note.body
