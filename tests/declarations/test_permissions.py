"""An applicant sees and changes only its own organisation's data."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from declarations import services
from tests.declarations.conftest import PDF_BYTES
from tests.declarations.test_drafts import form_data
from tests.factories import complete_declaration, make_guide
from tests.utils import login


@pytest.fixture
def a_decl(personas):
    """Applicant A's draft, with one attachment."""
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a, project_name="甲公司的秘密项目")
    att = services.add_attachment(decl, upload=SimpleUploadedFile("甲的证明.pdf", PDF_BYTES),
                                  mime="application/pdf", actor=p.applicant_a)
    return decl, att


def object_urls(decl, att):
    """Every applicant URL that names one of A's objects, with the method it answers."""
    return [
        ("get", reverse("declarations:detail", args=[decl.pk]), {}),
        ("get", reverse("declarations:edit", args=[decl.pk]), {}),
        ("post", reverse("declarations:edit", args=[decl.pk]), form_data(decl, project_name="被篡改", save="1")),
        ("post", reverse("declarations:autosave", args=[decl.pk]), form_data(decl, project_name="被篡改")),
        ("post", reverse("declarations:withdraw", args=[decl.pk]), {}),
        ("post", reverse("declarations:upload_attachment", args=[decl.pk]),
         {"file": SimpleUploadedFile("b.pdf", PDF_BYTES)}),
        ("get", reverse("declarations:download_attachment", args=[att.pk]), {}),
        ("post", reverse("declarations:delete_attachment", args=[decl.pk, att.pk]), {}),
    ]


def test_another_applicant_gets_404_on_every_url_of_the_declaration(client, personas, a_decl):
    decl, att = a_decl
    before = decl.attachments.count()
    login(client, personas.applicant_b)
    for method, url, data in object_urls(decl, att):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    decl.refresh_from_db()
    assert decl.project_name == "甲公司的秘密项目" and decl.attachments.count() == before


def test_the_owner_gets_each_of_those_urls(client, personas, a_decl):
    decl, att = a_decl
    login(client, personas.applicant_a)
    for i in range(len(object_urls(decl, att))):
        decl.refresh_from_db()  # each save bumps the version the next form must carry
        method, url, data = object_urls(decl, att)[i]
        if "withdraw" in url:
            continue  # a draft cannot be withdrawn; covered in test_drafts
        response = getattr(client, method)(url, data)
        assert response.status_code in (200, 302), (method, url, response.status_code)


def test_anonymous_users_are_sent_to_login_on_every_applicant_url(client, personas, a_decl):
    decl, att = a_decl
    urls = [(m, u, d) for m, u, d in object_urls(decl, att)] + [
        ("get", reverse("declarations:dashboard"), {}),
        ("get", reverse("declarations:guide", args=[personas.guide.pk]), {}),
        ("post", reverse("declarations:start", args=[personas.guide.pk]), {}),
        ("get", reverse("declarations:organisation"), {}),
        ("get", reverse("declarations:dcmm_certificate"), {}),
    ]
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, (method, url, response.status_code)
        assert response.url.startswith(reverse("login") + "?next="), url


def test_staff_of_other_roles_get_403_on_applicant_pages(client, personas, a_decl):
    decl, _att = a_decl
    login(client, personas.district_b_staff)
    for url in [reverse("declarations:dashboard"), reverse("declarations:detail", args=[decl.pk]),
                reverse("declarations:edit", args=[decl.pk]), reverse("declarations:organisation")]:
        assert client.get(url).status_code == 403, url


def test_another_applicants_dashboard_and_guide_page_do_not_show_the_declaration(client, personas, a_decl):
    login(client, personas.applicant_b)
    dashboard = client.get(reverse("declarations:dashboard")).content.decode()
    guide_page = client.get(reverse("declarations:guide", args=[personas.guide.pk])).content.decode()
    assert "甲公司的秘密项目" not in dashboard + guide_page
    assert "开始申报" in guide_page


def test_starting_the_same_guide_gives_the_other_applicant_its_own_draft(client, personas, a_decl):
    decl, _att = a_decl
    login(client, personas.applicant_b)
    response = client.post(reverse("declarations:start", args=[personas.guide.pk]))
    own = personas.org_b.declarations.get()
    assert response.url == reverse("declarations:edit", args=[own.pk]) and own.pk != decl.pk


def test_the_ministry_may_download_but_not_edit(client, personas, a_decl):
    decl, att = a_decl
    login(client, personas.admin)
    assert client.get(reverse("declarations:download_attachment", args=[att.pk])).status_code == 200
    assert client.get(reverse("declarations:edit", args=[decl.pk])).status_code == 403


def test_a_dcmm_certificate_is_served_only_to_its_organisation(client, personas):
    from django.core.files.base import ContentFile

    personas.org_a.dcmm_certificate.save("a.pdf", ContentFile(PDF_BYTES))
    login(client, personas.applicant_b)
    assert client.get(reverse("declarations:dcmm_certificate")).status_code == 404
    login(client, personas.applicant_a)
    assert client.get(reverse("declarations:dcmm_certificate")).status_code == 200


def test_an_unpublished_guide_is_404(client, personas):
    hidden = make_guide(2022, published=False)
    login(client, personas.applicant_a)
    assert client.get(reverse("declarations:guide", args=[hidden.pk])).status_code == 404
