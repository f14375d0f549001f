"""Issue 11, item 3: the sign-in lockout behind a reverse proxy locks a user name at one real address only.

Requests come through a simulated proxy (REMOTE_ADDR = the proxy, X-Forwarded-For = what the proxy
appended). Axes is on for these tests only (the TESTING settings switch it off elsewhere); its
records live in the database and are rolled back after each test.
"""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditRecord
from tests.factories import PASSWORD, make_user

PROXY = "10.0.0.2"
ATTACKER = "203.0.113.5"
VICTIM = "198.51.100.7"
LIMIT = 8
UNTIL = re.compile(r"北京时间 (\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})")


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.LOCKOUT_FAILURES = LIMIT
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOCKOUT_FIRST_MINUTES = 15
    settings.LOCKOUT_MAX_HOURS = 24
    settings.SUPPORT_CONTACT = "系统运维组 010-6820 0000"
    return settings


@pytest.fixture
def user(db):
    return make_user("unit", "clerk_zhang")


def sign_in(client, password, *, forwarded, remote=PROXY, username="clerk_zhang"):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def fail(client, times, **kw):
    return [sign_in(client, "wrong-password", **kw).status_code for _ in range(times)][-1]


def until_of(response):
    m = UNTIL.search(response.content.decode())
    assert m, response.content.decode()[:3000]
    y, mo, d, h, mi = map(int, m.groups())
    return timezone.localtime().replace(year=y, month=mo, day=d, hour=h, minute=mi, second=0, microsecond=0)


def test_failures_at_one_address_do_not_lock_the_user_out_elsewhere(client, axes_on, user):
    assert fail(client, LIMIT - 1, forwarded=ATTACKER) == 200  # the login form again, with its error
    locked = sign_in(client, "wrong-password", forwarded=ATTACKER)
    assert locked.status_code == 429
    # The right password does not help at the locked address ...
    assert sign_in(client, PASSWORD, forwarded=ATTACKER).status_code == 429
    # ... while the same user signs in from another address behind the same proxy.
    response = sign_in(client, PASSWORD, forwarded=VICTIM)
    assert response.status_code == 302 and client.session.get("_auth_user_id") == str(user.pk)


def test_the_locked_page_says_until_when_and_whom_to_ask(client, axes_on, user):
    before = timezone.now()
    response = (fail(client, LIMIT - 1, forwarded=ATTACKER), sign_in(client, "wrong-password", forwarded=ATTACKER))[1]
    body = response.content.decode()
    assert response.status_code == 429 and "登录失败次数过多" in body and "系统运维组 010-6820 0000" in body
    until = until_of(response)
    assert str(until.tzinfo) == "Asia/Shanghai"
    expected = timezone.localtime(before + timedelta(minutes=15))
    assert abs(until - expected.replace(second=0, microsecond=0)) <= timedelta(minutes=1)


def test_the_audit_log_shows_the_real_address(client, axes_on, user):
    sign_in(client, "wrong-password", forwarded=f"1.2.3.4, {ATTACKER}")
    failure = AuditRecord.objects.get(action="auth.login_failed")
    assert failure.ip_address == ATTACKER


def test_a_forged_header_cannot_lock_out_the_victim_nor_evade_the_lockout(client, axes_on, user):
    # The attacker writes the victim's address into X-Forwarded-For; the proxy appends the real one.
    for i in range(LIMIT):
        last = sign_in(client, "wrong-password", forwarded=f"{VICTIM}, 192.0.2.{i}, {ATTACKER}")
    assert last.status_code == 429
    # Whatever it forges next, the attacker's real address stays locked ...
    assert sign_in(client, PASSWORD, forwarded=f"192.0.2.99, {ATTACKER}").status_code == 429
    # ... and the victim, really at VICTIM, is not locked.
    assert sign_in(client, PASSWORD, forwarded=VICTIM).status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(client, axes_on, user):
    axes_on.TRUSTED_PROXY_COUNT = 0
    # A client talking to the app directly rotates X-Forwarded-For to look like many clients: no effect.
    for i in range(LIMIT):
        last = sign_in(client, "wrong-password", remote=ATTACKER, forwarded=f"192.0.2.{i}")
    assert last.status_code == 429
    assert sign_in(client, PASSWORD, remote=ATTACKER, forwarded=VICTIM).status_code == 429
    assert sign_in(client, PASSWORD, remote=VICTIM, forwarded=ATTACKER).status_code == 302
    assert AuditRecord.objects.filter(action="auth.login_failed").first().ip_address == ATTACKER


