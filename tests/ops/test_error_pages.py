"""With DEBUG off (production), every error page a user can meet is the site's own, in Chinese; a favicon is linked."""

from django.contrib.staticfiles import finders
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from core.middleware import server_error
from tests.utils import login


@override_settings(DEBUG=False)
def test_404_403_and_400_pages_are_chinese(client, personas):
    r = client.get("/no-such-page/")
    assert r.status_code == 404 and "页面不存在" in r.content.decode()
    login(client, personas.city_staff)
    r = client.get(reverse("core:audit_log"))
    assert r.status_code == 403 and "无权访问" in r.content.decode()
    r = Client().get("/", HTTP_HOST="not-our-host.example")
    assert r.status_code == 400 and "请求有误" in r.content.decode()


@override_settings(DEBUG=False)
def test_a_stale_form_gets_the_chinese_csrf_page(db):
    r = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "x", "password": "y"})
    assert r.status_code == 403
    html = r.content.decode()
    assert "页面已过期" in html and "CSRF" not in html


@override_settings(DEBUG=False)
def test_500_page_is_chinese(db):
    request = RequestFactory().get("/")
    try:
        raise ValueError("boom")
    except ValueError:
        r = server_error(request)
    assert r.status_code == 500 and "系统出错" in r.content.decode()


def test_every_page_links_the_favicon(client, personas):
    login(client, personas.applicant_a)
    html = client.get(reverse("declarations:dashboard")).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    assert finders.find("favicon.svg")
    assert 'rel="icon"' in client.get("/no-such-page/").content.decode()
