"""Issue 11 item 1: a stolen password alone never passes the second factor.

The probe signed in with an enrolled admin's password, opened the enrolment page,
confirmed a fresh secret with a code computed from it and reached /ministry/.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditRecord, Notification
from declarations.services import transition
from quotas.formal_check import pass_check
from quotas.lists import get_list
from quotas.recommendation import set_recommended
from review.models import ReviewerProfile
from review.selection import open_public_notice, select_projects
from tests.factories import PASSWORD, complete_declaration, make_user

PROTECTED = {"admin": "/ministry/", "unit": "/unit/", "reviewer": "/review/"}


@pytest.fixture
def enforce_2fa(settings):
    settings.OTP_REQUIRED_ROLES = ("admin", "unit", "reviewer")
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # throttling is tested in test_two_factor.py


def code(device, steps_ahead=0):
    """The device's code; a code is accepted once, so a second use in a test takes the next step's (tolerance 1)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=steps_ahead):06d}"


def wrong(device):
    return "000000" if code(device) != "000000" else "111111"


def password_login(user):
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def verified_login(user, device):
    client = password_login(user)
    assert client.post(reverse("security:otp_verify"), {"token": code(device)}).status_code == 302
    return client


def security_urls(own_pk, other_pk):
    """Every URL under /security/, with each kind of argument it takes."""
    security = next(p for p in get_resolver().url_patterns if getattr(p, "namespace", None) == "security")
    for pattern in security.url_patterns:
        assert isinstance(pattern, URLPattern)
        name = f"security:{pattern.name}"
        if "pk" in pattern.pattern.converters:
            yield from (reverse(name, args=[pk]) for pk in (own_pk, other_pk))
        else:
            yield reverse(name)


def _reviewer():
    user = make_user("reviewer", "rev_probe", email="rev@example.gov.cn")
    ReviewerProfile.objects.create(user=user, name="评审专家甲", employer="北京大学", region="11")
    return user


@pytest.fixture
def enrolled(personas):
    """One enrolled account of each role that must use a second factor."""
    users = {"admin": personas.admin, "unit": personas.city_staff, "reviewer": _reviewer()}
    for user in users.values():
        TOTPDevice.objects.create(user=user, name="手机", confirmed=True)
    return users


@pytest.mark.parametrize("role", ["admin", "unit", "reviewer"])
def test_a_password_alone_reaches_no_protected_page_through_security_pages(enrolled, personas, enforce_2fa, role):
    user = enrolled[role]
    client = password_login(user)
    # The probe's route: the enrolment page no longer hands out a fresh secret to a password-only session.
    response = client.get(reverse("security:otp_setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("security:otp_verify"))
    assert not TOTPDevice.objects.filter(user=user, confirmed=False).exists()
    # Even a secret the attacker holds (a half-finished enrolment left behind) does not verify the session.
    leftover = TOTPDevice.objects.create(user=user, name="攻击者", confirmed=False)
    for url in security_urls(user.pk, personas.district_a_staff.pk):
        for data in ({}, {"token": code(leftover)}, {"token": code(leftover), "next": PROTECTED[role]},
                     {"confirm_password": PASSWORD, "confirm_otp": code(leftover)}):
            client.get(url, data)
            client.post(url, data)
    response = client.get(PROTECTED[role])
    assert response.status_code == 302 and response["Location"].startswith(reverse("security:otp_verify"))
    assert "otp_device_id" not in client.session
    assert list(TOTPDevice.objects.filter(user=user, confirmed=True).values_list("name", flat=True)) == ["手机"]
    assert TOTPDevice.objects.filter(user=personas.district_a_staff).count() == 0  # reset refused too


def test_first_enrolment_is_once_per_login(client, personas, enforce_2fa):
    client = password_login(personas.city_staff)
    client.get(reverse("security:otp_setup"))
    device = TOTPDevice.objects.get(user=personas.city_staff)
    assert client.post(reverse("security:otp_setup"), {"token": code(device)}).status_code == 302
    assert client.get("/unit/").status_code == 200
    response = client.get(reverse("security:otp_setup"))
    assert response.status_code == 403 and "本次登录已启用过身份验证器" in response.content.decode()
    assert TOTPDevice.objects.filter(user=personas.city_staff).count() == 1  # no second secret handed out


def test_each_session_gets_its_own_secret_and_the_first_confirmed_cancels_the_rest(personas, enforce_2fa):
    first, second = password_login(personas.city_staff), password_login(personas.city_staff)
    first_secret = first.get(reverse("security:otp_setup")).context["secret"]
    second_secret = second.get(reverse("security:otp_setup")).context["secret"]
    assert first_secret != second_secret  # a password-only session never sees another session's secret
    mine = TOTPDevice.objects.get(key=first_secret)
    assert second.post(reverse("security:otp_setup"), {"token": code(mine)}).status_code == 200  # not its device
    assert first.post(reverse("security:otp_setup"), {"token": code(mine)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=personas.city_staff).values_list("key", flat=True)) == [first_secret]


def test_enrolling_tells_the_user_by_inbox_and_mail(personas, enforce_2fa, django_capture_on_commit_callbacks):
    user = personas.city_staff
    user.email = "city@example.gov.cn"
    user.save()
    client = password_login(user)
    client.get(reverse("security:otp_setup"))
    device = TOTPDevice.objects.get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("security:otp_setup"), {"token": code(device)})
    note = Notification.objects.get(user=user, kind="otp_device_added")
    assert "如非本人操作" in note.body
    assert [m.to for m in mail.outbox] == [["city@example.gov.cn"]]
    assert AuditRecord.objects.filter(action="security.otp_enrolled", actor=user).count() == 1


def test_a_session_verified_with_the_existing_device_may_add_another(enrolled, enforce_2fa):
    admin = enrolled["admin"]
    client = verified_login(admin, TOTPDevice.objects.get(user=admin))
    assert client.get(reverse("security:otp_setup")).status_code == 200
    new = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert client.post(reverse("security:otp_setup"), {"token": code(new)}).status_code == 302
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).count() == 2
    assert Notification.objects.filter(user=admin, kind="otp_device_added").count() == 1


