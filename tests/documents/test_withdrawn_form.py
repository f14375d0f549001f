"""Withdrawing asks first; afterwards the printed form is no longer valid and is not offered again for a draft."""

import pytest
from django.urls import reverse

from declarations.models import Declaration
from documents.models import Document
from tests.utils import login

from .helpers import form_of, submitted_declaration

pytestmark = pytest.mark.django_db


def test_withdrawal_is_confirmed_then_the_old_form_is_marked_invalid(client, personas,
                                                                     django_capture_on_commit_callbacks):
    decl = submitted_declaration(personas, django_capture_on_commit_callbacks, project_name="数据要素流通平台")
    doc = form_of(decl)
    login(client, personas.applicant_a)
    detail = reverse("declarations:detail", args=[decl.pk])
    withdraw = reverse("declarations:withdraw", args=[decl.pk])
    assert f'href="{withdraw}"' in client.get(detail).content.decode()
    # The page's button only asks; nothing changed yet.
    page = client.get(withdraw)
    assert page.status_code == 200 and "确定撤回申报吗" in page.content.decode() and "随之失效" in page.content.decode()
    decl.refresh_from_db()
    assert decl.state == Declaration.State.SUBMITTED
    assert client.post(withdraw).status_code == 302
    decl.refresh_from_db()
    assert decl.state == Declaration.State.DRAFT
    html = client.get(detail).content.decode()
    assert "原申报书已失效" in html and "重新生成" not in html
    assert reverse("documents:download", args=[doc.pk]) not in html
    # A forged regenerate request is refused, and nothing is queued.
    client.post(reverse("documents:regenerate_form", args=[decl.pk]))
    assert Document.objects.filter(kind=Document.Kind.APPLICATION_FORM).count() == 1
    # The QR code on the paper copy now says it is no longer valid.
    client.logout()
    verify = client.get(reverse("documents:verify", args=[doc.short_code])).content.decode()
    assert "此文档已失效" in verify and "当前有效版本" not in verify


def test_the_withdraw_page_of_a_declaration_that_cannot_be_withdrawn_goes_back(client, personas):
    from tests.factories import complete_declaration

    decl = complete_declaration(personas.guide, personas.org_a, personas.district_a)  # a draft
    login(client, personas.applicant_a)
    response = client.get(reverse("declarations:withdraw", args=[decl.pk]), follow=True)
    assert "该申报当前不能撤回" in response.content.decode()
