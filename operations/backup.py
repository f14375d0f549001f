"""Backup and restore of the database and the uploaded files as one .tar.gz.

On PostgreSQL the database goes in as PostgreSQL's own custom-format dump (`pg_dump -Fc`) and comes back
with `pg_restore --clean`: what an operator trusts, exact (sequences, constraints) and fast. The client
programs get the connection from the settings (DATABASE_URL) as arguments and the password through
PGPASSWORD; nothing is built into a shell string.

The portable way (`portable=True`, and always on SQLite) is Django's JSON (dumpdata with natural foreign
keys), which loads into SQLite and PostgreSQL alike, so a backup taken on one restores on the other;
primary keys are kept so audit records still point at their objects. Content types and permissions are
left out: migrate recreates them and the natural keys map onto the new rows.

The uploaded and generated files are read and written through the default storage (local folder or an
S3-compatible store alike), one file at a time, so a backup never holds a file in memory.
"""

import json
import os
import posixpath
import subprocess
import tarfile
import tempfile
from pathlib import Path

import django
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from declarations.guide_cache import retire_cached_versions
from declarations.models import Guide
from review.scores import refresh_guide_scores
from declarations.tallies import rebuild_tallies


FORMAT = 1  # the archive layout; the manifest's "dump" says how the database is in it
EXCLUDE = ["contenttypes", "auth.permission", "sessions.session"]
PG_DUMP, JSON_DUMP = "pg_dump", "json"


def _dump_file(folder, dump):
    """Where the archive keeps the database: db.dump (pg_dump's custom format) or db.json (Django's)."""
    return Path(folder) / ("db.dump" if dump == PG_DUMP else "db.json")


class BackupError(Exception):
    pass


def _pg_client(program, *args):
    """Run a PostgreSQL client program against the configured database (no shell; password via PGPASSWORD)."""
    db = connection.settings_dict
    command = [program]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    command += [*args, "--dbname", db["NAME"]]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    if (db.get("OPTIONS") or {}).get("sslmode"):
        env["PGSSLMODE"] = db["OPTIONS"]["sslmode"]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BackupError(f"{program} not found: install the PostgreSQL client (postgresql-client)") from exc
    if result.returncode != 0:
        raise BackupError(f"{program} failed: {result.stderr.strip()}")


def stored_files(storage=None, folder=""):
    """Every file name in the storage, depth first (listdir works on local folders and S3 prefixes alike)."""
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield posixpath.join(folder, name) if folder else name
    for d in sorted(dirs):
        yield from stored_files(storage, posixpath.join(folder, d) if folder else d)


def create_backup(output=None, *, portable=False):
    """Write <output> (default var/backups/pilotdecl-<time>.tar.gz); returns its path.

    On PostgreSQL the database is dumped with pg_dump unless `portable` asks for Django's JSON.
    """
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    output = Path(output or Path(settings.BASE_DIR) / "var" / "backups" / f"pilotdecl-{stamp}.tar.gz")
    output.parent.mkdir(parents=True, exist_ok=True)
    names = list(stored_files())
    dump = PG_DUMP if connection.vendor == "postgresql" and not portable else JSON_DUMP
    with tempfile.TemporaryDirectory() as tmp:
        db_file = _dump_file(tmp, dump)
        if dump == PG_DUMP:
            _pg_client("pg_dump", "--format=custom", "--file", str(db_file))
        else:
            call_command("dumpdata", natural_foreign=True, exclude=EXCLUDE, output=str(db_file), verbosity=0)
        manifest = {"format": FORMAT, "created_at": timezone.now().isoformat(), "django": django.get_version(),
                    "database": connection.vendor, "dump": dump,
                    "media_files": len(names)}
        (Path(tmp) / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
        partial = output.with_name(output.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(Path(tmp) / "manifest.json", arcname="manifest.json")
            tar.add(db_file, arcname=db_file.name)
            for name in names:
                info = tarfile.TarInfo(f"media/{name}")
                info.size = default_storage.size(name)
                info.mtime = int(timezone.now().timestamp())
                with default_storage.open(name, "rb") as f:
                    tar.addfile(info, f)
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
    """Replace the database contents and the stored files with the backup's. Destructive."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unsupported backup format {manifest.get('format')}")
    dump = manifest.get("dump", JSON_DUMP)  # backups from before pg_dump carry no "dump": they are JSON
    if dump not in (PG_DUMP, JSON_DUMP):
        raise BackupError(f"unsupported database dump {dump}")
    if dump == PG_DUMP and connection.vendor != "postgresql":
        raise BackupError("this backup was made with pg_dump and restores only into PostgreSQL")
    with tarfile.open(path, "r:gz") as tar, tempfile.TemporaryDirectory() as tmp:
        members = list(_safe_members(tar))
        db_name = _dump_file(tmp, dump).name
        tar.extractall(tmp, members=[m for m in members if m.name == db_name and m.isfile()])
        db_file = _dump_file(tmp, dump)
        if not db_file.exists():
            raise BackupError(f"backup has no {db_file.name}")
        if dump == PG_DUMP:
            connection.close()  # hold no lock of our own while pg_restore drops the tables
            _pg_client("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
                       "--single-transaction", "--exit-on-error", str(db_file))
        else:
            with transaction.atomic():
                call_command("flush", interactive=False, verbosity=0)
                ContentType.objects.clear_cache()
                call_command("loaddata", str(db_file), verbosity=0)
        ContentType.objects.clear_cache()
        retire_cached_versions()
        # The stored review scores follow the restored reviews, whatever the backup held of them (one taken
        # before the table existed has none).
        for guide_id in Guide.objects.values_list("pk", flat=True):
            refresh_guide_scores(guide_id)
        rebuild_tallies()  # a backup from before the counters existed has none: counted from its declarations
        for name in list(stored_files()):
            default_storage.delete(name)
        for m in members:
            if not (m.isfile() and m.name.startswith("media/")):
                continue
            name = m.name[len("media/"):]
            saved = default_storage.save(name, File(tar.extractfile(m), name=posixpath.basename(name)))
            if saved != name:
                raise BackupError(f"could not restore {name} under its own name (got {saved})")
    return manifest
