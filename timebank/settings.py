"""Django settings for Timebank: one file, every environment knob read from env vars here."""
import json
import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from timebank.lib import keys
from timebank.lib.database_url import database_config

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", True)
# Production (DEBUG off) refuses to start without its own secret key, field keys and lookup-hash key
# (timebank/lib/keys.py; docs/SECURITY.md, "Secrets"). Development runs on a public key and keys derived from it.
_keys = keys.load(os.environ, debug=DEBUG)
SECRET_KEY = _keys.secret_key
SECRET_KEY_FALLBACKS = _keys.secret_key_fallbacks
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
TRUST_X_FORWARDED_FOR = env_bool("TIMEBANK_TRUST_X_FORWARDED_FOR", False)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

# Keys for personal data at rest (timebank/lib/field_crypto.py): Fernet keys, the first encrypts and all
# decrypt (rotate with `manage.py field_keys_rotate`); the lookup hash's HMAC key never changes with them.
FIELD_ENCRYPTION_KEYS = _keys.field_keys
LOOKUP_HASH_KEY = _keys.hash_key
# The key of each ledger transfer's fingerprint (timebank/ledger/mac.py): never stored in the database.
TIMEBANK_LEDGER_KEY = _keys.ledger_key
# Clearing between deployments (timebank/clearing/federation.py; docs/FEDERATION.md): the name this platform
# signs its messages as, and its Ed25519 signing key (base64 of the 32-byte seed; `manage.py federation_keys`).
FEDERATION_NAME = os.environ.get("TIMEBANK_FEDERATION_NAME", "")
FEDERATION_KEY = os.environ.get("TIMEBANK_FEDERATION_KEY", "")
FEDERATION_TIMEOUT_SECONDS = float(os.environ.get("TIMEBANK_FEDERATION_TIMEOUT_SECONDS", "10"))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "timebank.orgs",
    "timebank.people",
    "timebank.audit",
    "timebank.notices",
    "timebank.ledger",
    "timebank.demands",
    "timebank.training",
    "timebank.teams",
    "timebank.honours",
    "timebank.rewards",
    "timebank.health",
    "timebank.suppliers",
    "timebank.complaints",
    "timebank.broadcasts",
    "timebank.clearing",
    "timebank.stats",
    "timebank.imports",
    "timebank.ops",
    "timebank.webhooks",
    "timebank.devdata",
]

MIDDLEWARE = [
    # First: the request id, the request's log line and its metrics cover everything below (timebank/ops).
    "timebank.ops.middleware.RequestObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files straight from gunicorn (collectstatic's compressed copies), before sessions and the rest.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "timebank.lib.security_headers.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "timebank.lib.request_context.RequestContextMiddleware",
    "timebank.lib.out_of_range.OutOfRangeMiddleware",
    "timebank.lib.db_outage.DatabaseOutageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "timebank.urls"
WSGI_APPLICATION = "timebank.wsgi.application"

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
                "timebank.orgs.context_processors.navigation",
                "timebank.ops.context_processors.background",
            ],
        },
    },
]

