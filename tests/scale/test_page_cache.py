"""The hottest single-object pages are served from a cache, and never stale or to the wrong person.

Each test opens a page twice (the second view is a cached copy, "X-Page-Cache: hit"), changes something
the page shows through the service a person would use, and checks that the next view shows the change.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import pagecache
from core.notify import mark_read, notify
from declarations import services as decl_services
from declarations.models import Declaration, Direction, Guide
from quotas import services as quota_services
from review import services as review_services
from review.models import Assignment
from tests.declarations.conftest import PDF_BYTES
from tests.declarations.test_drafts import form_data
from tests.factories import complete_declaration, make_confirmed_list
from tests.review.conftest import ReviewPersonas
from tests.utils import login


def view(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode(), response.get("X-Page-Cache") == "hit"


def warm(client, url):
    """Open the page until a copy is served (the first view sets the CSRF cookie, the second stores)."""
    for _ in range(3):
        html, hit = view(client, url)
        if hit:
            return html
    raise AssertionError(f"{url} is never served from the cache")


@pytest.fixture
def decl(personas):
    return complete_declaration(personas.guide, personas.org_a, personas.district_a)


@pytest.fixture
def applicant(client, personas):
    return login(client, personas.applicant_a)


def test_a_second_view_is_a_cached_copy_of_the_same_page(applicant, decl):
    url = reverse("declarations:detail", args=[decl.pk])
    first, hit = view(applicant, url)
    assert not hit and decl.project_name in first
    cached = warm(applicant, url)
    assert cached.count(decl.project_name) == first.count(decl.project_name)


def test_autosave_upload_and_submit_show_at_once(applicant, decl, personas):
    detail = reverse("declarations:detail", args=[decl.pk])
    edit = reverse("declarations:edit", args=[decl.pk])
    warm(applicant, detail)
    warm(applicant, edit)

    saved = applicant.post(reverse("declarations:autosave", args=[decl.pk]),
                           form_data(decl, project_name="城市数据中台二期"))
    assert saved.status_code == 200
    assert "城市数据中台二期" in view(applicant, detail)[0]
    assert "城市数据中台二期" in view(applicant, edit)[0]

    applicant.post(reverse("declarations:upload_attachment", args=[decl.pk]),
                   {"file": SimpleUploadedFile("营业执照副本.pdf", PDF_BYTES), "label": "营业执照"})
    view(applicant, detail)  # shows the upload's flash message once
    assert "营业执照副本.pdf" in view(applicant, edit)[0]

    decl.refresh_from_db()
    decl_services.submit_declaration(decl, actor=personas.applicant_a)
    html, hit = view(applicant, detail)
    assert not hit and "已提交" in html


def test_a_return_by_the_unit_shows_on_the_applicants_page(applicant, decl, personas):
    decl_services.submit_declaration(decl, actor=personas.applicant_a)
    url = reverse("declarations:detail", args=[decl.pk])
    warm(applicant, url)
    quota_services.return_declaration(declaration=decl, actor=personas.district_a_staff,
                                      reason="请补充近三年财务审计报告")
    html, hit = view(applicant, url)
    assert not hit and "请补充近三年财务审计报告" in html


def test_a_new_notification_updates_the_inbox_count(applicant, decl, personas):
    url = reverse("declarations:detail", args=[decl.pk])
    assert 'id="unread-count"' not in warm(applicant, url)
    notify(personas.applicant_a, kind="info", title="申报指南已更新")
    after, hit = view(applicant, url)
    assert not hit and 'id="unread-count">1<' in after
    warm(applicant, url)
    mark_read(personas.applicant_a)
    after, hit = view(applicant, url)
    assert not hit and 'id="unread-count"' not in after


def test_an_admin_edit_of_the_guide_shows_without_any_declaration_changing(applicant, decl, personas):
    """Guides and directions declare no scopes: their writes bump "site", so nothing stays stale."""
    url = reverse("declarations:edit", args=[decl.pk])
    warm(applicant, url)
    direction = Direction.objects.get(pk=decl.direction_id)
    direction.name = "工业大数据融合应用（更新后的名称）"
    direction.save()
    html, hit = view(applicant, url)
    assert not hit and "工业大数据融合应用（更新后的名称）" in html


def test_no_copy_outlives_the_deadline(applicant, decl, personas, monkeypatch):
    url = reverse("declarations:edit", args=[decl.pk])
    warm(applicant, url)
    Guide.objects.filter(pk=personas.guide.pk).update(applicant_deadline=timezone.now() + timedelta(minutes=2))
    pagecache.touch(pagecache.SITE)
    warm(applicant, url)  # stored with the new deadline as its end
    later = pagecache.time.time() + 180
    monkeypatch.setattr(pagecache.time, "time", lambda: later)
    Guide.objects.filter(pk=personas.guide.pk).update(applicant_deadline=timezone.now() - timedelta(minutes=1))
    response = applicant.get(url)
    assert response.status_code == 302 and response.get("X-Page-Cache") is None  # to the read-only page


def test_a_copy_is_never_served_to_another_applicant(client, decl, personas):
    url = reverse("declarations:detail", args=[decl.pk])
    warm(login(client, personas.applicant_a), url)
    other = login(Client(), personas.applicant_b)
    other.cookies["csrftoken"] = client.cookies["csrftoken"].value  # even with the same CSRF cookie
    response = other.get(url)
    assert response.status_code == 404 and decl.project_name not in response.content.decode()


def test_signing_out_ends_the_copy(client, decl, personas):
    url = reverse("declarations:detail", args=[decl.pk])
    warm(login(client, personas.applicant_a), url)
    session_cookie, csrf = client.cookies["sessionid"].value, client.cookies["csrftoken"].value
    client.post(reverse("logout"))
    stale = Client()
    stale.cookies["sessionid"], stale.cookies["csrftoken"] = session_cookie, csrf  # a copied old cookie
    response = stale.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_password_change_elsewhere_ends_the_copy(client, decl, personas):
    url = reverse("declarations:detail", args=[decl.pk])
    warm(login(client, personas.applicant_a), url)
    user = personas.applicant_a
    user.set_password("Another#2026pass")
    user.save()
    response = client.get(url)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_flash_message_is_shown_once_and_not_from_a_copy(applicant, decl):
    detail = reverse("declarations:detail", args=[decl.pk])
    warm(applicant, detail)
    applicant.post(reverse("declarations:edit", args=[decl.pk]), {**form_data(decl), "submit": "1"})
    html, hit = view(applicant, detail)
    assert not hit and "申报已提交" in html
    assert "申报已提交" not in view(applicant, detail)[0]


def test_the_units_page_follows_the_declaration_and_its_list(client, decl, personas):
    decl_services.submit_declaration(decl, actor=personas.applicant_a)
    unit = login(client, personas.district_a_staff)
    url = reverse("quotas:declaration", args=[decl.pk])
    warm(unit, url)
    quota_services.pass_check(declaration=decl, actor=personas.district_a_staff)
    html, hit = view(unit, url)
    assert not hit and "形式审查通过" in html
    warm(unit, url)
    org = personas.org_a
    org.name = "甲数据科技股份有限公司"
    org.save()
    assert "甲数据科技股份有限公司" in view(unit, url)[0]


def test_a_parent_unit_loses_the_page_when_the_childs_list_is_reopened(client, decl, personas):
    for state in ("submitted", "passed", "recommended"):
        decl_services.transition(decl, state)
    rec_list = make_confirmed_list(personas.guide, personas.district_a, [decl])
    city = login(client, personas.city_staff)
    url = reverse("quotas:declaration", args=[decl.pk])
    warm(city, url)
    quota_services.reopen_list(rec_list=rec_list, actor=personas.admin, reason="名单需调整")
    assert city.get(url).status_code == 404


def warm_scoring_page(client, rp, decl):
    """The assigned reviewer's scoring page of `decl`, opened until it is a cached copy."""
    a = Assignment.objects.create(declaration=decl, reviewer=rp.assigned)
    reviewer = login(client, rp.assigned)
    url = reverse("review:score", args=[a.pk])
    warm(reviewer, url)
    return reviewer, url, a


