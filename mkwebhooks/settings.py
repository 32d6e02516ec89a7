"""Settings, read from environment variables with safe defaults for the embedded mode.

Embedded mode (no DATABASE_URL, or a sqlite:// one): SQLite + django-q2's ORM
broker, DEBUG on. Scale-out mode (DATABASE_URL of a server database): DEBUG
defaults off and the system checks in mkwebhooks/checks.py refuse the insecure
defaults.
"""

import os
import warnings
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from mkwebhooks.conf import DEFAULTS as WEBHOOK_DEFAULTS

BASE_DIR = Path(__file__).resolve().parent.parent
INSECURE_SECRET_KEY = "django-insecure-mkwebhooks-embedded-mode-only"


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
EMBEDDED = DATABASE_URL.startswith("sqlite:")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or INSECURE_SECRET_KEY
DEBUG = env_bool("DJANGO_DEBUG", default=EMBEDDED)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_q",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "mkwebhooks.apps.CoreConfig",
    "mkwebhooks.projects",
    "mkwebhooks.media",
    "rules",
    "delivery",
]

MIDDLEWARE = [
    "mkwebhooks.api.middleware.RequestIdMiddleware",
    "mkwebhooks.api.middleware.RefuseNulMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Admin and page assets from gunicorn itself (after collectstatic), no CDN or nginx needed.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mkwebhooks.urls"
WSGI_APPLICATION = "mkwebhooks.wsgi.application"
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
            ]
        },
    }
]


def database_config() -> dict:
    """Return the default database from DATABASE_URL; SQLite is tuned for concurrency."""
    if not EMBEDDED:
        return dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
    config = dj_database_url.parse(DATABASE_URL)
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue on the busy timeout instead of failing with
    # "database is locked" halfway through a transaction.
    config["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not :memory:, so the qcluster processes the tests start can share it.
    config["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
    return config


DATABASES = {"default": database_config()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "static"
# Until `collectstatic` has run (development, tests) WhiteNoise has nothing to serve and
# runserver serves the assets; that is expected, not worth a warning per process.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
# Production (DEBUG off) is HTTPS-only; behind a TLS-terminating proxy set
# DJANGO_SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. /healthz stays plain HTTP.
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    if proxy_header := env_list("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = tuple(proxy_header)
# Notices to project admins: printed in the embedded mode, SMTP otherwise (EMAIL_HOST etc.).
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "mkwebhooks@localhost")
# A shared cache (redis://…) makes the per-token API rate limit hold across web processes.
if cache_url := os.environ.get("DJANGO_CACHE_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": cache_url}
    }
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/deliveries/"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "mkwebhooks.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["mkwebhooks.api.parsers.StrictJSONParser"],
    "EXCEPTION_HANDLER": "mkwebhooks.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["mkwebhooks.api.throttling.TokenRateThrottle"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "mkwebhooks API",
    "DESCRIPTION": "MK.IO-style webhook rules, media resources and delivery history.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Views build bodies by hand; the hook in mkwebhooks/api/schema.py documents them.
    "DISABLE_ERRORS_AND_WARNINGS": True,
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    "SWAGGER_UI_DIST": "SIDECAR",  # assets served from this server, no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "POSTPROCESSING_HOOKS": ["mkwebhooks.api.schema.add_conventions"],
}

BROKER_URL = os.environ.get("MKWEBHOOKS_BROKER_URL", "")
Q_CLUSTER = {
    "name": os.environ.get("MKWEBHOOKS_QUEUE_NAME", "mkwebhooks"),
    "workers": int(os.environ.get("MKWEBHOOKS_WORKERS", "4")),
    # The HTTP deadline (15 s) and the sweeper's loop (50 s) stay below the task
    # timeout, and retry exceeds timeout, so a running task is never handed to a
    # second worker (checked by mkwebhooks.checks).
    "timeout": 90,
    "retry": 120,
    "max_attempts": 1,
    # The delivery log records every outcome; storing each successful task as well cost
    # the cluster's monitor more CPU than the delivery itself (bench/).
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    "poll": 0.1,
    "label": "Task queue",
    **({"redis": BROKER_URL} if BROKER_URL else {"orm": "default"}),
}


def webhook_overrides() -> dict:
    """Every product setting (mkwebhooks/conf.py) can be set as MKWEBHOOKS_<NAME>."""
    overrides = {}
    for name, default in WEBHOOK_DEFAULTS.items():
        variable = f"MKWEBHOOKS_{name}"
        if os.environ.get(variable) is None:
            continue
        try:
            overrides[name] = env_value(variable, default)
        except ValueError:
            raise ImproperlyConfigured(f"{variable} must look like {default!r}.") from None
    return overrides


def env_value(variable: str, default):
    if isinstance(default, bool):
        return env_bool(variable, default)
    if isinstance(default, list):
        items = env_list(variable)
        return [float(item) for item in items] if name_is_numeric(default) else items
    if isinstance(default, int | float):
        return type(default)(os.environ[variable])
    return os.environ[variable]


def name_is_numeric(default: list) -> bool:
    return bool(default) and all(isinstance(item, int | float) for item in default)


MKWEBHOOKS = webhook_overrides()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "mkwebhooks.api.middleware.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("MKWEBHOOKS_LOG_LEVEL", "INFO")},
    "loggers": {
        # Our handler only: Django's own console handler would print each line a second time.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"level": "WARNING"},
        # urllib3 quotes full URLs (with secret query parameters) in its warnings.
        "urllib3": {"level": "CRITICAL"},
    },
}
