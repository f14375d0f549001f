"""Shared pieces of the benchmark scripts: start gunicorn on loopback, make signed-in sessions."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/2")
# With DEBUG off the settings refuse to start without secrets; a benchmark on loopback uses throwaway ones
# (the signing password is the demo certificate's, made by `bin/dev run`).
BENCH_SECRETS = {"SECRET_KEY": "bench-only-" + "x" * 50, "SIGNING_P12_PASSWORD": "demo-signer"}


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for name, value in BENCH_SECRETS.items():
        os.environ.setdefault(name, value)
    import django

    django.setup()


def server_env(extra=None):
    env = dict(os.environ)
    env.update({"DEBUG": "0", "OTP_REQUIRED_ROLES": "", "AXES_ENABLED": "0", "LOG_LEVEL": "ERROR",
                "ALLOWED_HOSTS": "127.0.0.1,localhost"})
    # Production mode is PostgreSQL plus Redis (cache, broker).
    env.setdefault("REDIS_URL", REDIS_URL)
    for name, value in BENCH_SECRETS.items():
        env.setdefault(name, value)
    env.update(extra or {})
    return env


class Gunicorn:
    """gunicorn on 127.0.0.1 with the production settings (minus TLS), stopped on exit."""

    def __init__(self, port=None, workers=4, threads=4):
        # Another engineer's server (or a test's live server) may hold a fixed port: ask the kernel for a free one.
        self.port, self.workers, self.threads = port or free_port(), workers, threads
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        subprocess.run([str(VENV_BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                       cwd=ROOT, env=server_env(), check=True)
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers),
             "--threads", str(self.threads), "--worker-class", "gthread", "--log-level", "warning",
             "--timeout", "120", "--keep-alive", "5"], cwd=ROOT, env=server_env())
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode} (port {self.port} taken?)")
            try:
                urllib.request.urlopen(self.url + "/ping/", timeout=2).read()
                return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user):
    """The cookies of a browser signed in as `user`: a session made directly in the session store (no login
    round trip) and the CSRF cookie every page of the site sets on first visit."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    s = SessionStore()
    s[SESSION_KEY] = str(user.pk)
    s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    s[HASH_SESSION_KEY] = user.get_session_auth_hash()
    s.create()
    from django.middleware.csrf import _get_new_csrf_string

    return f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={_get_new_csrf_string()}"


def machine():
    import platform

    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {cpu}, {mem:.0f} GiB, Python {platform.python_version()}"
