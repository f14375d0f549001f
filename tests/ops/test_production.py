"""The production stack: deploy check, compose file, Dockerfile."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


COMPOSE_SECRETS = {"POSTGRES_PASSWORD": "pg-pass", "SECRET_KEY": "the-key", "SIGNING_P12_PASSWORD": "p12-pass"}
APP_SERVICES = ("web", "worker", "beat")


def _compose_config(env):
    """`docker-compose config` (or `docker compose config`): the stack as Compose itself resolves it."""
    exe = shutil.which("docker-compose") or shutil.which("docker")
    if exe is None:
        pytest.skip("neither docker-compose nor docker installed")
    args = [exe, "config"] if exe.endswith("docker-compose") else [exe, "compose", "config"]
    clean = {k: v for k, v in os.environ.items() if k not in COMPOSE_SECRETS and k not in PRODUCTION}
    return subprocess.run(args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=60)


def _volumes(service):
    """{target: source} whether Compose prints short ("media:/app/media:rw") or long volume syntax."""
    found = {}
    for v in service.get("volumes", []):
        if isinstance(v, str):
            source, target = v.split(":")[:2]
        else:
            source, target = v["source"], v["target"]
        found[target] = source
    return found


@pytest.fixture(scope="module")
def compose():
    result = _compose_config(COMPOSE_SECRETS)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


class TestCompose:
    def test_services_volumes_and_start_order(self, compose):
        services = compose["services"]
        assert set(services) == {"db", "redis", *APP_SERVICES, "minio"}
        assert services["minio"]["profiles"] == ["s3"]  # optional: started only with --profile s3
        assert {"pgdata", "redisdata", "media", "signing"} <= set(compose["volumes"])
        assert _volumes(services["db"]) == {"/var/lib/postgresql/data": "pgdata"}
        assert _volumes(services["redis"]) == {"/data": "redisdata"}
        for name in APP_SERVICES:
            service = services[name]
            assert service["image"] == "pilotdecl:latest", name
            assert _volumes(service) == {"/app/media": "media", "/app/var/signing": "signing"}, name
            assert {dep: c["condition"] for dep, c in service["depends_on"].items()} == {
                "db": "service_healthy", "redis": "service_healthy"}, name

    def test_every_service_has_a_healthcheck(self, compose):
        services = compose["services"]
        for name, service in services.items():
            check = service["healthcheck"]["test"]
            assert check[0] in ("CMD", "CMD-SHELL") and len(check) > 1, name
        assert services["db"]["healthcheck"]["test"] == ["CMD-SHELL", "pg_isready -U pilotdecl -d pilotdecl"]
        assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
        assert "/health/?checks=database" in services["web"]["healthcheck"]["test"][-1]
        assert "inspect ping" in services["worker"]["healthcheck"]["test"][-1]

    def test_processes(self, compose):
        s = compose["services"]
        web = s["web"]["command"]
        web = web if isinstance(web, str) else " ".join(web)
        assert "manage.py migrate" in web and "gunicorn config.wsgi:application" in web
        assert s["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
        assert s["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]

    def test_the_app_services_share_one_production_environment(self, compose):
        s = compose["services"]
        env = s["web"]["environment"]
        db = s["db"]["environment"]
        assert env["DATABASE_URL"] == f"postgres://{db['POSTGRES_USER']}:pg-pass@db:5432/{db['POSTGRES_DB']}"
        assert db["POSTGRES_PASSWORD"] == "pg-pass"
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert env["SECRET_KEY"] == "the-key" and env["SIGNING_P12_PASSWORD"] == "p12-pass"
        assert env["SIGNING_P12_PATH"].startswith("/app/var/signing/") and env["MEDIA_ROOT"] == "/app/media"
        assert (env["DEBUG"], env["SECURE_COOKIES"], env["SECURE_SSL_REDIRECT"]) == ("0", "1", "1")
        assert env["TRUSTED_PROXY_COUNT"] == "1"
        for name in ("worker", "beat"):
            assert s[name]["environment"] == {k: v for k, v in env.items() if k != "WEB_WORKERS"}, name

    @pytest.mark.parametrize("missing", sorted(COMPOSE_SECRETS))
    def test_the_stack_refuses_to_start_without_its_secrets(self, missing):
        result = _compose_config({k: v for k, v in COMPOSE_SECRETS.items() if k != missing})
        assert result.returncode != 0
        assert f"set {missing} in .env" in result.stderr

    def test_it_shows_the_shared_object_store_setting(self, compose):
        s = compose["services"]
        for name in ("web", "worker", "beat"):
            env = s[name]["environment"]
            assert env["STORAGE_BACKEND"] == "filesystem", name  # the default keeps the local volume
            assert "AWS_STORAGE_BUCKET_NAME" in env and "AWS_S3_ENDPOINT_URL" in env
        assert "minio" in s  # the optional S3-compatible store (profile "s3")

    def test_the_app_image_has_a_pg_dump_for_the_db_service(self, compose):
        """pg_dump refuses a server newer than itself: the image's client follows the db image's major version."""
        major = compose["services"]["db"]["image"].split(":")[1].split("-")[0].split(".")[0]
        text = (ROOT / "Dockerfile").read_text()
        assert f"ARG PG_MAJOR={major}\n" in text and "postgresql-client-${PG_MAJOR}" in text

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
    assert {"operations.tasks.send_reminders", "core.tasks.resend_pending_emails"} <= tasks
    assert tasks <= set(app.tasks)
