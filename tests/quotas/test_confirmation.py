"""Confirmation locks a list; the Tianjin chain district → city → ministry; reopening; the Excel download."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditRecord, Export, Notification
from quotas.administration import reopen_list, set_unit_setting
from quotas.formal_check import pass_check
from quotas.lists import ListError
from tests.utils import login

from .conftest import close_districts, confirm, passed, rec_list, recommend, submitted


def _states(*decls):
    for d in decls:
        d.refresh_from_db()
    return [d.state for d in decls]


def test_the_tianjin_chain_from_districts_to_the_city_to_the_ministry(client, personas, confirm_password):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=3, deadline=None,
                              reason="天津市名额", actor=p.admin)
    a1, a2, a3 = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(3))
    b1 = passed(p.guide, p.district_b, p.district_b_staff)
    direct = passed(p.guide, p.city, p.city_staff)
    recommend(a1, p.district_a_staff)
    recommend(a2, p.district_a_staff)
    recommend(b1, p.district_b_staff)

    # Binhai confirms through the page: what it recommends stays "passed" and goes up to the city.
    login(client, p.district_a_staff)
    rl_a = rec_list(p.district_a, p.guide)
    response = client.post(reverse("quotas:confirm", args=[rl_a.pk]), {"version": rl_a.version, **confirm_password},
                           follow=True)
    assert "推荐名单已确认" in response.content.decode()
    assert _states(a1, a2, a3) == ["passed", "passed", "not_recommended"]
    rl_a.refresh_from_db()
    assert rl_a.is_confirmed and rl_a.document_number.endswith("1号")
    assert Notification.objects.filter(user=p.city_staff, kind="list_confirmed").exists()

    # The city now ranks Binhai's two with its own direct one; Hexi has not confirmed, so b1 is not there.
    city_list = rec_list(p.city, p.guide)
    assert set(city_list.entries.values_list("declaration_id", flat=True)) == {a1.pk, a2.pk, direct.pk}
    login(client, p.city_staff)
    html = client.get(reverse("quotas:ranking")).content.decode()
    assert str(a1) in html and p.district_a.name in html and str(b1) not in html

    confirm(p.district_b_staff, p.guide)
    assert b1.pk in set(city_list.entries.values_list("declaration_id", flat=True))

    recommend(a2, p.city_staff)
    recommend(b1, p.city_staff)
    recommend(direct, p.city_staff)
    confirm(p.city_staff, p.guide)
    assert _states(a1, a2, b1, direct) == ["not_recommended", "recommended", "recommended", "recommended"]


def test_a_child_cannot_send_up_after_its_parent_confirmed(personas):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=3, deadline=None, reason="名额", actor=p.admin)
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    close_districts(p)  # the city may confirm once its districts' deadlines passed
    confirm(p.city_staff, p.guide)
    with pytest.raises(ListError, match="截止"):
        confirm(p.district_a_staff, p.guide)


def test_a_confirmed_list_cannot_change(client, personas):
    p = personas
    d1, d2 = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    recommend(d1, p.district_a_staff)
    confirm(p.district_a_staff, p.guide)
    with pytest.raises(ListError, match="已于 .* 确认"):
        recommend(d2, p.district_a_staff)
    with pytest.raises(ListError, match="确认"):
        confirm(p.district_a_staff, p.guide)
    late = submitted(p.guide, p.district_a)
    with pytest.raises(ListError):
        pass_check(declaration=late, actor=p.district_a_staff)
    login(client, p.district_a_staff)
    html = client.get(reverse("quotas:ranking")).content.decode()
    assert "确认推荐名单</button>" not in html and "下载推荐名单（Excel）" in html


def test_unchecked_declarations_block_confirmation(personas):
    p = personas
    submitted(p.guide, p.district_a)
    with pytest.raises(ListError, match="未完成形式审查"):
        confirm(p.district_a_staff, p.guide)


def test_a_unit_without_a_quota_cannot_confirm(personas):
    p = personas  # the 2022 data has no quota for a province-level unit
    passed(p.guide, p.city, p.city_staff)
    with pytest.raises(ListError, match="尚未为本单位设定"):
        confirm(p.city_staff, p.guide)


def test_deadline_is_enforced_and_an_extension_lifts_it(personas):
    p = personas
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    p.guide.unit_deadline = timezone.now() - timedelta(seconds=1)
    p.guide.save()
    with pytest.raises(ListError, match="截止"):
        confirm(p.district_a_staff, p.guide)
    set_unit_setting(unit=p.district_a, guide=p.guide, quota=None,
                              deadline=timezone.now() + timedelta(hours=2), reason="延期两小时", actor=p.admin)
    assert confirm(p.district_a_staff, p.guide).is_confirmed


def test_confirmation_needs_the_password(client, personas):
    p = personas
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    rl = rec_list(p.district_a, p.guide)
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:confirm", args=[rl.pk]), {"version": rl.version,
                                                                     "confirm_password": "wrong"}, follow=True)
    assert "请输入正确的登录密码" in response.content.decode()
    rl.refresh_from_db()
    assert not rl.is_confirmed


def test_confirmation_requests_the_letter_after_commit(personas, django_capture_on_commit_callbacks):
    p = personas
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        rl = confirm(p.district_a_staff, p.guide)
    assert any(getattr(cb, "__name__", "") == "<lambda>" for cb in callbacks)
    assert AuditRecord.objects.filter(action="list.confirm", target_id=str(rl.pk)).count() == 1


def test_admin_reopens_with_a_reason_and_everything_returns_to_passed(client, personas, confirm_password):
    p = personas
    d1, d2 = (passed(p.guide, p.district_a, p.district_a_staff) for _ in range(2))
    recommend(d1, p.district_a_staff)
    rl = confirm(p.district_a_staff, p.guide)
    assert _states(d1, d2) == ["passed", "not_recommended"]
    assert d1.pk in set(rec_list(p.city, p.guide).entries.values_list("declaration_id", flat=True))

    login(client, p.admin)
    url = reverse("quotas:reopen", args=[rl.pk])
    response = client.post(url, {"reason": "", **confirm_password}, follow=True)
    assert "请填写理由" in response.content.decode()
    response = client.post(url, {"reason": "滨海新区申请更换推荐项目"}, follow=True)
    assert "已重新开放" in response.content.decode()
    rl.refresh_from_db()
    assert not rl.is_confirmed and rl.document_number == ""
    assert _states(d1, d2) == ["passed", "passed"]
    assert not rec_list(p.city, p.guide).entries.filter(declaration=d1).exists()
    rec = AuditRecord.objects.get(action="list.reopen", target_id=str(rl.pk))
    assert rec.reason == "滨海新区申请更换推荐项目" and rec.actor == p.admin
    # the clerk can change the list again and confirm anew, under a new letter number
    recommend(d1, p.district_a_staff, on=False)
    recommend(d2, p.district_a_staff)
    again = confirm(p.district_a_staff, p.guide)
    assert again.document_number.endswith("2号")
    assert _states(d1, d2) == ["not_recommended", "passed"]


def test_a_child_list_cannot_be_reopened_under_a_confirmed_parent(personas):
    p = personas
    set_unit_setting(unit=p.city, guide=p.guide, quota=3, deadline=None, reason="名额", actor=p.admin)
    d = passed(p.guide, p.district_a, p.district_a_staff)
    recommend(d, p.district_a_staff)
    child = confirm(p.district_a_staff, p.guide)
    recommend(d, p.city_staff)
    close_districts(p, p.district_b)
    parent = confirm(p.city_staff, p.guide)
    with pytest.raises(ListError, match="请先重新开放上级单位"):
        reopen_list(rec_list=child, actor=p.admin, reason="x")
    reopen_list(rec_list=parent, actor=p.admin, reason="市局调整")
    reopen_list(rec_list=child, actor=p.admin, reason="区局调整")
    assert _states(d) == ["passed"]


def test_unit_staff_cannot_reopen(client, personas, confirm_password):
    p = personas
    rl = confirm(p.district_a_staff, p.guide)
    login(client, p.district_a_staff)
    assert client.post(reverse("quotas:reopen", args=[rl.pk]), {"reason": "x", **confirm_password}).status_code == 403


def export_list(client, rl, on_commit):
    """Ask for the list's workbook; the worker builds it after commit; its page offers it; return the stored file."""
    from django.core.files.storage import default_storage

    before = set(Export.objects.values_list("pk", flat=True))
    with on_commit(execute=True):
        response = client.post(reverse("quotas:export", args=[rl.pk]))
    export = Export.objects.exclude(pk__in=before).get()
    assert response.status_code == 302 and response["Location"] == reverse("core:export", args=[export.pk])
    assert export.kind == "quotas_list" and export.state == Export.State.DONE, export.error
    assert export.filename == f"{rl.unit.name}-推荐名单-{rl.guide.year}.xlsx"
    page = client.get(response["Location"]).content.decode()
    assert "已生成" in page and reverse("quotas:list", args=[rl.pk]) in page  # the way back to the list
    with default_storage.open(export.file.name, "rb") as f:
        stored = f.read()
    download = client.get(reverse("core:export_download", args=[export.pk]))
    assert b"".join(download.streaming_content) == stored
    assert AuditRecord.objects.filter(action="list.export", actor=export.user).exists()
    return stored


