"""Issue 11 item 5: with DEBUG off the site refuses to start on built-in secrets.

Each case starts a fresh interpreter, as a server would, with the production-mode
environment minus one secret.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"SECRET_KEY": secrets.token_urlsafe(50), "SIGNING_P12_PASSWORD": secrets.token_urlsafe(16)}


def _run(args, **env_changes):
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE",
                                                             *SECRETS}}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", "ALLOWED_HOSTS": "pilot.example.gov.cn"})
    env.update({k: v for k, v in env_changes.items() if v is not None})
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SETUP = ["-c", "import django; django.setup(); from django.conf import settings; print('KEY', settings.SECRET_KEY)"]
CHECK = ["manage.py", "check"]


@pytest.mark.parametrize("command", [SETUP, CHECK], ids=["django.setup", "manage.py check"])
@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_production_refuses_to_start_without_a_secret(command, missing):
    given = {k: v for k, v in SECRETS.items() if k != missing}
    result = _run(command, DEBUG="0", **given)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} is not set: with DEBUG off the site refuses to start" in result.stderr
    # The same environment with the secret given starts, with the key given and not a built-in one.
    result = _run(SETUP, DEBUG="0", **SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"KEY {SECRETS['SECRET_KEY']}"


def test_an_empty_secret_counts_as_missing():
    result = _run(CHECK, DEBUG="0", **{**SECRETS, "SECRET_KEY": ""})
    assert result.returncode != 0 and "SECRET_KEY is not set" in result.stderr


def test_only_development_keeps_the_demo_fallbacks():
    """`bin/dev run` sets DEBUG=1 and nothing else: the demo certificate's password stays there, and only there."""
    show = ["-c", "import django; django.setup(); from django.conf import settings; print(settings.SIGNING_P12_PASSWORD)"]
    result = _run(show, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demo-signer"
    result = _run(show, DEBUG="0", SECRET_KEY=SECRETS["SECRET_KEY"])
    assert result.returncode != 0 and "SIGNING_P12_PASSWORD is not set" in result.stderr