class TestAdminReset:
    def test_an_admin_resets_a_lost_device_with_password_and_code(self, enrolled, personas, enforce_2fa,
                                                                  django_capture_on_commit_callbacks):
        staff = enrolled["unit"]
        staff.email = "city@example.gov.cn"
        staff.save()
        staff_client = verified_login(staff, TOTPDevice.objects.get(user=staff))
        admin_device = TOTPDevice.objects.get(user=personas.admin)
        admin = verified_login(personas.admin, admin_device)
        page = admin.get(reverse("quotas:unit_edit", args=[personas.city.pk])).content.decode()
        assert reverse("security:otp_reset", args=[staff.pk]) in page and 'name="confirm_otp"' in page

        url = reverse("security:otp_reset", args=[staff.pk])
        response = admin.post(url, {"confirm_password": PASSWORD, "confirm_otp": wrong(admin_device)}, follow=True)
        assert "动态验证码不正确" in response.content.decode()
        assert TOTPDevice.objects.filter(user=staff).exists()

        with django_capture_on_commit_callbacks(execute=True):
            response = admin.post(url, {"confirm_password": PASSWORD, "confirm_otp": code(admin_device, 1),
                                        "next": reverse("quotas:unit_edit", args=[personas.city.pk])})
        assert response["Location"] == reverse("quotas:unit_edit", args=[personas.city.pk])
        assert not TOTPDevice.objects.filter(user=staff).exists()
        assert AuditRecord.objects.filter(action="security.otp_reset", actor=personas.admin,
                                          target_id=str(staff.pk)).count() == 1
        assert Notification.objects.filter(user=staff, kind="otp_device_removed").count() == 1
        assert [m.to for m in mail.outbox] == [["city@example.gov.cn"]]
        # The staff member's session verified with the removed device no longer counts as verified.
        response = staff_client.get("/unit/")
        assert response.status_code == 302 and response["Location"].startswith(reverse("security:otp_setup"))

    def test_the_reviewer_page_offers_the_reset(self, enrolled, client, personas):
        from tests.utils import login

        profile = enrolled["reviewer"].reviewer_profile
        page = login(client, personas.admin).get(reverse("review:reviewer_edit", args=[profile.pk])).content.decode()
        assert reverse("security:otp_reset", args=[profile.user.pk]) in page

    def test_nobody_else_resets(self, enrolled, personas, enforce_2fa):
        url = reverse("security:otp_reset", args=[enrolled["reviewer"].pk])
        half_admin = password_login(personas.admin)
        response = half_admin.post(url, {"confirm_password": PASSWORD})
        assert response["Location"].startswith(reverse("security:otp_verify"))
        unit = verified_login(enrolled["unit"], TOTPDevice.objects.get(user=enrolled["unit"]))
        assert unit.post(url, {"confirm_password": PASSWORD}).status_code == 403
        admin = verified_login(personas.admin, TOTPDevice.objects.get(user=personas.admin))
        own = reverse("security:otp_reset", args=[personas.admin.pk])
        admin.post(own, {"confirm_password": PASSWORD, "confirm_otp": code(TOTPDevice.objects.get(user=personas.admin), 1)})
        assert TOTPDevice.objects.filter(user=personas.admin).exists()
        assert TOTPDevice.objects.filter(user=enrolled["reviewer"]).exists()
        assert not AuditRecord.objects.filter(action="security.otp_reset").exists()


