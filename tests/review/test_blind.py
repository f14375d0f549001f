"""Blind review hides the applicant on every page and file a reviewer can open."""

from django.core.files.base import ContentFile
from django.urls import reverse

from declarations.models import Attachment
from review.assignment import add_reviewer
from review.setup import settings_for
from tests.utils import login


def _setup(rp, blind=True):
    cfg = settings_for(rp.guide)
    cfg.blind = blind
    cfg.save()
    decl = rp.decl_a  # project name "甲数据公司大数据平台项目", unit 滨海新区…
    decl.summary = "甲数据公司成立于2015年，统一社会信用代码 " + rp.p.org_a.credit_code
    decl.cases = [{"name": "智慧港口", "customer": "天津港集团", "description": "甲数据为港口提供数据服务"}]
    decl.save()
    kinds = {k.code: k for k in rp.guide.attachment_kinds.all()}
    for name, label, kind in (("甲数据公司-技术方案.pdf", "甲数据公司技术方案", "project_material"),
                              ("甲数据公司-营业执照.pdf", "甲数据公司营业执照", "business_licence")):
        att = Attachment(declaration=decl, original_name=name, label=label, kind=kinds[kind],
                         size=4, content_type="application/pdf", sha256="0" * 64)
        att.file.save("x.pdf", ContentFile(b"%PDF"), save=True)
    a = add_reviewer(declaration=decl, reviewer=rp.assigned, actor=rp.p.admin)
    return a, decl


SECRETS = ["甲数据", "滨海新区", "天津港集团", "营业执照"]


def test_blind_mode_hides_identity_on_every_reviewer_page(rp, client):
    a, decl = _setup(rp)
    login(client, rp.assigned)
    credit = rp.p.org_a.credit_code
    pages = [reverse("review:queue"), reverse("review:score", args=[a.pk]),
             reverse("review:application_form", args=[a.pk])]
    for url in pages:
        html = client.get(url).content.decode()
        for secret in SECRETS + [credit]:
            assert secret not in html, (url, secret)
    html = client.get(reverse("review:score", args=[a.pk])).content.decode()
    assert "（申报单位）大数据平台项目" in html and "附件 1" in html and "匿名评审" in html


def test_blind_attachment_download_has_a_neutral_file_name(rp, client):
    a, _decl = _setup(rp)
    login(client, rp.assigned)
    response = client.get(reverse("review:attachment", args=[a.pk, 1]))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "%E7%94%B2" not in disposition and "甲" not in disposition  # 甲 neither raw nor percent-encoded
    assert "%E9%99%84%E4%BB%B61.pdf" in disposition  # 附件1.pdf
    assert client.get(reverse("review:attachment", args=[a.pk, 2])).status_code == 404  # the licence: hidden


def test_without_blind_mode_the_reviewer_sees_the_applicant(rp, client):
    a, _decl = _setup(rp, blind=False)
    login(client, rp.assigned)
    html = client.get(reverse("review:score", args=[a.pk])).content.decode()
    assert "甲数据公司" in html and "甲数据公司-营业执照.pdf" in html and "天津港集团" in html