def test_the_reviewer_loses_the_page_when_the_assignment_is_removed_or_a_conflict_appears(client, personas):
    rp = ReviewPersonas(personas)
    reviewer, url, a = warm_scoring_page(client, rp, rp.decl_a)
    review_services.remove_assignment(assignment=a, actor=personas.admin, reason="调整")
    assert reviewer.get(url).status_code == 404

    reviewer, url, _ = warm_scoring_page(client, rp, rp.decl_b)
    profile = rp.assigned.reviewer_profile
    profile.employer = rp.decl_b.organisation.name  # now works for the applicant
    profile.save()
    assert reviewer.get(url).status_code == 404


def test_a_saved_score_draft_shows_on_the_reviewers_page(client, personas):
    rp = ReviewPersonas(personas)
    reviewer, url, a = warm_scoring_page(client, rp, rp.decl_a)
    review_services.save_review(assignment=a, actor=rp.assigned, scores={}, comment="技术路线清晰，需补充案例")
    html, hit = view(reviewer, url)
    assert not hit and "技术路线清晰，需补充案例" in html


def test_writes_to_unregistered_models_invalidate_everything():
    assert pagecache.scopes_for_instance(Guide(pk=1)) == [pagecache.SITE]
    assert pagecache.scopes_for_instance(Declaration(pk=5, organisation_id=7, state="draft")) == ["org:7", "decl:5"]


def test_a_broken_cache_still_serves_the_page(applicant, decl, settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    url = reverse("declarations:detail", args=[decl.pk])
    for _ in range(2):
        html, hit = view(applicant, url)
        assert not hit and decl.project_name in html
    cache.close()


def _redis_url():
    import os

    import redis

    # The broker's server, in a database of its own (the Celery tests use theirs).
    broker = os.environ.get("CELERY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    url = broker.rsplit("/", 1)[0] + "/12"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {url} (CI starts it)")
    return url


def test_with_redis_as_in_production(client, decl, personas, settings):
    """Production settings: cache and sessions in Redis, the session read in the same round trip as the copy."""
    import uuid

    import redis

    redis_url, prefix = _redis_url(), f"t{uuid.uuid4().hex[:8]}"
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": prefix}}
    settings.SESSION_ENGINE = "core.sessions"
    try:
        applicant = login(client, personas.applicant_a)
        url = reverse("declarations:detail", args=[decl.pk])
        warm(applicant, url)
        decl_services.save_draft(decl, {"project_name": "工业互联网数据平台"}, expected_version=decl.version,
                                 actor=personas.applicant_a)
        html, hit = view(applicant, url)
        assert not hit and "工业互联网数据平台" in html
        warm(applicant, url)
        session_cookie, csrf = client.cookies["sessionid"].value, client.cookies["csrftoken"].value
        applicant.post(reverse("logout"))
        stale = Client()
        stale.cookies["sessionid"], stale.cookies["csrftoken"] = session_cookie, csrf
        assert stale.get(url).status_code == 302
    finally:
        cache.close()
        r = redis.Redis.from_url(redis_url)
        for key in r.scan_iter(f"{prefix}:*"):
            r.delete(key)
