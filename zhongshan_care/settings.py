"""Settings: every deployment value comes from the environment (see README).

With nothing configured the app runs on SQLite with Celery's filesystem
transport, so a laptop needs neither PostgreSQL nor Redis.
"""

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_rate, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _local_secret(name: str) -> str:
    """A secret kept in var/ for the embedded default; production sets the variable."""
    path = VAR_DIR / f".{name.lower()}"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or _local_secret("DJANGO_SECRET_KEY")
# Keys for identity data: a keyed hash for lookups and AES-GCM for storage.
ID_HASH_KEY = env_str("ID_HASH_KEY") or _local_secret("ID_HASH_KEY")
FIELD_ENCRYPTION_KEY = env_str("FIELD_ENCRYPTION_KEY") or _local_secret("FIELD_ENCRYPTION_KEY")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "django_htmx",
    "axes",
    "core",
    "accounts",
    "households",
    "assessments",
    "assistance",
    "visits",
    "imports",
    "meetings",
    "employment",
    "dashboards",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.DefaultChineseLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.middleware.LoginRequiredExceptApiMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.DelayedWorkNoticeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "accounts.spray.LoginSprayGuardMiddleware",
    "core.middleware.AccessLogMiddleware",
]

ROOT_URLCONF = "zhongshan_care.urls"
WSGI_APPLICATION = "zhongshan_care.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            "builtins": ["core.templatetags.care"],
        },
    }
]

# Unset or empty (a blank line in a compose file): the embedded SQLite database.
_DATABASE_URL = env_str("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    # Connections are kept for a minute and reused (checked first), not opened per request.
    _DATABASE = dj_database_url.parse(
        _DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0), conn_health_checks=True
    )
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django can use: {error}") from None
if not _DATABASE.get("ENGINE"):
    raise ImproperlyConfigured(f"DATABASE_URL names no database engine: {_DATABASE_URL!r}")
DATABASES = {"default": _DATABASE}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # The test database is a file too, not Django's shared-cache in-memory default: a real Celery
    # worker thread writing while the test thread reads got "database table is locked" there
    # (shared-cache table locks ignore the busy timeout), and a file behaves as production does.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    # Covering indexes (INCLUDE columns) are a PostgreSQL speed-up; SQLite builds the same index
    # without them, which is what the embedded default needs.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Sessions end after SESSION_TIMEOUT_MINUTES without a request.
SESSION_COOKIE_AGE = env_int("SESSION_TIMEOUT_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# HTTPS: on by default whenever secure cookies are (i.e. the site is served over HTTPS).
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", SESSION_COOKIE_SECURE)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000 if SESSION_COOKIE_SECURE else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", bool(SECURE_HSTS_SECONDS))
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", bool(SECURE_HSTS_SECONDS))
if env_bool("DJANGO_BEHIND_TLS_PROXY", False):
    # The proxy terminates TLS and says so; without this the redirect would loop.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (core.middleware.SecurityHeadersMiddleware): our own files only, no
# inline script or style anywhere (templates use static/js/app.js and classes in app.css).
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
CSP_REPORT_ONLY = env_bool("DJANGO_CSP_REPORT_ONLY", False)

# Failed-login throttling: lock a username after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# Spraying many usernames from one address: refuse logins from it once its failures over all
# usernames within the cool-off reach this (accounts/spray.py).
LOGIN_IP_FAILURE_LIMIT = env_int("LOGIN_IP_FAILURE_LIMIT", 20, minimum=1)

# API tokens expire this long after they are made (POST /api/token/ gives a new one).
API_TOKEN_TTL = timedelta(hours=env_int("API_TOKEN_TTL_HOURS", 24, minimum=1))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names (after collectstatic): WhiteNoise serves them with a year-long immutable cache.
    "staticfiles": {"BACKEND": "core.staticfiles.StaticStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", True)
MEDIA_ROOT = VAR_DIR / "media"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# DRF reads a JSON body from the stream, past DATA_UPLOAD_MAX_MEMORY_SIZE: core.drf caps it here.
API_JSON_MAX_BYTES = env_int("API_JSON_MAX_BYTES", 1024 * 1024, minimum=1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated call then gets 401 with WWW-Authenticate, not a bare 403.
        "accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.drf.RolePermission"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "core.drf.ObjectJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.drf.IdCursorPagination",
    "EXCEPTION_HANDLER": "core.drf.exception_handler",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "rest_framework.throttling.ScopedRateThrottle",
    ],
    # Counters live in the cache (per process unless CACHES points at a shared one).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("API_THROTTLE_ANON", "30/min"),
        "user": env_rate("API_THROTTLE_USER", "600/min"),
        "token": env_rate("API_THROTTLE_TOKEN", "10/min"),
        "reveal": env_rate("API_THROTTLE_REVEAL", "20/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "中山困难群众分类关爱帮扶 API",
    "DESCRIPTION": "Case management API. All lists are restricted to the caller's area.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "SafetyCheckEnum": "visits.choices.Check",
        "RecordStatusEnum": "households.choices.RecordStatus",
        "PersonStatusEnum": "households.choices.PersonStatus",
        "ParentSituationEnum": "households.choices.ParentSituation",
        "AlertSourceEnum": "assessments.choices.AlertSource",
        "VagrantSourceEnum": "assessments.choices.VagrantSource",
        "AlertOutcomeEnum": "assessments.choices.AlertOutcome",
        "VagrantOutcomeEnum": "assessments.choices.VagrantOutcome",
        "VerifyMethodEnum": "assessments.choices.VerifyMethod",
        "AssistanceSourceEnum": "households.choices.AssistanceSource",
        "ImportSourceEnum": "imports.models.IMPORT_SOURCES",
        "NeedStatusEnum": "assistance.choices.NeedStatus",
        "UptakeStatusEnum": "assistance.choices.UptakeStatus",
        "CatalogImportKindEnum": "assistance.choices.CatalogImportKind",
        "PlanStatusEnum": "assistance.choices.PlanStatus",
        "PlanActionStatusEnum": "assistance.choices.ActionStatus",
        "ProviderKindEnum": "assistance.choices.ProviderKind",
        "JointCaseStatusEnum": "meetings.choices.CaseStatus",
        "MeetingStatusEnum": "meetings.choices.MeetingStatus",
        "ResolutionTaskStatusEnum": "meetings.choices.TaskStatus",
        "NeedSourceEnum": "assistance.choices.NeedSource",
        "GroupEnum": "assessments.choices.Group",
        "AssistanceStatusKindEnum": "households.choices.AssistanceKind",
        "DisabilityCategoryEnum": "households.choices.DisabilityCategory",
        "JobStatusEnum": "core.models.Job.Status",
    },
}

