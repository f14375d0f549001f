"""The production stack: deploy check, compose file, Dockerfile."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check_deploy(extra_env):
    env = {k: v for k, v in os.environ.items() if k not in {"TESTING", "DEBUG", "SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE",
                                                             "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}}
    env.update(extra_env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


SECRETS = {"SECRET_KEY": secrets.token_urlsafe(50), "SIGNING_P12_PASSWORD": secrets.token_urlsafe(16)}
PRODUCTION = {**SECRETS, "DEBUG": "0", "SECURE_COOKIES": "1",
              "SECURE_SSL_REDIRECT": "1", "SECURE_HSTS_SECONDS": "31536000", "ALLOWED_HOSTS": "pilot.example.gov.cn",
              "SITE_URL": "https://pilot.example.gov.cn"}


def test_check_deploy_passes_with_production_settings():
    result = _check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_them():
    """Proves the check above is meaningful: the development defaults are refused."""
    result = _check_deploy({**SECRETS, "ALLOWED_HOSTS": "pilot.example.gov.cn"})
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout  # no HSTS


def test_production_security_settings():
    code = ("from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER[0], "
            "'script-src' in s.CONTENT_SECURITY_POLICY['DIRECTIVES'], s.SECURE_REDIRECT_EXEMPT)")
    env = {**{k: v for k, v in os.environ.items() if k not in ("TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE")}, **PRODUCTION,
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.split(" ", 6)[:6] == ["True", "True", "True", "31536000", "HTTP_X_FORWARDED_PROTO", "True"]
    assert "health/" in out.stdout


@pytest.fixture(scope="module")
def compose():
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


class TestCompose:
    def test_services_and_volumes(self, compose):
        services = compose["services"]
        assert {"db", "redis", "web", "worker", "beat"} <= set(services)
        assert {"pgdata", "media"} <= set(compose["volumes"])
        assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
        for name in ("web", "worker", "beat"):
            assert "media:/app/media" in services[name]["volumes"], name
            assert services[name]["depends_on"]["db"]["condition"] == "service_healthy"
        for name in services:
            assert "healthcheck" in services[name], name

    def test_processes(self, compose):
        s = compose["services"]
        assert "gunicorn config.wsgi:application" in s["web"]["command"]
        assert s["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
        assert s["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
        env = s["web"]["environment"]
        assert env["REDIS_URL"].startswith("redis://redis:") and env["DATABASE_URL"].startswith("postgres://")
        assert env["SECURE_SSL_REDIRECT"] == "1" and env["SECURE_COOKIES"] == "1"

    def test_docker_compose_config_accepts_it(self):
        import shutil

        exe = shutil.which("docker-compose") or shutil.which("docker")
        if exe is None:
            pytest.skip("neither docker-compose nor docker installed")
        args = [exe, "config", "-q"] if exe.endswith("docker-compose") else [exe, "compose", "config", "-q"]
        env = {**os.environ, "POSTGRES_PASSWORD": "x", "SECRET_KEY": "y", "SIGNING_P12_PASSWORD": "z"}
        result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr

    def test_dockerfile_serves_static_files_with_whitenoise(self):
        text = (ROOT / "Dockerfile").read_text()
        assert "collectstatic" in text and "gunicorn" in text
        from django.conf import settings

        assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from config.celery import app

    app.loader.import_default_modules()
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"core.tasks.send_reminders", "core.tasks.resend_pending_emails"} <= tasks
    assert tasks <= set(app.tasks)
