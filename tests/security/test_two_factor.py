import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditRecord
from tests.factories import PASSWORD


@pytest.fixture
def enforce_2fa(settings):
    settings.OTP_REQUIRED_ROLES = ("admin", "unit", "reviewer")


def _password_login(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _current_token(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_unit_staff_must_enrol_before_seeing_anything(client, personas, enforce_2fa):
    _password_login(client, personas.city_staff)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("security:otp_setup"))
    assert "启用双因素认证" in response.content.decode()


def test_enrolment_with_a_wrong_code_is_refused_then_a_right_one_signs_in(client, personas, enforce_2fa, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the throttle after a wrong code is tested below
    _password_login(client, personas.admin)
    client.get(reverse("security:otp_setup"))
    device = TOTPDevice.objects.get(user=personas.admin)
    response = client.post(reverse("security:otp_setup"), {"token": "000000" if _current_token(device) != "000000" else "111111"})
    assert "验证码不正确" in response.content.decode()
    response = client.post(reverse("security:otp_setup"), {"token": _current_token(device), "next": "/ministry/"})
    assert response.status_code == 302 and response["Location"] == "/ministry/"
    assert client.get("/ministry/").status_code == 200
    assert AuditRecord.objects.filter(action="security.otp_enrolled", actor=personas.admin).exists()


def test_enrolled_user_is_asked_for_a_code_at_each_sign_in(client, personas, enforce_2fa):
    device = TOTPDevice.objects.create(user=personas.district_a_staff, name="app", confirmed=True)
    _password_login(client, personas.district_a_staff)
    response = client.get("/ministry/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("security:otp_verify"))
    response = client.post(reverse("security:otp_verify"), {"token": "12ab56"})
    assert "验证码只包含数字" in response.content.decode()
    response = client.post(reverse("security:otp_verify"), {"token": _current_token(device)})
    assert response.status_code == 302


def test_applicants_are_not_asked_for_a_second_factor(client, personas, enforce_2fa):
    _password_login(client, personas.applicant_a)
    response = client.get(reverse("declarations:dashboard"))
    assert response.status_code == 200


def test_a_wrong_code_throttles_the_next_attempt(client, personas, enforce_2fa):
    device = TOTPDevice.objects.create(user=personas.city_staff, name="app", confirmed=True)
    _password_login(client, personas.city_staff)
    client.post(reverse("security:otp_verify"), {"token": "999999" if _current_token(device) != "999999" else "888888"})
    response = client.post(reverse("security:otp_verify"), {"token": _current_token(device)})
    assert "尝试过于频繁" in response.content.decode()  # refused although right: too soon after a failure
    assert client.get("/unit/").status_code == 302


def test_password_rules_speak_chinese(client, personas):
    from django.urls import reverse as r

    from tests.utils import login

    login(client, personas.applicant_a)
    response = client.post(r("password_change"), {"old_password": "Test#pass-2026", "new_password1": "a1b2",
                                                   "new_password2": "a1b2"})
    assert "密码太短，至少需要 10 个字符" in response.content.decode()
