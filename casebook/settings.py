"""Casebook settings, read from the environment (twelve-factor).

Every value comes from an environment variable, optionally from a `.env` file in the project
root. Defaults are the embedded set-up (SQLite under var/, tasks run in-process); production
must set SECRET_KEY, HISTORY_KEY, ALLOWED_HOSTS, FIELD_ENCRYPTION_KEYS and
EXPORT_ENCRYPTION_KEYS, and start-up stops with a message naming the variable when one is
missing or malformed. docs/configuration.md lists them all.
"""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """A boolean variable; anything but a recognised spelling stops start-up.

    django-environ reads an unknown spelling such as "ture" as False, which would silently turn
    a security setting off.
    """
    raw = env.str(name, default=None)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int) -> int:
    raw = env.str(name, default=None)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = env.str(name, default=None)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# --- Secrets -------------------------------------------------------------------------------------
# Only a DEBUG run may fall back to a fixed development key; such a site must never hold real data.
_DEV_SECRET_KEY = "casebook-development-only-key-never-use-with-real-data-0123456789"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it to a random string of at least 50 characters, e.g. "
            "the output of: python -c 'import secrets; print(secrets.token_urlsafe(64))'."
        )
    SECRET_KEY = _DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY == _DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use a random string of at least 50 characters."
    )
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

# The key of the tamper-evident history chain (cases/history.py), kept apart from SECRET_KEY so
# that a leaked session key cannot be used to rebuild the chain. Older keys stay in the fallbacks
# for verification after `manage.py rotate_history_key`. A DEBUG run derives it from SECRET_KEY.
HISTORY_KEY = env.str("HISTORY_KEY", default="")
if not HISTORY_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "HISTORY_KEY is not set. Set it to a random string of at least 50 characters, "
            "different from SECRET_KEY, and keep it with your backups: it verifies the history."
        )
    HISTORY_KEY = SECRET_KEY
elif not DEBUG and (len(HISTORY_KEY) < 50 or HISTORY_KEY == SECRET_KEY):
    raise ImproperlyConfigured(
        "HISTORY_KEY is too weak for production: use a random string of at least 50 characters, "
        "different from SECRET_KEY."
    )
HISTORY_KEY_FALLBACKS = env_list("HISTORY_KEY_FALLBACKS", [])
# Signed checkpoints of the chain's head go to the `casebook.history.checkpoint` log and are
# appended to this file, which belongs on another machine or an append-only volume: a copy the
# database's writer cannot reach is what makes a rolled-back head visible.
HISTORY_CHECKPOINT_FILE = env.str("HISTORY_CHECKPOINT_FILE", default="")
# Seconds between checkpoints written by Celery beat (one is also written after every workflow
# step).
HISTORY_CHECKPOINT_INTERVAL = env_int("HISTORY_CHECKPOINT_INTERVAL", 300)
if HISTORY_CHECKPOINT_INTERVAL < 1:
    raise ImproperlyConfigured("HISTORY_CHECKPOINT_INTERVAL must be at least 1 (seconds).")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is not set. Set it to the comma-separated host names this site answers "
        "to, e.g. ALLOWED_HOSTS=casebook.example.org."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Sensitive fields (testimony originators, contact details) are encrypted with keys derived from
# SECRET_KEY and these salts. The first is used for new data; the others still decrypt old data,
# so a rotation prepends a new value. Losing them makes those fields unreadable.
SALT_KEY = env_list("FIELD_ENCRYPTION_KEYS", [])
if not SALT_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. Set it to one or more comma-separated random "
            "strings; keep them with your backups, or encrypted fields cannot be read."
        )
    SALT_KEY = ["casebook-development-only-salt"]

# --- Applications --------------------------------------------------------------------------------
INSTALLED_APPS = [
    "casebook.admin_site.CasebookAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "csp",
    "casebook.accounts",
    "casebook.backup",
    "cases",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files carry the policies too.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: stylesheets and scripts may be cached, pages may not.
    "casebook.security.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the CSRF check and the user: keeps a workspace POST whose session had ended.
    "cases.kept_text.KeptTextMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "casebook.urls"
WSGI_APPLICATION = "casebook.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

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
                "cases.context_processors.notifications",
            ],
        },
    },
]

# Widgets render through the site's template settings, so that a widget may use templates/.
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

# --- Database ------------------------------------------------------------------------------------
_DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'casebook.sqlite3'}"
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=_DEFAULT_DATABASE_URL)}
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database URL this site understands. Use "
        "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///ABSOLUTE/PATH."
    ) from exc

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _name = DATABASES["default"]["NAME"]
    if _name and _name != ":memory:" and not Path(_name).is_absolute():
        DATABASES["default"]["NAME"] = str(BASE_DIR / _name)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE takes the write lock when a transaction starts, so two writers queue
            # instead of one failing with "database is locked" half-way through.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
