"""In Chromium: the database failing under autosave keeps the typing on the page, says so, and saves it later."""

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from declarations import services, views
from declarations.models import Declaration
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD, make_guide, make_org, make_user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_autosave_survives_a_database_outage(page, monkeypatch):
    guide = make_guide(2022)
    org = make_org("浏览器故障测试数据公司", region="12", dcmm=3)
    user = make_user("applicant", "fault_browser", organisation=org)
    decl, _created = services.start_declaration(guide, organisation=org, actor=user)

    database = {"up": False}
    real_save_draft = views.save_draft

    def save_draft(*args, **kwargs):  # the database goes away just as the draft is written
        if not database["up"]:
            raise OperationalError("server closed the connection unexpectedly")
        return real_save_draft(*args, **kwargs)

    monkeypatch.setattr(views, "save_draft", save_draft)
    statuses = []
    page.on("response", lambda r: statuses.append(r.status) if "/autosave/" in r.url else None)

    browser_login(page, user.username, PASSWORD)
    page.goto(f"/applicant/declarations/{decl.pk}/edit/")
    name = page.get_by_label("项目名称")
    name.press_sequentially("宕机期间输入的项目名称", delay=10)
    status = page.locator("#autosave-status")
    expect(status).to_contain_text("不会丢失", timeout=10000)
    expect(status).to_contain_text("秒后自动重试")
    assert 503 in statuses
    expect(name).to_have_value("宕机期间输入的项目名称")
    decl.refresh_from_db()
    assert decl.project_name != "宕机期间输入的项目名称"

    database["up"] = True  # back: the page retries by itself, nobody types anything
    expect(status).to_contain_text("已自动保存", timeout=20000)
    decl.refresh_from_db()
    assert decl.project_name == "宕机期间输入的项目名称"
    assert Declaration.objects.get(pk=decl.pk).version == 2