DATABASES = {
    "default": database_config(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + a busy timeout let the web server and the task worker share one file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so `pytest --reuse-db` (make test-one) skips the migrations on the second run.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TIMEBANK_TEST_DB", str(BASE_DIR / ".test-db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.Person"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "people:home"
LOGOUT_REDIRECT_URL = "people:login"

# API tokens live this many days from their creation (a password change or reset revokes them at once).
API_TOKEN_LIFETIME_DAYS = int(os.environ.get("TIMEBANK_API_TOKEN_DAYS", "90"))

AXES_FAILURE_LIMIT = int(os.environ.get("TIMEBANK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("TIMEBANK_LOGIN_COOLOFF_HOURS", "0.5"))
# Lock a username at one address only: many elders sign in from the same station PC, so one address must
# not lock them all, and a stranger who types someone's mobile number wrong five times locks out only
# himself. Station staff unlock a person from their record page (people.services.login_unlock).
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "timebank.lib.request_context.client_ip"
LOGIN_UNLOCKS_PER_HOUR = int(os.environ.get("TIMEBANK_LOGIN_UNLOCKS_PER_HOUR", "30"))
# Attempts per client address and window ("attempts/seconds") at the doors anyone can knock at
# (timebank/audit/rate_limit.py). A station's clerks share one address: sign-in allows a busy morning.
# TIMEBANK_RATE_LIMITS="sign_in=60/60,sign_up=20/3600" overrides any of them.
# visitor_lookup counts per staff member (a visiting elder of another bank found by mobile and ID number).
RATE_LIMITS = {"sign_in": "30/60", "sign_up": "20/3600", "supplier_apply": "10/3600", "verify": "60/60",
               "visitor_lookup": "30/3600"}
RATE_LIMITS.update(dict(item.strip().split("=", 1) for item in os.environ.get("TIMEBANK_RATE_LIMITS", "").split(",")
                        if "=" in item))
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "people/locked_out.html"
# The API answers a lockout with its own JSON error; pages get the template above.
AXES_LOCKOUT_CALLABLE = "timebank.people.lockout.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
# Production: collectstatic writes gzip copies beside the files and WhiteNoise serves them (make prod).
# Development and tests: WhiteNoise finds the files where they are, as runserver does.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "timebank.lib.storage.UploadStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG
                    else "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Uploaded files (complaint photos); served only through views that check who may see them.
MEDIA_ROOT = Path(os.environ.get("TIMEBANK_MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# HTTPS in production (DEBUG off): cookies only over HTTPS, plain HTTP redirected (a monitor may still ask
# /healthz over HTTP), HSTS, and a strict Content-Security-Policy (timebank/lib/security_headers.py).
# Behind a reverse proxy that ends TLS, set TIMEBANK_TRUST_X_FORWARDED_FOR so its X-Forwarded-Proto counts.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# /metrics too: a scraper on this machine asks gunicorn over plain HTTP (timebank/ops/metrics.py).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if TRUST_X_FORWARDED_FOR else None
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = "" if DEBUG else os.environ.get("TIMEBANK_CSP", "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
    "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
]))

# Rows one roster import may have below its header (timebank/imports/roster.py), counted while it streams.
IMPORT_MAX_ROWS = int(os.environ.get("TIMEBANK_IMPORT_MAX_ROWS", "60000"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TIMEBANK_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        # "imports": roster imports, served by a worker of their own (`db_worker --queue-name imports`).
        "QUEUES": ["default", "imports"],
    }
}

# A CJK TrueType font to embed (subset) in printed passbooks and reports.
CJK_FONT_PATH = os.environ.get("TIMEBANK_CJK_FONT", "")
CJK_FONT_CANDIDATES = [
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
]

# The address printed in QR codes. Unset in production, documents with a QR code are refused
# (timebank/lib/public_url.py) rather than printed with an address nobody outside can open.
PUBLIC_BASE_URL = os.environ.get("TIMEBANK_PUBLIC_URL", "http://127.0.0.1:8000" if DEBUG else "")
PUBLIC_URL_REQUIRED = not DEBUG

# Logs go to stderr. TIMEBANK_LOG_FORMAT=json writes one JSON object per line with the request id (production's
# default); "text" keeps the plain messages of development. TIMEBANK_LOG_REQUESTS adds one line per request
# (logger timebank.request; on by default with json, where runserver's own access lines are absent).
LOG_FORMAT = os.environ.get("TIMEBANK_LOG_FORMAT", "text" if DEBUG else "json").strip().lower()
LOG_REQUESTS = env_bool("TIMEBANK_LOG_REQUESTS", LOG_FORMAT == "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "timebank.ops.request_id.RequestIdFilter"}},
    "formatters": {"json": {"()": "timebank.ops.log_format.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                             **({"formatter": "json"} if LOG_FORMAT == "json" else {})}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
    # With request lines on, every 4xx is already one line with its status, route and id: Django's own
    # "Not Found"/"Conflict" warnings would double each refused request (a claim storm's 409s); 5xx stay.
    "loggers": {"timebank.request": {"level": "INFO" if LOG_REQUESTS else "WARNING"},
                **({"django.request": {"level": "ERROR"}} if LOG_REQUESTS else {})},
}
# /metrics (timebank/ops/metrics.py): with a token, only `Authorization: Bearer <token>` reads it; without one,
# only a request from this machine that no proxy forwarded. Anyone else gets a 404.
TIMEBANK_METRICS_TOKEN = os.environ.get("TIMEBANK_METRICS_TOKEN", "")

# Periodic jobs `manage.py housekeeping --loop` enqueues for the worker (each idempotent).
# The background's health (timebank/ops): how often the worker beats, and when `/readyz` answers 503
# and staff pages show "notices may be late".
# PostgreSQL: the login role the web server and the worker use (not the tables' owner). When set,
# every `migrate` (run as the owner) re-applies its grants (timebank/ops/db_roles.py).
TIMEBANK_DB_APP_ROLE = os.environ.get("TIMEBANK_DB_APP_ROLE", "")
# Webhooks (timebank/webhooks): how long one delivery may take, and the hosts that may be sent plain
# http in production (an intranet system without TLS, say); everything else must be https.
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("TIMEBANK_WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_PLAIN_HTTP_HOSTS = [h for h in os.environ.get("TIMEBANK_WEBHOOK_PLAIN_HTTP_HOSTS", "").split(",") if h]
OPS_BEAT_SECONDS = float(os.environ.get("TIMEBANK_OPS_BEAT_SECONDS", "5"))
OPS_WORKER_SILENT_SECONDS = int(os.environ.get("TIMEBANK_OPS_WORKER_SILENT_SECONDS", "60"))
OPS_HOUSEKEEPING_SILENT_SECONDS = int(os.environ.get("TIMEBANK_OPS_HOUSEKEEPING_SILENT_SECONDS", "180"))
OPS_TASK_WAIT_SECONDS = int(os.environ.get("TIMEBANK_OPS_TASK_WAIT_SECONDS", "300"))
OPS_UNSEALED_SECONDS = int(os.environ.get("TIMEBANK_OPS_UNSEALED_SECONDS", "900"))

HOUSEKEEPING_TASKS = [
    "timebank.notices.tasks.dispatch_sms",
    "timebank.notices.tasks.dispatch_push",
    "timebank.ledger.tasks.seal_ledgers",
    "timebank.ledger.tasks.expire_holds",
    "timebank.demands.tasks.expire_demands",
    "timebank.demands.tasks.mark_no_shows",
    "timebank.demands.tasks.auto_confirm",
    "timebank.demands.tasks.generate_series",
    "timebank.demands.tasks.send_reminders",
    "timebank.demands.tasks.announce_new_demands",
    "timebank.training.tasks.remind_expiring_certificates",
    "timebank.health.tasks.escalate_alerts",
    "timebank.suppliers.tasks.check_licences",
    "timebank.suppliers.tasks.offer_unclaimed_to_suppliers",
    "timebank.complaints.tasks.escalate_complaints",
    "timebank.stats.tasks.roll_up_transfers",
    "timebank.ops.tasks.roll_partitions",
    "timebank.stats.tasks.reconcile_nightly",
    "timebank.ledger.tasks.verify_nightly",
    "timebank.clearing.tasks.settle_yesterday",
    "timebank.clearing.tasks.deliver_federation_messages",
    "timebank.clearing.tasks.reconcile_federation_daily",
    "timebank.suppliers.tasks.mark_missed_orders",
    "timebank.webhooks.tasks.deliver_webhooks",
    "timebank.suppliers.tasks.auto_confirm_orders",
    "timebank.suppliers.tasks.release_orders_of_inactive_suppliers",
    "timebank.audit.tasks.purge_rate_buckets",
]

# Where short messages go (timebank.lib.sms): the default only logs (intranets have no gateway);
# "timebank.lib.sms.AliyunSmsBackend" sends through Aliyun SMS with the settings below.
SMS_BACKEND = os.environ.get("TIMEBANK_SMS_BACKEND", "timebank.lib.sms.LoggingSmsBackend")
SMS_ALIYUN = {
    "access_key_id": os.environ.get("TIMEBANK_SMS_ALIYUN_KEY_ID", ""),
    "access_key_secret": os.environ.get("TIMEBANK_SMS_ALIYUN_KEY_SECRET", ""),
    "sign_name": os.environ.get("TIMEBANK_SMS_SIGN_NAME", ""),
    "endpoint": os.environ.get("TIMEBANK_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
    # Notice kind → the provider-approved template (one variable, ${text}); "default" for the rest.
    "templates": json.loads(os.environ.get("TIMEBANK_SMS_TEMPLATES", "{}") or "{}"),
}
# At most this many short messages a person a day (health and ledger alerts are never held back);
# a message claimed by a worker that then died is sent again after this many seconds.
# Addresses to map points for new requests: "timebank.lib.geocode.NoGeocoder" (no map service; a request
# uses its station's point) or "timebank.lib.geocode.AmapGeocoder" with an AMap web-service key.
GEOCODER = os.environ.get("TIMEBANK_GEOCODER", "timebank.lib.geocode.NoGeocoder")
AMAP_KEY = os.environ.get("TIMEBANK_AMAP_KEY", "")
# Web Push to members' installed phones (VAPID keys: `python manage.py vapid_keys`); empty: no push.
VAPID_PUBLIC_KEY = os.environ.get("TIMEBANK_VAPID_PUBLIC_KEY", "")
VAPID_PRIVATE_KEY = os.environ.get("TIMEBANK_VAPID_PRIVATE_KEY", "")
VAPID_SUBJECT = os.environ.get("TIMEBANK_VAPID_SUBJECT", "mailto:timebank@localhost")
PUSH_ALLOW_HTTP = False  # push services are HTTPS; the tests' stand-in listens on plain loopback
SMS_DAILY_CAP = int(os.environ.get("TIMEBANK_SMS_DAILY_CAP", "5"))
SMS_SENDING_STALE_SECONDS = int(os.environ.get("TIMEBANK_SMS_SENDING_STALE_SECONDS", "300"))
PUSH_SENDING_STALE_SECONDS = int(os.environ.get("TIMEBANK_PUSH_SENDING_STALE_SECONDS", "300"))
