"""Backup and restore of the database and the uploaded files as one .tar.gz.

The database goes in as Django's JSON (dumpdata with natural foreign keys), which
loads into SQLite and PostgreSQL alike, so a backup taken on one restores on the
other; primary keys are kept so audit records still point at their objects.
Content types and permissions are left out: migrate recreates them and the natural
keys map onto the new rows.
"""

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone


FORMAT = 1
EXCLUDE = ["contenttypes", "auth.permission", "sessions.session"]


class BackupError(Exception):
    pass


def create_backup(output=None):
    """Write <output> (default var/backups/pilotdecl-<time>.tar.gz); returns its path."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    output = Path(output or Path(settings.BASE_DIR) / "var" / "backups" / f"pilotdecl-{stamp}.tar.gz")
    output.parent.mkdir(parents=True, exist_ok=True)
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        db_file = Path(tmp) / "db.json"
        call_command("dumpdata", natural_foreign=True, exclude=EXCLUDE, output=str(db_file), verbosity=0)
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(), "django": django.get_version(),
                    "database": connection.vendor,
                    "media_files": sum(1 for p in media.rglob("*") if p.is_file()) if media.exists() else 0}
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(tmp) / "manifest.json", arcname="manifest.json")
            tar.add(db_file, arcname="db.json")
            if media.exists():
                tar.add(media, arcname="media")
        partial.replace(output)  # never leave a half-written file under the final name
    return output


def _safe_members(tar):
    for m in tar.getmembers():
        name = Path(m.name)
        if name.is_absolute() or ".." in name.parts or not (m.isfile() or m.isdir()):
            raise BackupError(f"unsafe entry in backup: {m.name}")
        yield m


def read_manifest(path):
    with tarfile.open(path, "r:gz") as tar:
        try:
            return json.load(tar.extractfile("manifest.json"))
        except KeyError as exc:
            raise BackupError("not a backup of this system: manifest.json missing") from exc


def restore_backup(path):
    """Replace the database contents and the media folder with the backup's. Destructive."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')}")
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(path, "r:gz") as tar:
            tar.extractall(tmp, members=list(_safe_members(tar)))
        db_file = Path(tmp) / "db.json"
        if not db_file.exists():
            raise BackupError("backup has no db.json")
        with transaction.atomic():
            call_command("flush", interactive=False, verbosity=0)
            ContentType.objects.clear_cache()
            call_command("loaddata", str(db_file), verbosity=0)
        ContentType.objects.clear_cache()
        restored_media = Path(tmp) / "media"
        if media.exists():
            shutil.rmtree(media)
        if restored_media.exists():
            shutil.copytree(restored_media, media)
        else:
            media.mkdir(parents=True, exist_ok=True)
    return manifest
