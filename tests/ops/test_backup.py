import tarfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.audit import record
from core.models import AuditRecord, Notification, User
from core.notify import notify
from declarations.guide_cache import bump_guide_version, guide_directions
from declarations.models import Declaration, Direction, Guide, Organisation
from operations.backup import BackupError, read_manifest, restore_backup
from tests.factories import complete_declaration, make_guide, make_org, make_user


@pytest.mark.django_db(transaction=True)
def test_portable_round_trip(tmp_path, settings):
    """Django's JSON: the only way on SQLite, `backup --portable` on PostgreSQL."""
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "证明.pdf").write_bytes(b"%PDF-1.4 original")
    guide = make_guide(2022)
    org = make_org("备份测试公司")
    user = make_user("applicant", "backup_user", organisation=org, email="b@example.com")
    decl = complete_declaration(guide, org, None, state="submitted")
    record("declaration.submit", target=decl, actor=user, summary="提交申报", data={"k": "值"})
    notify(user, kind="k", title="通知", email=False)
    counts = {m: m.objects.count() for m in (Guide, Declaration, Organisation, User, AuditRecord, Notification)}

    out = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(out), portable=True)
    assert read_manifest(out)["format"] == 1 and read_manifest(out)["dump"] == "json"
    with tarfile.open(out) as tar:
        names = tar.getnames()
    assert "db.json" in names and "media/attachments/证明.pdf" in names

    # Damage everything, then restore.
    Declaration.objects.all().delete()
    Notification.objects.all().delete()
    User.objects.filter(pk=user.pk).update(username="changed")
    (settings.MEDIA_ROOT / "attachments" / "证明.pdf").write_bytes(b"tampered")
    (settings.MEDIA_ROOT / "stray.txt").write_text("new file")

    call_command("restore", str(out), yes=True)

    assert {m: m.objects.count() for m in counts} == counts
    restored = Declaration.objects.get(pk=decl.pk)
    assert restored.project_name == decl.project_name and restored.state == "submitted"
    assert User.objects.get(pk=user.pk).username == "backup_user"
    rec = AuditRecord.objects.get(action="declaration.submit")
    assert rec.target == restored and rec.actor_id == user.pk and rec.data == {"k": "值"}
    assert (settings.MEDIA_ROOT / "attachments" / "证明.pdf").read_bytes() == b"%PDF-1.4 original"
    assert not (settings.MEDIA_ROOT / "stray.txt").exists()
    # the restored database keeps working: new rows get fresh ids
    assert make_org("恢复后新增").pk > org.pk


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_postgresql_backs_up_with_pg_dump_and_restores_with_pg_restore(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "attachments").mkdir(parents=True)
    (settings.MEDIA_ROOT / "attachments" / "证明.pdf").write_bytes(b"%PDF-1.4 original")
    guide = make_guide(2022)
    org = make_org("备份测试公司")
    user = make_user("applicant", "backup_user", organisation=org, email="b@example.com")
    decl = complete_declaration(guide, org, None, state="submitted")
    record("declaration.submit", target=decl, actor=user, summary="提交申报", data={"k": "值"})
    counts = {m: m.objects.count() for m in (Guide, Declaration, Organisation, User, AuditRecord)}

    out = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(out))
    manifest = read_manifest(out)
    assert manifest["dump"] == "pg_dump" and manifest["database"] == "postgresql"
    with tarfile.open(out) as tar:
        assert tar.extractfile("db.dump").read(5) == b"PGDMP"  # pg_dump's custom format
        assert "media/attachments/证明.pdf" in tar.getnames()

    Declaration.objects.filter(pk=decl.pk).update(project_name="改过的名称")
    User.objects.filter(pk=user.pk).update(username="changed")
    later = make_org("备份之后的公司")
    (settings.MEDIA_ROOT / "attachments" / "证明.pdf").write_bytes(b"tampered")

    call_command("restore", str(out), yes=True)

    assert {m: m.objects.count() for m in counts} == counts
    assert Declaration.objects.get(pk=decl.pk).project_name == decl.project_name
    assert User.objects.get(pk=user.pk).username == "backup_user"
    assert not Organisation.objects.filter(pk=later.pk).exists()
    assert AuditRecord.objects.get(action="declaration.submit").data == {"k": "值"}
    assert (settings.MEDIA_ROOT / "attachments" / "证明.pdf").read_bytes() == b"%PDF-1.4 original"
    # the sequences came back with the rows: new rows get fresh ids
    assert make_org("恢复后新增").pk > org.pk


def test_restore_refuses_foreign_and_unsafe_files(tmp_path, db):
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        f = tmp_path / "x.txt"
        f.write_text("x")
        tar.add(f, arcname="x.txt")
    with pytest.raises(CommandError, match="manifest.json"):
        call_command("restore", str(bad), yes=True)
    with pytest.raises(CommandError, match="无法读取"):
        call_command("restore", str(tmp_path / "missing.tar.gz"), yes=True)

    evil = tmp_path / "evil.tar.gz"
    manifest = tmp_path / "manifest.json"
    manifest.write_text('{"format": 1}')
    with tarfile.open(evil, "w:gz") as tar:
        tar.add(manifest, arcname="manifest.json")
        tar.add(manifest, arcname="../escape.json")
    with pytest.raises(BackupError, match="unsafe"):
        restore_backup(evil)
    assert not (tmp_path.parent / "escape.json").exists()


@pytest.mark.django_db(transaction=True)
def test_a_restore_leaves_no_cached_guide_data_behind(tmp_path, settings):
    """Guide data is cached under the guide's version; a restore brings back an old version, and the next
    edit must not reuse a number whose cached value came from the data the restore threw away."""
    settings.MEDIA_ROOT = tmp_path / "media"
    guide = make_guide(2022)
    first = guide.directions.order_by("pk").first()
    original = first.name
    assert [d.name for d in guide_directions(guide)][0] == original
    out = tmp_path / "backup.tar.gz"
    call_command("backup", output=str(out), portable=True)

    Direction.objects.filter(pk=first.pk).update(name="备份后改名")
    bump_guide_version(guide)
    assert guide_directions(guide)[0].name == "备份后改名"

    call_command("restore", str(out), yes=True)
    guide = Guide.objects.get(pk=guide.pk)
    assert guide_directions(guide)[0].name == original

    Direction.objects.filter(pk=first.pk).update(name="恢复后再改名")
    bump_guide_version(guide)
    assert guide_directions(guide)[0].name == "恢复后再改名"
