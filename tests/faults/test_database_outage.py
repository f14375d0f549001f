"""The database going away during a save: 503 with a clear message, and no draft lost.

Two ways it goes away: mid-save (the connection drops on the UPDATE, after the page
and the session were read) and for the whole request (a real driver error: nothing
listens where the database was). Either way the autosave answers 503 JSON in Chinese,
the stored draft is as it was, and the same save, sent again once the database is
back, succeeds: the page keeps the text and its version, so nothing is lost.
"""

import json
from contextlib import contextmanager

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from core.middleware import ERROR_MESSAGE, OUTAGE_MESSAGE, OutageMiddleware, server_error as site_server_error
from core.models import AuditRecord
from declarations import services
from declarations.models import Declaration
from tests.declarations.test_drafts import form_data
from tests.faults.conftest import database_unreachable
from tests.factories import make_org, make_user
from tests.utils import login

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


@pytest.fixture
def applicant(db):
    org = make_org("故障测试数据公司", region="12", dcmm=3)
    return make_user("applicant", organisation=org, email="fault@example.com")


@pytest.fixture
def draft(guide, applicant):
    decl, _created = services.start_declaration(guide, organisation=applicant.organisation, actor=applicant)
    return decl


@contextmanager
def connection_drops_on_update(table="declarations_declaration"):
    """The database goes away just as the draft is written (reads before it work)."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE") and table in sql:
            seen.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen


def assert_outage_json(response):
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response["Retry-After"]
    body = json.loads(response.content)
    assert body["ok"] is False and body["message"] == OUTAGE_MESSAGE
    assert "不会丢失" in body["message"] and "稍后重试" in body["message"]


def test_the_database_dropping_mid_autosave_answers_503_and_the_retry_saves(client, draft, applicant):
    login(client, applicant)
    url = reverse("declarations:autosave", args=[draft.pk])
    data = form_data(draft, project_name="断线时正在输入的项目名称", summary="断线时正在输入的简介")
    before = Declaration.objects.values().get(pk=draft.pk)
    saves = AuditRecord.objects.filter(action="declaration.save").count()

    with connection_drops_on_update() as seen:
        response = client.post(url, data, **XHR)
    assert seen, "the fault was not injected: the save never reached the database"
    assert_outage_json(response)

    assert Declaration.objects.values().get(pk=draft.pk) == before  # nothing half-written
    assert AuditRecord.objects.filter(action="declaration.save").count() == saves

    # The database is back: the page sends the same text with the same version, and it is saved.
    response = client.post(url, data, **XHR)
    assert response.status_code == 200 and response.json()["ok"] is True
    assert response.json()["version"] == before["version"] + 1
    draft.refresh_from_db()
    assert draft.project_name == "断线时正在输入的项目名称" and draft.summary == "断线时正在输入的简介"


def test_a_plain_form_post_during_the_outage_gets_a_chinese_503_page(client, draft, applicant):
    login(client, applicant)
    with connection_drops_on_update():
        response = client.post(reverse("declarations:edit", args=[draft.pk]),
                               form_data(draft, project_name="不带脚本提交的内容"))
    assert response.status_code == 503
    page = response.content.decode()
    assert "系统暂时无法保存" in page and "后退" in page and "不会丢失" in page
    draft.refresh_from_db()
    assert draft.project_name != "不带脚本提交的内容"


@pytest.mark.django_db(transaction=True)
def test_the_database_unreachable_for_the_whole_request(guide, applicant, draft):
    """A real driver error: the server is gone (PostgreSQL: nothing on the port; SQLite: no such file).

    The session and the user are read by middleware before the view, so here the error
    reaches Django's 500 handler (core.middleware.server_error), as it would in production.
    """
    client = login(Client(raise_request_exception=False), applicant)
    url = reverse("declarations:autosave", args=[draft.pk])
    data = form_data(draft, project_name="数据库宕机时输入的名称")
    version = draft.version

    with database_unreachable():
        with pytest.raises((OperationalError, InterfaceError)):  # the fault is real
            Declaration.objects.count()
        response = client.post(url, data, **XHR)
        assert_outage_json(response)
        page = client.get(reverse("declarations:edit", args=[draft.pk]))
        assert page.status_code == 503 and "系统暂时无法保存" in page.content.decode()

    draft.refresh_from_db()
    assert draft.version == version and draft.project_name != "数据库宕机时输入的名称"
    response = client.post(url, data, **XHR)
    assert response.status_code == 200 and response.json()["version"] == version + 1
    draft.refresh_from_db()
    assert draft.project_name == "数据库宕机时输入的名称"


def test_the_middleware_leaves_other_errors_alone(rf):
    middleware = OutageMiddleware(lambda request: None)
    request = rf.post("/x/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    assert middleware.process_exception(request, ValueError("bug")) is None
    assert middleware.process_exception(request, OperationalError("gone")).status_code == 503


def test_redis_connection_errors_are_outages_too(rf):
    import redis
    from kombu.exceptions import OperationalError as BrokerError

    middleware = OutageMiddleware(lambda request: None)
    for exc in (redis.exceptions.ConnectionError("refused"), redis.exceptions.TimeoutError("slow"),
                BrokerError("broker down")):
        response = middleware.process_exception(rf.get("/x/", HTTP_ACCEPT="application/json"), exc)
        assert response.status_code == 503 and response["Content-Type"].startswith("application/json")
        response = middleware.process_exception(rf.get("/x/"), exc)
        assert response.status_code == 503 and "系统暂时无法保存" in response.content.decode()


def test_error_pages_are_chinese_and_the_500_page_needs_no_database(client, db, django_assert_num_queries):
    page = client.get("/no-such-page-anywhere/")
    assert page.status_code == 404 and "页面不存在" in page.content.decode()
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "系统出错" in response.content.decode()


def test_the_500_handler_answers_autosave_with_a_chinese_json_message(rf):
    request = rf.post("/x/", HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    try:
        raise ValueError("a bug")
    except ValueError:
        response = site_server_error(request)
    assert response.status_code == 500 and json.loads(response.content) == {"ok": False, "message": ERROR_MESSAGE}
    try:
        raise InterfaceError("connection already closed")
    except InterfaceError:
        response = site_server_error(request)
    assert_outage_json(response)
    try:
        raise ValueError("a bug")
    except ValueError:
        response = site_server_error(rf.get("/x/"))
    assert response.status_code == 500 and "系统出错" in response.content.decode()