elif DATABASES["default"]["ENGINE"] in {
    "django.db.backends.postgresql",
    "django.db.backends.postgresql_psycopg2",
}:
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite.")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "cases:dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Security headers and cookies ----------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 60 * 60)
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "cases.kept_text.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Only the site's own origin, on every response: no inline script or style, no third-party
# host that could be told who reads what. Swagger UI draws its icons from data: URIs.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
# No page needs a camera, a microphone, the location or any other device: a script that got in
# anyway cannot ask for them. Fullscreen (maps, documents) and passkeys stay with the site.
PERMISSIONS_POLICY = {
    **{
        feature: []
        for feature in (
            "accelerometer",
            "ambient-light-sensor",
            "autoplay",
            "bluetooth",
            "browsing-topics",
            "camera",
            "clipboard-read",
            "display-capture",
            "encrypted-media",
            "geolocation",
            "gyroscope",
            "hid",
            "idle-detection",
            "local-fonts",
            "magnetometer",
            "microphone",
            "midi",
            "payment",
            "picture-in-picture",
            "screen-wake-lock",
            "serial",
            "usb",
            "xr-spatial-tracking",
        )
    },
    "fullscreen": ["self"],
    "publickey-credentials-get": ["self"],
}

# --- Internationalisation ------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and uploaded files -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence is stored outside the web root and only ever served through a view that logs access.
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
MEDIA_URL = None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail --------------------------------------------------------------------------------------
try:
    vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
except (ImproperlyConfigured, KeyError, ValueError) as exc:
    raise ImproperlyConfigured(
        "EMAIL_URL is not an e-mail URL, e.g. smtp+tls://user:password@mail.example.org:587."
    ) from exc
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="casebook@localhost")

# --- Background tasks ----------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker every task runs in-process at once: one monitor's laptop needs no services.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]

# --- API -----------------------------------------------------------------------------------------
# Requests per personal API token (DRF rate: "<n>/<second|minute|hour|day>"), counted in the
# default cache: per process with the local-memory cache, shared with Redis or Memcached.
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="1000/hour")
_rate_count, _slash, _rate_period = API_TOKEN_RATE.partition("/")
if not (_rate_count.isdigit() and _rate_period[:1] in {"s", "m", "h", "d"}):
    raise ImproperlyConfigured(
        "API_TOKEN_RATE must look like 1000/hour (or /second, /minute, /day); "
        f"got {API_TOKEN_RATE!r}."
    )

# The largest request body read, API included (Django's default, stated): the longest record,
# a 100,000-character narrative, is at most 400 kB of UTF-8.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

