"""The unit's ZIP of all forms: the clerk stays on the page where the request was made, and the link says what it is."""

import pytest
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from tests.factories import complete_declaration, make_confirmed_list
from tests.utils import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def rec_list(personas):
    p = personas
    decl = complete_declaration(p.guide, p.org_a, p.district_a, project_name="港口物流大数据平台",
                                state="submitted", submitted_at=timezone.now())
    return make_confirmed_list(p.guide, p.district_a, [decl], recommended=[decl],
                               document_number="滨工信函〔2022〕7号", confirmed_by=p.district_a_staff)


def test_the_zip_request_comes_back_to_the_ranking_page_where_the_link_lives(client, personas, rec_list,
                                                                            django_capture_on_commit_callbacks):
    login(client, personas.district_a_staff)
    ranking = reverse("quotas:ranking") + f"?guide={rec_list.guide_id}"
    page = client.get(ranking).content.decode()
    assert "打包下载全部申报书" in page
    # The box was polled (the letter was being made): the fragment keeps the page to come back to.
    fragment = client.get(reverse("documents:list_status", args=[rec_list.pk]), {"next": ranking}).content.decode()
    assert f'name="next" value="{ranking}"'.replace("&", "&amp;") in fragment
    # Without any `next` (e.g. after an htmx swap), the unit still lands on its ranking page, not the check page.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:request_zip", args=[rec_list.pk]))
    assert response.status_code == 302 and response["Location"] == ranking
    bundle = Document.objects.get(kind=Document.Kind.FORMS_ZIP)
    assert bundle.is_ready, bundle.error
    page = client.get(ranking).content.decode()
    assert "下载全部申报书（ZIP）" in page and reverse("documents:download", args=[bundle.pk]) in page
    assert "下载申报书打包下载" not in page


def test_the_ministry_comes_back_to_the_lists_page(client, personas, rec_list):
    login(client, personas.admin)
    response = client.post(reverse("documents:request_zip", args=[rec_list.pk]))
    assert response["Location"] == reverse("quotas:list", args=[rec_list.pk])


def test_a_foreign_next_is_not_followed(client, personas, rec_list):
    login(client, personas.district_a_staff)
    response = client.post(reverse("documents:request_zip", args=[rec_list.pk]), {"next": "https://evil.example/"})
    assert response["Location"].startswith(reverse("quotas:ranking"))