def test_excel_download_of_the_confirmed_list(client, personas, django_capture_on_commit_callbacks):
    p = personas
    d1, d2, d3 = (passed(p.guide, p.district_a, p.district_a_staff, dcmm=dcmm) for dcmm in (0, 3, 0))
    recommend(d1, p.district_a_staff)
    recommend(d2, p.district_a_staff)
    rl = rec_list(p.district_a, p.guide)
    login(client, p.district_a_staff)
    response = client.post(reverse("quotas:export", args=[rl.pk]), follow=True)
    assert "确认后才能下载" in response.content.decode()
    assert not Export.objects.exists()
    confirm(p.district_a_staff, p.guide)
    assert client.get(reverse("quotas:export", args=[rl.pk])).status_code == 405  # a GET builds nothing
    ws = load_workbook(io.BytesIO(export_list(client, rl, django_capture_on_commit_callbacks))).active
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True)]
    assert [r[1] for r in rows] == [d1.project_name, d2.project_name]
    assert [r[3] for r in rows] == [d1.organisation.credit_code, d2.organisation.credit_code]
    assert rows[1][7].startswith("否")
    # the print layout: A4 landscape fitted to the width, the header repeated, the title merged over the columns
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3" and "A1:J1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A3"].font.bold and ws["B4"].border.left.style == "thin" and ws.column_dimensions["B"].width == 36
    assert ws.cell(1, 1).value == f"{p.district_a.name} {p.guide.title} 推荐名单"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"
    # the parent may download it, a sibling may not
    login(client, p.city_staff)
    load_workbook(io.BytesIO(export_list(client, rl, django_capture_on_commit_callbacks)))
    login(client, p.district_b_staff)
    assert client.post(reverse("quotas:export", args=[rl.pk])).status_code == 404
    # nor may it open the file another unit asked for
    export = Export.objects.filter(user=p.city_staff).get()
    assert client.get(reverse("core:export", args=[export.pk])).status_code == 404
    assert client.get(reverse("core:export_download", args=[export.pk])).status_code == 404
    assert d3.pk