class TestFreshConfirmationAsksForACode:
    def _list(self, p):
        decl = complete_declaration(p.guide, p.org_a, p.district_a)
        transition(decl, "submitted", actor=None, submitted_at=timezone.now())
        pass_check(declaration=decl, actor=p.district_a_staff)
        rl = get_list(unit=p.district_a, guide=p.guide)
        set_recommended(rec_list=rl, declaration_id=decl.pk, recommended=True, actor=p.district_a_staff)
        return get_list(unit=p.district_a, guide=p.guide)

    def test_confirming_a_list_needs_the_current_code(self, personas, enforce_2fa, settings):
        staff = personas.district_a_staff
        rl = self._list(personas)
        url = reverse("quotas:confirm", args=[rl.pk])
        # Without a device (where 2FA is not enforced) the password is all there is to ask;
        # tests/quotas cover confirming with it alone.
        enforced, settings.OTP_REQUIRED_ROLES = settings.OTP_REQUIRED_ROLES, ()
        page = password_login(staff).get(reverse("quotas:ranking")).content.decode()
        assert 'name="confirm_password"' in page and 'name="confirm_otp"' not in page
        settings.OTP_REQUIRED_ROLES = enforced
        device = TOTPDevice.objects.create(user=staff, name="手机", confirmed=True)
        client = verified_login(staff, device)
        assert 'name="confirm_otp"' in client.get(reverse("quotas:ranking")).content.decode()
        for token in ("", wrong(device)):
            response = client.post(url, {"version": rl.version, "confirm_password": PASSWORD, "confirm_otp": token},
                                   follow=True)
            assert "动态验证码不正确或已过期" in response.content.decode()
            rl.refresh_from_db()
            assert not rl.is_confirmed
        failures = AuditRecord.objects.filter(actor=staff)
        assert failures.filter(action="security.otp_confirm_failed").count() == 2
        assert not failures.filter(action__in=["security.otp_failed", "auth.login_failed"]).exists()
        response = client.post(url, {"version": rl.version, "confirm_password": PASSWORD,
                                     "confirm_otp": code(device, 1)},
                               follow=True)
        assert "推荐名单已确认" in response.content.decode()

    def test_publishing_results_needs_the_current_code(self, personas, enforce_2fa):
        p = personas
        device = TOTPDevice.objects.create(user=p.admin, name="手机", confirmed=True)
        client = verified_login(p.admin, device)
        decl = complete_declaration(p.guide, p.org_a, p.district_a)
        transition(decl, "submitted", actor=None, submitted_at=timezone.now())
        for state in ("passed", "recommended"):
            transition(decl, state, actor=None)
        from review.assignment import add_reviewer
        from review.scoring import submit_review
        from review.setup import sheet_for
        from tests.review.conftest import make_reviewer

        expert = make_reviewer("rev_2fa", employer="北京大学")  # a project needs a submitted review to be selected
        a = add_reviewer(declaration=decl, reviewer=expert, actor=p.admin)
        submit_review(assignment=a, actor=expert, comment="项目基础扎实，建议入选。",
                      scores={f"score_{c.pk}": "80" for c in sheet_for(decl).criteria.all()})
        select_projects(guide=p.guide, declaration_ids=[decl.pk], actor=p.admin)
        today = timezone.localdate()
        # A notice opened on its first day, three weeks ago, and ended three days ago.
        open_public_notice(guide=p.guide, start=today - timedelta(days=21), end=today - timedelta(days=3), actor=p.admin,
                           now=timezone.now() - timedelta(days=21))
        url = reverse("review:publish", args=[p.guide.pk])
        response = client.post(url, {"doc_number": "", "confirm_password": PASSWORD, "confirm_otp": wrong(device)},
                               follow=True)
        assert "动态验证码不正确或已过期" in response.content.decode()
        decl.refresh_from_db()
        assert decl.state == "recommended"
        response = client.post(url, {"doc_number": "", "confirm_password": PASSWORD, "confirm_otp": code(device, 1)},
                               follow=True)
        assert "评审结果已公布" in response.content.decode()


def test_django_admin_offers_no_unaudited_way_to_devices(client, personas):
    """The ministry's reset is the one way: django-otp's admin would show other users' secrets, silently."""
    superuser = make_user("admin", "root", is_staff=True, is_superuser=True)
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/django-admin/").status_code == 200
    assert client.get("/django-admin/otp_totp/totpdevice/").status_code == 404
