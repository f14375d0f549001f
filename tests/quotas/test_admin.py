"""The ministry admin's overview, quota and deadline settings, and unit management."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from core.models import AuditRecord, User
from quotas.models import UnitGuideSetting
from tests.factories import PASSWORD, make_unit
from tests.utils import login
from units.models import Unit

from .conftest import passed, recommend, submitted


def _png(mode="RGBA", size=(200, 200), fmt="PNG"):
    buf = io.BytesIO()
    colour = (200, 0, 0, 0) if mode == "RGBA" else (200, 0, 0)
    Image.new(mode, size, colour).save(buf, fmt)
    return buf.getvalue()


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_overview_shows_every_unit_with_its_numbers(client, personas):
    p = personas
    a = passed(p.guide, p.district_a, p.district_a_staff)
    ex = passed(p.guide, p.district_a, p.district_a_staff, dcmm=3)
    recommend(a, p.district_a_staff)
    recommend(ex, p.district_a_staff)
    login(client, p.admin)
    html = client.get(reverse("quotas:overview")).content.decode()
    for unit in (p.city, p.district_a, p.district_b, p.other_province):
        assert unit.name in html
    row = html.split(f'data-unit="{p.district_a.pk}"')[1].split("</tr>")[0]
    assert "<td>2" in row  # quota 2 for a district under the 2022 guide
    assert ">1</td><td>1</td>" in row  # one place used, one exempt
    assert "未设定" in html.split(f'data-unit="{p.other_province.pk}"')[1].split("</tr>")[0]


def test_overview_query_count_does_not_grow_with_units(client, personas):
    p = personas
    login(client, p.admin)
    url = reverse("quotas:overview") + f"?guide={p.guide.pk}"
    for _ in range(3):
        make_unit(kind="province")
    few = _count_queries(client, url)
    for n in range(27):
        unit = make_unit(kind="district", parent=p.city, division=f"1290{n + 1:02d}")
        submitted(p.guide, unit)
    assert _count_queries(client, url) == few


@pytest.mark.parametrize("name", ["quotas:workspace", "quotas:ranking", "quotas:list"])
def test_unit_pages_query_count_does_not_grow_with_rows(client, personas, name):
    p = personas
    login(client, p.district_a_staff)
    from quotas.lists import get_list

    args = [get_list(unit=p.district_a, guide=p.guide).pk] if name == "quotas:list" else []
    url = reverse(name, args=args)
    for _ in range(3):
        passed(p.guide, p.district_a, p.district_a_staff)
    client.get(url)  # the first request fills the guide-data cache (the workspace's direction options)
    few = _count_queries(client, url)
    for i in range(27):
        (passed if i % 2 else submitted)(p.guide, p.district_a, *([p.district_a_staff] if i % 2 else []))
    assert _count_queries(client, url) == few


def test_admin_sets_a_quota_and_extends_a_deadline(client, personas):
    p = personas
    login(client, p.admin)
    url = reverse("quotas:setting", args=[p.guide.pk, p.city.pk])
    response = client.post(url, {"quota": "-1", "reason": ""})
    html = response.content.decode()
    assert "名额不能为负数" in html and "须填写理由" in html
    response = client.post(url, {"quota": "abc", "deadline": "明天", "reason": "x"})
    html = response.content.decode()
    assert "名额须为整数" in html and "请输入有效的日期和时间" in html
    response = client.post(url, {"quota": "10", "deadline": "2001-01-01T10:00", "reason": "x"})
    assert "须晚于当前时间" in response.content.decode()
    response = client.post(url, {"quota": "10", "deadline": "2099-05-10T17:00", "reason": "按部里通知设定天津市名额"})
    assert response.status_code == 302
    setting = UnitGuideSetting.objects.get(guide=p.guide, unit=p.city)
    assert setting.quota == 10 and setting.deadline.year == 2099
    assert AuditRecord.objects.get(action="unit_setting.change").reason == "按部里通知设定天津市名额"


def test_manage_pages_are_for_the_ministry_only(client, personas):
    p = personas
    login(client, p.city_staff)
    for url in (reverse("quotas:overview"), reverse("quotas:units"), reverse("quotas:unit_create"),
                reverse("quotas:setting", args=[p.guide.pk, p.city.pk])):
        assert client.get(url).status_code == 403


def test_admin_creates_a_unit_with_a_valid_seal(client, personas):
    p = personas
    login(client, p.admin)
    seal = SimpleUploadedFile("seal.png", _png(), content_type="image/png")
    response = client.post(reverse("quotas:unit_create"), {
        "name": "红桥区工业和信息化局", "kind": "district", "region": "12", "parent": p.city.pk,
        "doc_prefix": "红工信", "seal": seal, "is_active": "on"})
    assert response.status_code == 302, response.content.decode()
    unit = Unit.objects.get(name="红桥区工业和信息化局")
    assert unit.parent == p.city and unit.seal
    assert client.get(reverse("quotas:seal", args=[unit.pk]))["Content-Type"] == "image/png"
    login(client, p.district_a_staff)
    assert client.get(reverse("quotas:seal", args=[unit.pk])).status_code == 404


@pytest.mark.parametrize("content, message", [
    (_png(fmt="JPEG", mode="RGB"), "须为 PNG 格式"),
    (_png(mode="RGB"), "透明背景"),
    (b"not an image at all", "无法识别"),
    (_png(size=(40, 40)), "尺寸须在"),
])
def test_bad_seals_are_refused_by_content(client, personas, content, message):
    p = personas
    login(client, p.admin)
    seal = SimpleUploadedFile("seal.png", content, content_type="image/png")
    response = client.post(reverse("quotas:unit_edit", args=[p.city.pk]), {
        "name": p.city.name, "kind": p.city.kind, "region": "12", "seal": seal, "is_active": "on"})
    assert response.status_code == 200
    assert message in response.content.decode()
    p.city.refresh_from_db()
    assert not p.city.seal


def test_a_district_needs_a_parent_and_no_cycles(client, personas):
    p = personas
    login(client, p.admin)
    response = client.post(reverse("quotas:unit_create"), {"name": "无上级区局", "kind": "district", "region": "12"})
    assert "须选择上级推荐单位" in response.content.decode()
    response = client.post(reverse("quotas:unit_edit", args=[p.city.pk]), {
        "name": p.city.name, "kind": "province", "region": "12", "parent": p.city.pk})
    assert "所选上级单位不存在或不能作为上级单位" in response.content.decode()


def test_admin_adds_a_staff_account_that_can_sign_in(client, personas):
    p = personas
    login(client, p.admin)
    url = reverse("quotas:staff_create", args=[p.district_b.pk])
    response = client.post(url, {"username": "hexi_clerk2", "full_name": "王五", "password": "123"})
    assert response.status_code == 400 and "密码" in response.content.decode()
    response = client.post(url, {"username": "district_b_staff", "full_name": "重名", "password": PASSWORD})
    assert "该登录名已被使用" in response.content.decode()
    response = client.post(url, {"username": "hexi_clerk2", "full_name": "王五", "phone": "022-23456789",
                                 "email": "wangwu@example.gov.cn", "password": PASSWORD})
    assert response.status_code == 302
    user = User.objects.get(username="hexi_clerk2")
    assert user.is_unit_staff and user.unit == p.district_b
    client.logout()
    assert client.login(username="hexi_clerk2", password=PASSWORD)
    assert client.get(reverse("quotas:workspace")).status_code == 200


def test_editing_a_unit_keeps_its_seal(client, personas):
    p = personas
    login(client, p.admin)
    url = reverse("quotas:unit_edit", args=[p.city.pk])
    fields = {"name": p.city.name, "kind": "province", "region": "12", "is_active": "on"}
    seal = SimpleUploadedFile("seal.png", _png(), content_type="image/png")
    assert client.post(url, {**fields, "seal": seal}).status_code == 302
    response = client.post(url, {**fields, "contact_name": "李四"})
    assert response.status_code == 302, response.content.decode()
    p.city.refresh_from_db()
    assert p.city.seal and p.city.contact_name == "李四"
    assert AuditRecord.objects.filter(action="unit.change", target_id=str(p.city.pk)).count() == 2