REST_FRAMEWORK = {
    # Token first: an anonymous request is then told to authenticate (401 with
    # WWW-Authenticate: Token) rather than refused (403).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cases.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # No browsable API: its forms would list related records outside the access gate.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded in depth and in size (DATA_UPLOAD_MAX_MEMORY_SIZE): a 400 or 413, not a 500.
    "DEFAULT_PARSER_CLASSES": ["cases.api.parsers.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "cases.api.pagination.KeysetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["cases.api.throttling.ApiTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_token": API_TOKEN_RATE},
    "DEFAULT_SCHEMA_CLASS": "cases.api.schema.CasebookAutoSchema",
    "EXCEPTION_HANDLER": "cases.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Casebook API",
    "DESCRIPTION": (
        "Read and write case records, export them and count detained people. Every answer "
        "holds only what the authenticated user may see. Authenticate with a session or with "
        "a personal API token (`Authorization: Token <key>`, made at /accounts/tokens/)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "cases.api.schema.strict_request_bodies",
    ],
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CertaintyEnum": "cases.models.base.Certainty",
        "LanguageEnum": "cases.models.base.LanguageTag",
        "DetentionStatusEnum": "cases.models.vocabulary.DetentionStatus",
        "InterventionStatusEnum": "cases.models.case.InterventionStatus",
        "CaseStateEnum": "cases.models.case.CaseState",
        "AccessEnum": "cases.models.detention.Access",
        "NameKindEnum": "cases.models.person.NameKind",
        "PlaceKindEnum": "cases.models.place.PlaceKind",
    },
    # Served from the sidecar package: no CDN, so the docs work offline and leak no visits.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging -------------------------------------------------------------------------------------
# Logs leave the building: they carry ids and events, never case content, names or sources.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Casebook ------------------------------------------------------------------------------------
CASEBOOK_REFERENCE_PREFIX = env.str("CASEBOOK_REFERENCE_PREFIX", default="CB")
# Days a government has to reply to a communication, by intervention kind (Term code): the UN
# special procedures and the WGAD give 60 days. Used to fill in "reply due" when left blank.
CASEBOOK_REPLY_PERIOD_DAYS = {"wgad-communication": 60, "un-urgent-appeal": 60}
# The corroboration rule for verifying a case (WORKFLOW.md): enough independent sources, or one
# strong source strongly cited.
CASEBOOK_CORROBORATION = {
    "min_independent_sources": env_int("CORROBORATION_MIN_SOURCES", 2),
    "strong_reliability": ["A", "B"],
    "strong_credibility": [1, 2],
}

# --- Alerts and the weekly digest ---------------------------------------------------------------
# The dashboard's alerts (cases/alerts.py): a release expected within this many days, no news of
# a person still held for this many days.
CASEBOOK_ALERT_RELEASE_DAYS = env_int("CASEBOOK_ALERT_RELEASE_DAYS", 90)
CASEBOOK_ALERT_NO_NEWS_DAYS = env_int("CASEBOOK_ALERT_NO_NEWS_DAYS", 180)
if CASEBOOK_ALERT_RELEASE_DAYS < 0 or CASEBOOK_ALERT_NO_NEWS_DAYS < 1:
    raise ImproperlyConfigured(
        "CASEBOOK_ALERT_RELEASE_DAYS must be 0 or more and CASEBOOK_ALERT_NO_NEWS_DAYS at least 1."
    )
# When Celery beat sends the weekly e-mail digest of alerts (TIME_ZONE, i.e. UTC).
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CASEBOOK_ALERT_DIGEST_WEEKDAY = env.str("CASEBOOK_ALERT_DIGEST_WEEKDAY", default="monday").lower()
CASEBOOK_ALERT_DIGEST_HOUR = env_int("CASEBOOK_ALERT_DIGEST_HOUR", 6)
if CASEBOOK_ALERT_DIGEST_WEEKDAY not in _WEEKDAYS or not 0 <= CASEBOOK_ALERT_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured(
        "CASEBOOK_ALERT_DIGEST_WEEKDAY must be a day's English name (monday … sunday) and "
        "CASEBOOK_ALERT_DIGEST_HOUR a whole hour from 0 to 23."
    )
# The address links in e-mails start with, e.g. https://casebook.example.org: an e-mail is
# read outside any request. By default the first of ALLOWED_HOSTS over HTTPS (a DEBUG run:
# the development server); empty when that is a wildcard, and then no digest is sent.
_first_host = ALLOWED_HOSTS[0] if ALLOWED_HOSTS else ""
CASEBOOK_SITE_URL = env.str(
    "CASEBOOK_SITE_URL",
    default=(
        "http://localhost:8000"
        if DEBUG
        else (f"https://{_first_host}" if _first_host and "*" not in _first_host else "")
    ),
).rstrip("/")
if CASEBOOK_SITE_URL and not CASEBOOK_SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured(
        "CASEBOOK_SITE_URL must be the site's address with its scheme, e.g. "
        f"https://casebook.example.org; got {CASEBOOK_SITE_URL!r}."
    )

# --- Export jobs ---------------------------------------------------------------------------------
# Requests for more rows than this are run as background jobs (/exports/) instead of streamed.
EXPORT_SYNC_LIMIT = env_int("EXPORT_SYNC_LIMIT", 5000)
# A finished export's file is deleted this many hours after it was written: long enough to
# fetch it, short enough that copies of case data do not wait on the server.
EXPORT_JOB_EXPIRY_HOURS = env_int("EXPORT_JOB_EXPIRY_HOURS", 24)
# Export files hold case data: outside the web root, never under STATIC_ROOT or a static
# directory, only ever handed out by the download view that checks who is asking.
EXPORT_ROOT = Path(str(env.path("EXPORT_ROOT", default=VAR_DIR / "exports")))
if EXPORT_SYNC_LIMIT < 0 or EXPORT_JOB_EXPIRY_HOURS < 1:
    raise ImproperlyConfigured(
        "EXPORT_SYNC_LIMIT must be 0 or more and EXPORT_JOB_EXPIRY_HOURS at least 1."
    )
for _served in [Path(str(STATIC_ROOT)), *(Path(str(d)) for d in STATICFILES_DIRS)]:
    if EXPORT_ROOT.resolve().is_relative_to(_served.resolve()):
        raise ImproperlyConfigured(
            f"EXPORT_ROOT ({EXPORT_ROOT}) lies inside a served static directory ({_served}): "
            "set EXPORT_ROOT to a directory the web server does not serve, e.g. var/exports."
        )
# Export files are encrypted at rest (cases.exports.storage) with these keys, each the base64 of
# 32 random bytes: the first encrypts, all decrypt, so a rotation prepends a new key and drops
# the old one once its files expired (EXPORT_JOB_EXPIRY_HOURS later).
from cases.exports.storage import decode_key as _decode_export_key  # noqa: E402
from cases.exports.storage import default_key as _default_export_key  # noqa: E402

EXPORT_ENCRYPTION_KEYS = env_list("EXPORT_ENCRYPTION_KEYS", [])
if not EXPORT_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "EXPORT_ENCRYPTION_KEYS is not set. Set it to one or more comma-separated keys, "
            "each the output of: python -c 'import base64, os; "
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'."
        )
    EXPORT_ENCRYPTION_KEYS = [_default_export_key(SECRET_KEY)]
