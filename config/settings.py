"""Settings read from the environment.

With nothing set the site runs on SQLite in the project folder and Celery tasks
run in-process, so a fresh machine needs no server. DATABASE_URL and REDIS_URL
switch to PostgreSQL and a real broker.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def envlist(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


TESTING = envbool("TESTING", "pytest" in sys.modules)
DEBUG = envbool("DEBUG", False)
# Production (DEBUG off, not the tests) fails closed: no built-in secret may ever sign its sessions or PDFs.
FAIL_CLOSED = not DEBUG and not TESTING


def required_secret(name, dev_default, purpose):
    value = os.environ.get(name, "")
    if value:
        return value
    if FAIL_CLOSED:
        raise ImproperlyConfigured(
            f"{name} is not set: with DEBUG off the site refuses to start without {purpose}. "
            f"Set {name} in the environment (see README, 'Production mode'), or DEBUG=1 for development.")
    return dev_default


SECRET_KEY = required_secret("SECRET_KEY", "dev-only-insecure-key-change-me-in-production-0123456789abcdef",
                             "its own secret key (50+ random characters)")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")


def _development_site_url():
    """Where `runserver` listens: PORT (bin/dev run sets it) or the port given to runserver itself.
    Production sets SITE_URL; `check --deploy` refuses a local one (documents.checks)."""
    port = os.environ.get("PORT", "")
    if not port and len(sys.argv) > 2 and sys.argv[1] == "runserver" and not sys.argv[2].startswith("-"):
        port = sys.argv[2].rpartition(":")[2]
    return f"http://127.0.0.1:{port if port.isdigit() else 8000}"


# The public address printed on documents and encoded in their QR codes.
SITE_URL = (os.environ.get("SITE_URL") or _development_site_url()).rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "core",
    "units",
    "declarations",
    "quotas",
    "review",
    "documents",
    "demonstration",
    "operations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "core.security.RequireOTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.OutageMiddleware",  # last: the first to see a view's database/Redis outage
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.navigation",
                "core.security.security_context",
            ],
        },
    },
]

# Database: SQLite by default, PostgreSQL (psycopg 3, pooled) from DATABASE_URL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    if envbool("DB_POOL", not TESTING):
        DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 2, "max_size": envint("DB_POOL_MAX", 10)}}
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = 60
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE",
                        "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Reverse proxies in front of the app that append to X-Forwarded-For (docker-compose.yml: 1). With 0 the
# header is ignored; with N the client is the N-th address from its right (core/clientip.py). Used by the
# sign-in lockout and the audit log. Port 8000 must then be reachable only through the proxy.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Shown to a locked-out user (and on other help pages): whom to call or write to.
SUPPORT_CONTACT = os.environ.get("SUPPORT_CONTACT", "")

# django-axes: lock a user name at one client address after repeated failures; each further lockout
# lasts twice as long (core/lockout.py).
LOCKOUT_FAILURES = envint("AXES_FAILURE_LIMIT", 8)
LOCKOUT_FIRST_MINUTES = envint("LOCKOUT_FIRST_MINUTES", 15)
LOCKOUT_MAX_HOURS = envint("LOCKOUT_MAX_HOURS", 24)  # the longest lockout, and how long failures are remembered
AXES_FAILURE_LIMIT = "core.lockout.failure_limit"
AXES_COOLOFF_TIME = "core.lockout.memory"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts neither count nor extend a lockout
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_ENABLED = envbool("AXES_ENABLED", True)

# Two-factor sign-in (TOTP) for these roles; off for the demo and most tests, on in production.
OTP_REQUIRED_ROLES = tuple(envlist("OTP_REQUIRED_ROLES", "" if DEBUG else "admin,unit,reviewer"))
OTP_TOTP_ISSUER = "试点示范申报系统"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded and generated files are private: they are served only by views that check permission.
# All code reaches files through `default_storage` / FileField.storage (open, save, delete, exists, size),
# never through MEDIA_ROOT paths, so web and worker machines can share one object store:
# STORAGE_BACKEND=s3 switches to any S3-compatible store (AWS, MinIO, OSS/COS gateways) through
# django-storages. Files stay private either way: the bucket gets no public ACL, downloads are streamed
# through the views that check permission (never a redirect to the store), and any URL the store makes
# anyway is a signed one that expires after AWS_QUERYSTRING_EXPIRE seconds.


def default_storage_from_env(env=os.environ):
    """The STORAGES["default"] entry the environment asks for (the S3 end-to-end test calls it too)."""
    backend = env.get("STORAGE_BACKEND", "filesystem").strip().lower()
    if backend in ("filesystem", "local", ""):
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if backend != "s3":
        raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'filesystem' or 's3', not {backend!r}")
    bucket = env.get("AWS_STORAGE_BUCKET_NAME", "")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    expire = env.get("AWS_QUERYSTRING_EXPIRE", "")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env.get("AWS_S3_REGION_NAME") or None,
            "access_key": env.get("AWS_S3_ACCESS_KEY_ID") or env.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env.get("AWS_S3_SECRET_ACCESS_KEY") or env.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": env.get("AWS_LOCATION", ""),
            "addressing_style": env.get("AWS_S3_ADDRESSING_STYLE") or None,
            "default_acl": None,  # the bucket's own (private) policy; never public-read
            "querystring_auth": True,
            "querystring_expire": int(expire) if expire else 300,
            "file_overwrite": False,
            # Large files (ZIPs of a whole unit) go up in parts and come down through a spooled temp file.
            "max_memory_size": 16 * 1024 * 1024,
        },
    }


STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "filesystem").strip().lower()
STORAGES = {
    "default": default_storage_from_env(),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG and not TESTING
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
MAX_ATTACHMENT_BYTES = envint("MAX_ATTACHMENT_BYTES", 20 * 1024 * 1024)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: a real broker when REDIS_URL is set, otherwise tasks run in-process.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
# In-process tasks run in a thread outside tests (see config/celery.py).
CELERY_EAGER_IN_THREAD = not REDIS_URL and not TESTING
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Beat: reminders hourly (each is sent once, keyed by its step), the e-mail sweeper every 15 minutes,
# stuck documents and exports (a worker killed mid-build) re-queued every 5 minutes.
# Task modules autodiscovery (each app's tasks.py) does not find: the audit export's task sits next to its builder.
CELERY_IMPORTS = ("core.exports",)
CELERY_BEAT_SCHEDULE = {
    "send-reminders": {"task": "operations.tasks.send_reminders", "schedule": 3600.0},
    "resend-pending-emails": {"task": "core.tasks.resend_pending_emails", "schedule": 900.0},
    "requeue-stale-documents": {"task": "documents.tasks.requeue_stale_documents", "schedule": 300.0},
    "requeue-stale-exports": {"task": "core.tasks.requeue_stale_exports", "schedule": 300.0},
}

# The cache holds shared data only (throttling, region names, a guide's data under its version), never a user's
# page. Tests use the process's memory (cleared before each test), never a shared Redis.
CACHES = (
    {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    if REDIS_URL and not TESTING
    else {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
)
SESSION_ENGINE = "django.contrib.sessions.backends.db"

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("EMAIL_HOST") else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "试点示范申报系统 <noreply@example.gov.cn>")

# Security: strict in production, relaxed only where DEBUG needs it.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Documents: where the signing certificate lives (PKCS#12); the run command makes a demo one.
SIGNING_P12_PATH = os.environ.get("SIGNING_P12_PATH", str(BASE_DIR / "var" / "signing" / "demo-signer.p12"))
SIGNING_P12_PASSWORD = required_secret("SIGNING_P12_PASSWORD", "demo-signer",
                                       "the password of the PDF signing certificate (PKCS#12)")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    AXES_ENABLED = envbool("AXES_ENABLED", False)
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OTP_REQUIRED_ROLES = ()
    MEDIA_ROOT = Path(os.environ.get("TEST_MEDIA_ROOT", BASE_DIR / "var" / "test-media"))