def _age_attempts(minutes):
    """Move the recorded failures back in time, as if `minutes` had passed since the last one."""
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=minutes))


def test_the_lockout_doubles_each_time_it_comes_back(client, axes_on, user):
    first = (fail(client, LIMIT - 1, forwarded=ATTACKER), sign_in(client, "wrong-password", forwarded=ATTACKER))[1]
    assert timedelta(minutes=13) <= until_of(first) - timezone.localtime() <= timedelta(minutes=16)
    # Once the lockout is over, a single further failure locks again, for twice as long ...
    _age_attempts(16)
    second = sign_in(client, "wrong-password", forwarded=ATTACKER)
    assert second.status_code == 429
    assert timedelta(minutes=28) <= until_of(second) - timezone.localtime() <= timedelta(minutes=31)
    _age_attempts(31)
    third = sign_in(client, "wrong-password", forwarded=ATTACKER)
    assert timedelta(minutes=58) <= until_of(third) - timezone.localtime() <= timedelta(minutes=61)
    # ... and the same user at another address is not affected at any point.
    assert sign_in(client, PASSWORD, forwarded=VICTIM).status_code == 302


def test_attempts_during_a_lockout_neither_count_nor_extend_it(client, axes_on, user):
    from axes.models import AccessAttempt

    locked = (fail(client, LIMIT - 1, forwarded=ATTACKER), sign_in(client, "wrong-password", forwarded=ATTACKER))[1]
    until = until_of(locked)
    for _ in range(5):
        again = sign_in(client, "wrong-password", forwarded=ATTACKER)
        assert again.status_code == 429 and until_of(again) == until
    assert AccessAttempt.objects.get().failures_since_start == LIMIT


def test_a_successful_sign_in_clears_the_count(client, axes_on, user):
    fail(client, LIMIT - 1, forwarded=ATTACKER)
    assert sign_in(client, PASSWORD, forwarded=ATTACKER).status_code == 302
    client.logout()
    assert fail(client, LIMIT - 1, forwarded=ATTACKER) == 200


def test_the_lock_ends_when_its_cool_off_has_passed(client, axes_on, user):
    fail(client, LIMIT, forwarded=ATTACKER)
    assert sign_in(client, PASSWORD, forwarded=ATTACKER).status_code == 429
    _age_attempts(16)
    assert sign_in(client, PASSWORD, forwarded=ATTACKER).status_code == 302


@pytest.mark.parametrize("failures, minutes", [
    (8, 15), (9, 30), (10, 60), (11, 120), (14, 16 * 60), (15, 24 * 60), (10_000, 24 * 60),
])
def test_lockout_schedule(axes_on, failures, minutes):
    from core.lockout import lock_for

    assert lock_for(failures) == timedelta(minutes=minutes)


@pytest.mark.parametrize("count, remote, forwarded, expected", [
    (0, "10.0.0.2", "203.0.113.5", "10.0.0.2"),  # no trusted proxy: the header is the client's word
    (1, "10.0.0.2", "203.0.113.5", "203.0.113.5"),
    (1, "10.0.0.2", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # forged entries left of the proxy's are ignored
    (2, "10.0.0.3", "1.2.3.4, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
    (1, "10.0.0.2", "", "10.0.0.2"),  # not through the proxy (a health check on the host)
    (1, "10.0.0.2", "not-an-address", "10.0.0.2"),
    (1, "10.0.0.2", "2001:db8::1", "2001:db8::1"),
])
def test_client_address(settings, rf, count, remote, forwarded, expected):
    from core.clientip import client_ip

    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_the_compose_stack_trusts_its_one_proxy():
    from pathlib import Path

    import yaml

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text(encoding="utf-8"))
    for service in ("web", "worker", "beat"):
        assert compose["services"][service]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