# Cache (API throttle counters): per process by default; CACHE_URL=redis://... shares it.
_CACHE_URL = env_str("CACHE_URL")
if _CACHE_URL and not _CACHE_URL.startswith(("redis://", "rediss://")):
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {_CACHE_URL!r}")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Celery: filesystem transport by default (no broker to install); Redis in production.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue = VAR_DIR / "celery-queue"
    (_queue / "processed").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue),
        "data_folder_out": str(_queue),
        "processed_folder": str(_queue / "processed"),
        "control_folder": str(_queue / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Broker outages (issue 10): workers keep reconnecting, at start-up too, and tasks that were running
# when the connection dropped are cancelled rather than left to crash the consumer (their jobs are
# re-queued by core.tasks.recover_jobs; every job is idempotent). Publishing gives up after about
# a second, so a web request never hangs on a dead broker: the job stays in the outbox (core/jobs.py).
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
if CELERY_BROKER_URL.startswith("redis"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": 2,
        "health_check_interval": 10,
    }
# The job lease (core/jobs.py): a running job's worker beats every JOB_HEARTBEAT_SECONDS; a job
# silent for JOB_STALE_SECONDS lost its worker and is re-queued or failed.
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15)
JOB_STALE_SECONDS = env_int("JOB_STALE_SECONDS", 120)
# Uploaded rosters and error reports (ID numbers in clear) are deleted after this many days.
IMPORT_FILE_RETENTION_DAYS = env_int("IMPORT_FILE_RETENTION_DAYS", 30, minimum=1)
CELERY_BEAT_SCHEDULE: dict = {
    # Jobs whose worker died are re-queued or failed; jobs the broker missed are sent again.
    "core-recover-jobs": {"task": "core.tasks.recover_jobs", "schedule": 60.0},
    "imports-purge-expired-files": {
        "task": "imports.tasks.purge_expired_files",
        "schedule": crontab(hour=3, minute=15),
    },
    # People age into and out of screening groups: re-screen everyone each night.
    "assessments-nightly-rescreen": {
        "task": "assessments.tasks.rescreen_everyone_nightly",
        "schedule": crontab(hour=1, minute=30),
    },
    # Weekly safety net: compare everyone's facts, not only the marked and the calendar's.
    "assessments-weekly-full-rescreen": {
        "task": "assessments.tasks.rescreen_everyone_full",
        "schedule": crontab(hour=2, minute=30, day_of_week="sun"),
    },
    # After the nightly sweep: push eligible catalog items (幸福清单推送).
    "assistance-nightly-push": {
        "task": "assistance.tasks.push_after_sweep",
        "schedule": crontab(hour=4, minute=0),
    },
    # Overdue care-plan actions and due reviews become tasks (我的待办).
    "assistance-plan-reminders": {
        "task": "assistance.tasks.plan_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    # Overdue visits become tasks for the teams' responsible workers (我的待办).
    "visits-overdue-reminders": {
        "task": "visits.tasks.visit_reminders",
        "schedule": crontab(hour=6, minute=15),
    },
    # The visit schedule table redone from scratch (frequencies that came into force, safety net).
    "visits-schedule-refresh": {
        "task": "visits.tasks.schedule_refresh",
        "schedule": crontab(hour=4, minute=30),
    },
    # Public-welfare placements at or near their tenure limit become tasks (我的待办).
    "employment-tenure-reminders": {
        "task": "employment.tasks.tenure_reminders",
        "schedule": crontab(hour=6, minute=30),
    },
    # The employment survey's summary rows: working age follows birthdays (after midnight).
    "employment-survey-tallies": {
        "task": "employment.tasks.refresh_survey_tallies",
        "schedule": crontab(hour=0, minute=10),
    },
    # The dashboards' month-end snapshot of the group stock, for the monthly report.
    "stats-month-end-snapshot": {
        "task": "stats.tasks.snapshot_last_month",
        "schedule": crontab(day_of_month=1, hour=0, minute=20),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per authenticated request; ship to the bureau's log store (kept >= 6 months).
        "zhongshan_care.access": {"level": env_str("ACCESS_LOG_LEVEL", "INFO")},
        "axes": {"level": "WARNING"},
    },
}

if not DEBUG:
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"
