"""Files go through Django's storage API, so an S3-compatible store can replace the local folder."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ["core", "declarations", "quotas", "review", "documents", "demonstration", "operations", "units"]

PROBE = """
import django, json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
django.setup()
from django.core.files.storage import default_storage as s
url = s.url("documents/form.pdf")
print(json.dumps({"backend": type(s._wrapped).__name__, "bucket": s.bucket_name, "endpoint": s.endpoint_url,
                  "signed": "Signature=" in url or "X-Amz-Signature=" in url, "acl": s.default_acl}))
"""


def _settings_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "STORAGE_"))}
    env.update(DEBUG="1", TESTING="0", **extra)
    return env


def test_environment_variables_switch_to_an_s3_compatible_store():
    env = _settings_env(STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="pilotdecl",
                        AWS_S3_ENDPOINT_URL="http://minio:9000", AWS_ACCESS_KEY_ID="k", AWS_SECRET_ACCESS_KEY="s")
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    # private files: no public ACL, and any URL the store makes is signed (and expires)
    assert got == {"backend": "S3Storage", "bucket": "pilotdecl", "endpoint": "http://minio:9000", "signed": True,
                   "acl": None}


def test_s3_without_a_bucket_refuses_to_start():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=_settings_env(STORAGE_BACKEND="s3"),
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "AWS_STORAGE_BUCKET_NAME" in out.stderr


def test_the_default_stays_the_local_file_system(settings):
    assert settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_no_app_code_builds_paths_into_the_media_folder():
    """MEDIA_ROOT is read by the local storage backend only; app code asks the storage (open/save/exists)."""
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py") if (ROOT / app).exists() else ():
            if "migrations" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            for pattern in (r"MEDIA_ROOT", r"\.file\.path\b", r"\.seal\.path\b", r"storage\.path\("):
                if re.search(pattern, text):
                    offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []
