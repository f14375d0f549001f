"""Point 3: the address in QR codes and on paper reaches the site — the run command's port in development,
and `check --deploy` refuses a local SITE_URL in production."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

ROOT = Path(__file__).resolve().parents[2]


def _site_url(env, *argv):
    env = {**{k: v for k, v in os.environ.items() if k not in ("SITE_URL", "PORT")}, "DEBUG": "1", **env}
    return subprocess.run([sys.executable, "-c", f"import sys; sys.argv = ['manage.py', *{list(argv)!r}]; "
                           "import os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); "
                           "from django.conf import settings; print(settings.SITE_URL)"],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60).stdout.strip()


def test_development_follows_the_port_bin_dev_run_passes():
    assert _site_url({"PORT": "8765"}) == "http://127.0.0.1:8765"
    assert _site_url({}) == "http://127.0.0.1:8000"


def test_development_follows_the_port_given_to_runserver():
    assert _site_url({}, "runserver", "127.0.0.1:9123") == "http://127.0.0.1:9123"
    assert _site_url({}, "runserver", "9124") == "http://127.0.0.1:9124"


def test_an_explicit_site_url_wins():
    assert _site_url({"PORT": "8765", "SITE_URL": "https://sbxt.example.gov.cn/"}) == "https://sbxt.example.gov.cn"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000",
                                 "http://0.0.0.0", "https://app.localhost", "", "sbxt.example.gov.cn"])
def test_check_deploy_fails_while_site_url_is_local(settings, url):
    settings.SITE_URL = url
    with pytest.raises(SystemCheckError, match="documents.E001"):
        call_command("check", "--deploy", "--tag", "documents")


@pytest.mark.parametrize("url", ["https://sbxt.example.gov.cn", "http://10.1.2.3:8080"])
def test_check_deploy_accepts_a_reachable_address(settings, url):
    settings.SITE_URL = url
    call_command("check", "--deploy", "--tag", "documents")
