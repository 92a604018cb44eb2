"""Truce settings: everything comes from the environment (see docs/reference/settings.md)."""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def envint_min(name: str, default: str, minimum: int) -> int:
    value = envint(name, default)
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("TRUCE_DEBUG", "false")
DATA_DIR = Path(os.getenv("TRUCE_DATA_DIR", "./.truce")).resolve()

SECRET_KEY = os.getenv("TRUCE_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "TRUCE_SECRET_KEY is not set. Set it (50+ random characters), "
            "or set TRUCE_DEBUG=true for a throwaway key in development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = envlist("TRUCE_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("TRUCE_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "truce.identity",
    "truce.ledger",
    "truce.people",
    "truce.funnel",
    "truce.touches",
    "truce.scoring",
    "truce.assignment",
    "truce.agreements",
    "truce.notify",
    "truce.transfer",
    "truce.webtolead",
    "truce.insights",
    "truce.planning",
    "truce.playbooks",
    "truce.pulse",
    "truce.api",
    "truce.demo",
    "truce.runtime",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "truce.urls"
WSGI_APPLICATION = "truce.wsgi.application"
AUTH_USER_MODEL = "identity.User"
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "funnel:lead_list"
LOGOUT_REDIRECT_URL = "identity:login"

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
                "truce.identity.context.permissions",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    url = os.getenv("DATABASE_URL", "")
    if url:
        config: dict[str, Any] = dict(
            dj_database_url.parse(url, conn_max_age=envint("TRUCE_CONN_MAX_AGE", "600"))
        )
        config["CONN_HEALTH_CHECKS"] = True
        return config
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "truce.sqlite3",
        "CONN_MAX_AGE": envint("TRUCE_CONN_MAX_AGE", "600"),
        "OPTIONS": {
            # WAL lets readers run beside the single writer; IMMEDIATE takes the write
            # lock at BEGIN so two writers queue instead of failing with "locked".
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": os.getenv("TRUCE_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.getenv("TRUCE_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# The project-wide assets of the pages (app.css, the vendored htmx) live beside the templates.
STATICFILES_DIRS = [BASE_DIR / "static"]
# `truce collectstatic` fills it for production; until then WhiteNoise serves from the apps.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("TRUCE_SECURE_COOKIES", "false")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

EMAIL_BACKEND = os.getenv("TRUCE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.getenv("TRUCE_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = envint("TRUCE_EMAIL_PORT", "25")
EMAIL_HOST_USER = os.getenv("TRUCE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("TRUCE_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = envbool("TRUCE_EMAIL_USE_TLS", "false")
DEFAULT_FROM_EMAIL = os.getenv("TRUCE_EMAIL_FROM", "truce@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Log records about team-pulse requests lose the request and their exact time (pulse).
    "filters": {"pulse_privacy": {"()": "truce.pulse.log_privacy.ScrubPulseRequests"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["pulse_privacy"]},
    },
    "root": {"handlers": ["console"], "level": os.getenv("TRUCE_LOG_LEVEL", "WARNING")},
}

# API: largest page a client may ask for.
TRUCE_API_MAX_LIMIT = envint("TRUCE_API_MAX_LIMIT", "200")

# The address people reach Truce at, for links in emails.
TRUCE_BASE_URL = os.getenv("TRUCE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Web-to-lead (docs/how-to/web-to-lead.md): submissions per client address per window of
# N seconds (0 turns the limit off), the largest body and the longest message accepted.
TRUCE_WEBFORM_RATE_LIMIT = envint("TRUCE_WEBFORM_RATE_LIMIT", "5")
TRUCE_WEBFORM_RATE_WINDOW = envint("TRUCE_WEBFORM_RATE_WINDOW", "60")
TRUCE_WEBFORM_MAX_BODY_BYTES = envint("TRUCE_WEBFORM_MAX_BODY_BYTES", "16384")
TRUCE_WEBFORM_MAX_MESSAGE_CHARS = envint("TRUCE_WEBFORM_MAX_MESSAGE_CHARS", "5000")
# How many reverse proxies in front of Truce append to X-Forwarded-For. 0: the client address
# is REMOTE_ADDR and the header is ignored (it is forgeable without a proxy you trust).
TRUCE_TRUSTED_PROXIES = envint("TRUCE_TRUSTED_PROXIES", "0")
if TRUCE_WEBFORM_RATE_WINDOW < 1:
    raise ImproperlyConfigured("TRUCE_WEBFORM_RATE_WINDOW must be at least 1 second.")

# Imports from the page and the API (docs/how-to/import.md): the largest file an upload may
# be, enforced while the upload streams in (1 GiB by default). Uploads past Django's in-memory
# limit are spooled to a temporary file chunk by chunk, never read whole into memory.
TRUCE_IMPORT_MAX_UPLOAD_BYTES = envint_min("TRUCE_IMPORT_MAX_UPLOAD_BYTES", str(1 << 30), 1)
FILE_UPLOAD_HANDLERS = [
    "truce.transfer.import_uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Periodic jobs: task path -> every N seconds. Each `truce worker` schedules them; a database
# row per slot makes sure only one worker enqueues each run.
TRUCE_PERIODIC_JOBS = {
    "truce.agreements.tasks.sweep_clocks": envint("TRUCE_SWEEP_EVERY_SECONDS", "60"),
    # Engagement decays with time: rescore open leads hourly.
    "truce.scoring.tasks.rescore_all": envint("TRUCE_RESCORE_EVERY_SECONDS", "3600"),
    "truce.notify.tasks.send_scoreboard_digest": envint("TRUCE_DIGEST_EVERY_SECONDS", "86400"),
    # Webhook retries that are due (a safety net where the job backend cannot defer jobs).
    "truce.notify.webhooks.tasks.deliver_due_webhooks": envint(
        "TRUCE_WEBHOOK_SWEEP_EVERY_SECONDS", "60"
    ),
    # The team pulse: opens the month's survey round if it is not open yet (idempotent).
    "truce.pulse.tasks.open_due_round": envint("TRUCE_PULSE_ROUND_CHECK_EVERY_SECONDS", "3600"),
    # ... and rewrites recent anonymous rows so their transaction ids are the job's, not a poster's.
    "truce.pulse.tasks.mix_pulse": envint("TRUCE_PULSE_MIX_EVERY_SECONDS", "86400"),
    # Playbook reviews that are due: one reminder to the owner per playbook per due date.
    "truce.playbooks.tasks.send_review_reminders": envint(
        "TRUCE_PLAYBOOK_REMINDER_EVERY_SECONDS", "3600"
    ),
    # Predictive scoring: retrain weekly on the closed outcomes (skipped when they are the same),
    # and give open leads (new ones too) their win probability hourly.
    "truce.scoring.tasks.retrain_model": envint("TRUCE_RETRAIN_EVERY_SECONDS", "604800"),
    "truce.scoring.tasks.predict_open_leads": envint("TRUCE_PREDICT_EVERY_SECONDS", "3600"),
}

# Webhooks (docs/how-to/webhooks.md): one POST per attempt with this timeout; a failed attempt
# is retried after BACKOFF * 2**(attempt - 1) seconds, at most MAX_BACKOFF, MAX_ATTEMPTS in all.
TRUCE_WEBHOOK_TIMEOUT_SECONDS = envint_min("TRUCE_WEBHOOK_TIMEOUT_SECONDS", "10", 1)
TRUCE_WEBHOOK_MAX_ATTEMPTS = envint_min("TRUCE_WEBHOOK_MAX_ATTEMPTS", "8", 1)
TRUCE_WEBHOOK_BACKOFF_SECONDS = envint_min("TRUCE_WEBHOOK_BACKOFF_SECONDS", "60", 1)
TRUCE_WEBHOOK_MAX_BACKOFF_SECONDS = envint_min("TRUCE_WEBHOOK_MAX_BACKOFF_SECONDS", "21600", 1)
# How much of a receiver's answer the delivery log keeps.
TRUCE_WEBHOOK_RESPONSE_BYTES = envint_min("TRUCE_WEBHOOK_RESPONSE_BYTES", "2048", 0)

# Team pulse (docs/how-to/team-pulse.md): a round's scores are shown only when at least this
# many people answered it. Below 3 an average gives single answers away, so 3 is the floor.
TRUCE_PULSE_MIN_ANSWERS = envint_min("TRUCE_PULSE_MIN_ANSWERS", "5", 3)