for _position, _raw_key in enumerate(EXPORT_ENCRYPTION_KEYS, start=1):
    try:
        _decode_export_key(_raw_key)
    except ValueError as _problem:
        raise ImproperlyConfigured(
            f"EXPORT_ENCRYPTION_KEYS: key {_position} is {_problem}; each key must be the "
            "base64 of 32 random bytes."
        ) from None
from celery.schedules import crontab as _crontab  # noqa: E402

CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    "export-jobs-expire": {"task": "cases.tasks.export_jobs_expire_task", "schedule": 60 * 60},
    "alert-digest": {
        "task": "cases.tasks.alert_digest_task",
        "schedule": _crontab(
            minute=0,
            hour=CASEBOOK_ALERT_DIGEST_HOUR,
            day_of_week=CASEBOOK_ALERT_DIGEST_WEEKDAY[:3],
        ),
    },
}

# --- Backups (casebook/backup/) -----------------------------------------------------------------
# `manage.py backup` writes one file encrypted with age to these public keys (age1…); the
# secret keys stay off the server. Without a recipient no backup is written at all.
BACKUP_DIR = Path(str(env.path("BACKUP_DIR", default=VAR_DIR / "backups")))
BACKUP_RECIPIENTS = env_list("BACKUP_RECIPIENTS", [])
# Hours between backups written by Celery beat; 0 turns them off. On by default (daily) once
# recipients are set. BACKUP_KEEP newest files are kept in BACKUP_DIR.
BACKUP_INTERVAL_HOURS = env_int("BACKUP_INTERVAL_HOURS", 24 if BACKUP_RECIPIENTS else 0)
BACKUP_KEEP = env_int("BACKUP_KEEP", 14)
if BACKUP_INTERVAL_HOURS < 0 or BACKUP_KEEP < 1:
    raise ImproperlyConfigured(
        "BACKUP_INTERVAL_HOURS must be 0 or more and BACKUP_KEEP at least 1."
    )
if BACKUP_INTERVAL_HOURS and not BACKUP_RECIPIENTS:
    raise ImproperlyConfigured(
        "BACKUP_INTERVAL_HOURS is set but BACKUP_RECIPIENTS is empty: set the age public keys "
        "(age1…) the backups are encrypted to (`manage.py backup_identity FILE` makes a pair)."
    )
if BACKUP_RECIPIENTS:
    from casebook.backup.keys import parse_recipients as _parse_recipients

    try:
        _parse_recipients(BACKUP_RECIPIENTS)
    except ValueError as _error:
        raise ImproperlyConfigured(f"BACKUP_RECIPIENTS: {_error}") from None
if BACKUP_INTERVAL_HOURS:
    CELERY_BEAT_SCHEDULE["backup"] = {
        "task": "casebook.backup.tasks.backup_task",
        "schedule": BACKUP_INTERVAL_HOURS * 60 * 60,
    }
# --- The map of a search -------------------------------------------------------------------------
# Empty by default: the site must work offline, and every tile request tells the tile server
# which area someone is looking at. Without tiles the map draws the country outlines shipped
# with the site. When set, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png, the map page's
# Content-Security-Policy allows images from exactly that host.
from cases.geo import tile_origin as _tile_origin  # noqa: E402

CASEBOOK_MAP_TILE_URL = env.str("CASEBOOK_MAP_TILE_URL", default="").strip()
CASEBOOK_MAP_TILE_ATTRIBUTION = env.str("CASEBOOK_MAP_TILE_ATTRIBUTION", default="").strip()
if CASEBOOK_MAP_TILE_URL:
    try:
        _tile_origin(CASEBOOK_MAP_TILE_URL)
    except ValueError as _problem:
        raise ImproperlyConfigured(
            f"CASEBOOK_MAP_TILE_URL ({CASEBOOK_MAP_TILE_URL!r}) is not usable: {_problem}."
        ) from None
    if not CASEBOOK_MAP_TILE_ATTRIBUTION:
        raise ImproperlyConfigured(
            "CASEBOOK_MAP_TILE_ATTRIBUTION is empty: set it to the credit the tile provider "
            "requires, e.g. '&copy; OpenStreetMap contributors', or unset CASEBOOK_MAP_TILE_URL."
        )
