"""Registration of an applicant organisation, and the account flows (Django's auth views)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditRecord
from declarations.models import Organisation
from tests.declarations.conftest import EXE_BYTES, PDF_BYTES
from tests.factories import PASSWORD, credit_code, make_org, make_user

User = get_user_model()


def registration(**overrides):
    data = {
        "org_name": "天津新数科技有限公司", "credit_code": credit_code(424242), "kind": "enterprise",
        "is_industrial": "on", "region": "12", "dcmm_level": "0", "contact_name": "李四",
        "contact_phone": "13912345678", "email": "lisi@example.com", "username": "xinshu",
        "password1": "Xinshu#2026-pass", "password2": "Xinshu#2026-pass",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response):
    return response.content.decode()


def test_registration_creates_the_organisation_and_signs_in(client, db):
    response = client.post(reverse("register"), registration())
    assert response.status_code == 302 and response.url == reverse("declarations:dashboard")
    org = Organisation.objects.get(credit_code=credit_code(424242))
    user = User.objects.get(username="xinshu")
    assert (user.organisation, user.role, user.email) == (org, "applicant", "lisi@example.com")
    assert (org.region, org.is_industrial, org.contact_phone) == ("12", True, "13912345678")
    assert AuditRecord.objects.filter(action="organisation.register", target_id=str(org.pk)).exists()
    assert "天津新数科技有限公司" in client.get(reverse("declarations:dashboard")).content.decode()


def test_registration_with_dcmm_level_and_certificate(client, db):
    data = registration(dcmm_level="3", dcmm_certificate=SimpleUploadedFile("DCMM证书.pdf", PDF_BYTES))
    assert client.post(reverse("register"), data).status_code == 302
    org = Organisation.objects.get(credit_code=credit_code(424242))
    assert org.dcmm_level == 3 and org.dcmm_certificate.name.endswith(".pdf")
    assert "DCMM证书" not in org.dcmm_certificate.name


@pytest.mark.parametrize("overrides,message", [
    ({"contact_phone": "1391234567"}, "请输入 11 位中国大陆手机号码，例如 13812345678"),
    ({"contact_phone": "23912345678"}, "请输入 11 位中国大陆手机号码"),
    ({"dcmm_level": "3"}, "填写了 DCMM 等级时，请上传 DCMM 证书"),
    ({"kind": "institute"}, "只有单位类型为“企业”的才能勾选“属于工业企业”"),
    ({"credit_code": credit_code(424242)[:17] + ("0" if credit_code(424242)[-1] != "0" else "1")},
     "统一社会信用代码校验位不正确，请核对最后一位"),
    ({"credit_code": "9112000012345"}, "统一社会信用代码应为 18 位，您输入了 13 位"),
    ({"org_name": ""}, "请填写单位名称"),
    ({"region": "35"}, "不在“福建省”内"),  # the credit code says Tianjin; blank region is proposed from it
    ({"region": "99"}, "“所在省级地区”的选项无效，请从列表中重新选择"),
    ({"email": "not-an-email"}, "请输入有效的电子邮箱地址"),
    ({"password2": "Different#2026"}, "输入的两个密码不一致"),
    ({"dcmm_level": "2", "dcmm_certificate": SimpleUploadedFile("证书.pdf", EXE_BYTES)}, "的内容不是 PDF、JPG 或 PNG"),
])
def test_registration_says_exactly_what_to_fix(client, db, overrides, message):
    response = client.post(reverse("register"), registration(**overrides))
    assert response.status_code == 200
    assert message in errors_of(response)
    assert not Organisation.objects.filter(name="天津新数科技有限公司").exists()
    assert not User.objects.filter(username="xinshu").exists()


def test_a_credit_code_registers_once(client, db):
    existing = make_org("已注册单位")
    response = client.post(reverse("register"), registration(credit_code=existing.credit_code.lower()))
    assert "该统一社会信用代码已注册，请直接登录或联系本单位已注册的用户" in errors_of(response)
    assert Organisation.objects.filter(credit_code=existing.credit_code).count() == 1


def test_an_email_registers_once(client, db):
    make_user("applicant", email="lisi@example.com", organisation=make_org())
    response = client.post(reverse("register"), registration(email="LiSi@example.com"))
    assert "该邮箱已被其他账户使用" in errors_of(response)


def test_the_region_list_has_31_regions_and_the_xpcc(client, db):
    page = client.get(reverse("register")).content.decode()
    assert page.count('<option value="') - page.count('<option value="enterprise"') >= 32
    assert "新疆生产建设兵团" in page and "西藏自治区" in page


# --- login, logout, password change and reset ------------------------------------------

@pytest.fixture
def member(db):
    return make_user("applicant", "member1", organisation=make_org(), email="member1@example.com")


def test_login_and_logout(client, member):
    response = client.post(reverse("login"), {"username": "member1", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("declarations:dashboard")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("declarations:dashboard")).status_code == 302


def test_a_wrong_password_is_refused_in_chinese(client, member):
    response = client.post(reverse("login"), {"username": "member1", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_password_change(client, member):
    client.force_login(member, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "Changed#2026-pass", "new_password2": "Changed#2026-pass"})
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    member.refresh_from_db()
    assert member.check_password("Changed#2026-pass")
    wrong = client.post(reverse("password_change"), {
        "old_password": "nope", "new_password1": "Other#2026-pass", "new_password2": "Other#2026-pass"})
    assert "你的旧密码不正确" in wrong.content.decode() or "旧密码不正确" in wrong.content.decode()


def test_password_reset_by_email(client, member):
    response = client.post(reverse("password_reset"), {"email": "member1@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["member1@example.com"]
    assert "重置登录密码" in message.subject and "member1" in message.body
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Reset#2026-pass", "new_password2": "Reset#2026-pass"})
    assert done.status_code == 302 and done.url == reverse("password_reset_complete")
    member.refresh_from_db()
    assert member.check_password("Reset#2026-pass")
    assert "该重置链接无效或已被使用" in client.get(link, follow=True).content.decode()


def test_password_reset_for_an_unknown_email_sends_nothing(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302 and mail.outbox == []
