import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from core.audit import record
from core.models import AuditRecord
from tests.factories import PASSWORD, make_user
from tests.utils import login


class TestLoginFailures:
    def test_a_failed_login_is_recorded_without_the_password(self, client, personas):
        client.post(reverse("login"), {"username": "applicant_a", "password": "wrong-password-1"},
                    REMOTE_ADDR="10.1.2.3")
        rec = AuditRecord.objects.get(action="auth.login_failed")
        assert rec.data["username"] == "applicant_a" and rec.ip_address == "10.1.2.3"
        assert "wrong-password-1" not in str(rec.data) + rec.summary

    def test_a_good_login_is_not_a_failure(self, client, personas):
        client.post(reverse("login"), {"username": "applicant_a", "password": PASSWORD})
        assert not AuditRecord.objects.filter(action="auth.login_failed").exists()


class TestAuditLog:
    @pytest.fixture
    def records(self, personas):
        g = personas.guide
        record("guide.publish", target=g, actor=personas.admin, summary="发布指南")
        record("declaration.pass", target=personas.org_a, actor=personas.city_staff, summary="形式审查通过",
               reason="材料齐全")
        old = record("auth.login_failed", summary="登录失败：x")
        AuditRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
        return g

    def test_it_is_for_the_ministry_only(self, client, personas):
        login(client, personas.city_staff)
        assert client.get(reverse("core:audit_log")).status_code == 403
        assert client.get(reverse("core:audit_export", args=["csv"])).status_code == 403

    def test_filters(self, client, personas, records):
        login(client, personas.admin)
        url = reverse("core:audit_log")

        def rows(**params):
            return client.get(url, params).context["page"].paginator.count

        assert rows() == 3
        assert rows(action="guide.publish") == 1
        assert rows(actor="city_staff") == 1
        assert rows(actor="系统") == 1
        today = timezone.localdate().isoformat()
        assert rows(date_from=today) == 2
        assert rows(date_to=(timezone.localdate() - timedelta(days=5)).isoformat()) == 1
        assert rows(target_type="declarations.guide", target_id=str(records.pk)) == 1
        assert rows(q="材料齐全") == 1

    def test_bad_filters_get_messages_not_errors(self, client, personas, records):
        login(client, personas.admin)
        r = client.get(reverse("core:audit_log"), {"date_from": "昨天", "date_to": "2020-01-01",
                                                   "target_id": "5"})
        body = r.content.decode()
        assert r.status_code == 200 and "起始日期格式应为" in body and "请先选择对象类型" in body

    def test_records_cannot_be_changed_through_the_site(self, client, personas, records):
        login(client, personas.admin)
        assert client.post(reverse("core:audit_log")).status_code == 405
        superuser = make_user("admin", "root", is_staff=True, is_superuser=True)
        login(client, superuser)
        rec = AuditRecord.objects.first()
        assert client.get(reverse("admin:core_auditrecord_change", args=[rec.pk])).status_code == 200  # view only
        r = client.post(reverse("admin:core_auditrecord_change", args=[rec.pk]), {"summary": "改"})
        assert r.status_code == 403
        assert client.post(reverse("admin:core_auditrecord_delete", args=[rec.pk]), {"post": "yes"}).status_code == 403
        assert AuditRecord.objects.filter(pk=rec.pk).exclude(summary="改").exists()

    def test_csv_export_follows_the_filters(self, client, personas, records, django_capture_on_commit_callbacks):
        from django.core.files.storage import default_storage

        from core.models import Export

        login(client, personas.admin)
        assert client.get(reverse("core:audit_export", args=["csv"])).status_code == 405  # nothing built by a GET
        with django_capture_on_commit_callbacks(execute=True):  # the worker builds the file after commit
            r = client.post(reverse("core:audit_export", args=["csv"]), {"query": "action=declaration.pass"})
        export = Export.objects.get()
        assert r["Location"] == reverse("core:export", args=[export.pk])
        assert export.kind == "audit_csv" and export.state == "done" and export.row_count == 1
        assert export.filename.endswith(".csv")
        with default_storage.open(export.file.name, "rb") as f:  # the file in the storage
            stored = f.read()
        download = client.get(reverse("core:export_download", args=[export.pk]))
        assert download["Content-Type"].startswith("text/csv")
        assert b"".join(download.streaming_content) == stored
        rows = list(csv.reader(io.StringIO(stored.decode("utf-8-sig"), newline="")))
        assert rows[0][:3] == ["时间", "操作", "操作人登录名"]
        assert len(rows) == 2 and rows[1][1] == "declaration.pass" and rows[1][7] == "材料齐全"
        assert AuditRecord.objects.filter(action="audit.export", summary__contains="CSV").exists()

    def test_csv_export_has_no_row_limit_and_reads_every_record(self, client, personas, records, monkeypatch,
                                                                django_capture_on_commit_callbacks):
        from django.core.files.storage import default_storage

        from core.models import Export

        for i in range(25):
            record("guide.update", target=personas.guide, actor=personas.admin, summary=f"修改{i}")
        monkeypatch.setattr("core.exports.EXCEL_MAX_ROWS", 10)  # Excel's cap does not apply to CSV
        login(client, personas.admin)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("core:audit_export", args=["csv"]), {"query": "action=guide.update"})
        export = Export.objects.get()
        with default_storage.open(export.file.name, "rb") as f:
            rows = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"), newline="")))
        assert export.row_count == 25 and len(rows) == 26
        assert sorted(r[6] for r in rows[1:]) == sorted(f"修改{i}" for i in range(25))

    def test_excel_export_is_built_in_the_background(self, client, personas, records,
                                                      django_capture_on_commit_callbacks):
        from core.models import Export

        login(client, personas.admin)
        assert client.get(reverse("core:audit_export_excel")).status_code == 405
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(reverse("core:audit_export_excel"), {"query": "actor=系统"})
        export = Export.objects.get()
        assert r["Location"] == reverse("core:export", args=[export.pk])
        assert export.state == "done" and export.row_count == 1
        assert 'id="export-status" data-state="done"' in client.get(r["Location"]).content.decode()
        download = client.get(reverse("core:export_download", args=[export.pk]))
        ws = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
        assert ws.max_row == 2 and ws.cell(1, 1).value == "时间" and ws.cell(2, 4).value == "系统"
        assert AuditRecord.objects.filter(action="audit.export", actor=personas.admin).exists()
        # nobody else sees another admin's export
        other = make_user("admin", "other_admin", is_staff=True)
        login(client, other)
        assert client.get(reverse("core:export", args=[export.pk])).status_code == 404
        assert client.get(reverse("core:export_download", args=[export.pk])).status_code == 404
        login(client, personas.admin)
        assert client.post(reverse("core:audit_export", args=["pdf"])).status_code == 404

    def test_a_pending_export_page_refreshes_itself(self, client, personas):
        from core.models import Export

        export = Export.objects.create(user=personas.admin, kind="audit_xlsx")
        login(client, personas.admin)
        body = client.get(reverse("core:export", args=[export.pk])).content.decode()
        assert '<meta http-equiv="refresh" content="2">' in body and "正在后台生成" in body
        assert client.get(reverse("core:export_download", args=[export.pk])).status_code == 404

    @pytest.mark.parametrize("n", [3, 30])
    def test_query_count_is_fixed(self, client, personas, count_queries, n):
        for i in range(n):
            record("guide.update", target=personas.guide if i % 2 else personas.org_a, actor=personas.admin,
                   summary=f"修改{i}")
        login(client, personas.admin)
        assert count_queries(lambda: client.get(reverse("core:audit_log"))) <= 10


class TestHistoryInclude:
    def test_guide_page_shows_its_history(self, client, personas):
        record("guide.extend_deadline", target=personas.guide, actor=personas.admin, summary="截止时间延期",
               reason="系统维护")
        login(client, personas.admin)
        body = client.get(reverse("guides:detail", args=[personas.guide.pk])).content.decode()
        assert "截止时间延期" in body and "系统维护" in body
