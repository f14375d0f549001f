"""The audit log reads in Chinese: every action code has a label; the code stays for filtering and export."""

import re
from pathlib import Path

from django.urls import resolve, reverse

from core.audit import record
from core.audit_labels import ACTION_LABELS, action_label
from core.models import AuditRecord
from tests.utils import login

ROOT = Path(__file__).resolve().parents[2]
# record("x.y", …), _record_on(obj, "x.y", …), action="x.y" and the declaration transition table.
CODE_RE = re.compile(r'(?:record(?:_on)?\((?:\w+, )?|action=|: )"([a-z_]+\.[a-z_]+)"')


def written_codes():
    codes = set()
    for app in ("core", "declarations", "quotas", "review", "documents", "demonstration"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" not in path.parts:
                codes.update(CODE_RE.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_action_code_written_by_the_source_has_a_chinese_label():
    codes = written_codes()
    assert {"declaration.submit", "list.confirm", "document.ready", "auth.login_failed"} <= codes  # the scan works
    missing = sorted(c for c in codes if c not in ACTION_LABELS)
    assert not missing, f"add labels to core/audit_labels.py: {missing}"


def test_the_log_shows_labels_and_keeps_codes_for_filtering(client, personas, django_capture_on_commit_callbacks):
    record("document.ready", target=personas.guide, summary="文档已生成")
    record("list.confirm", actor=personas.city_staff, summary="确认")
    login(client, personas.admin)
    html = client.get(reverse("core:audit_log")).content.decode()
    assert "文档已生成" in html and "确认推荐名单" in html
    assert '<option value="list.confirm">确认推荐名单</option>' in html
    r = client.get(reverse("core:audit_log"), {"action": "list.confirm"})
    assert r.context["page"].paginator.count == 1
    with django_capture_on_commit_callbacks(execute=True):  # the worker writes the CSV after commit
        r = client.post(reverse("core:audit_export", args=["csv"]), {"query": ""})
    download = reverse("core:export_download", kwargs=resolve(r["Location"]).kwargs)
    csv_text = b"".join(client.get(download).streaming_content).decode("utf-8-sig")
    assert "list.confirm" in csv_text


def test_unknown_code_shows_as_itself():
    assert action_label("someone.new_thing") == "someone.new_thing"


def test_a_wrong_password_at_a_confirmation_is_not_a_sign_in_failure(client, personas):
    """The unit's list confirmation with a wrong password: one security.password_confirm_failed, no login failure."""
    from quotas.lists import get_list

    rec_list = get_list(unit=personas.district_a, guide=personas.guide)
    login(client, personas.district_a_staff)
    client.post(reverse("quotas:confirm", args=[rec_list.pk]), {"version": rec_list.version,
                                                                "confirm_password": "not-my-password"})
    assert AuditRecord.objects.filter(action="security.password_confirm_failed",
                                      actor=personas.district_a_staff).count() == 1
    assert not AuditRecord.objects.filter(action="auth.login_failed").exists()
    login_html = client.get(reverse("core:audit_log"))  # the unit may not read the log; the admin does below
    assert login_html.status_code == 403
    login(client, personas.admin)
    html = client.get(reverse("core:audit_log")).content.decode()
    assert "敏感操作前密码确认失败" in html and "登录失败" not in html
