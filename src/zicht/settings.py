"""Settings for zicht, read from environment variables with safe defaults.

Every setting is documented in docs/settings.md; a test fails when one is missing there.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent


def env_str(name, default=""):
    """Read a setting; NAME_FILE (a path) wins over NAME, as container secrets do."""
    path = os.environ.get(name + "_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


DATA_DIR = Path(env_str("ZICHT_DATA_DIR", str(PROJECT_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key():
    """Use ZICHT_SECRET_KEY, or generate one on first run and keep it in the data dir."""
    key = env_str("ZICHT_SECRET_KEY")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("ZICHT_DEBUG", False)
ALLOWED_HOSTS = [h.strip() for h in env_str("ZICHT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
SITE_URL = env_str("ZICHT_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = [SITE_URL]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "zicht.core",
    "zicht.people",
    "zicht.questionnaires",
    "zicht.protocols",
    "zicht.responses",
    "zicht.messaging",
    "zicht.monitoring",
    "zicht.privacy",
    "zicht.support",
    "zicht.cohorts",
    "zicht.feedback",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "zicht.urls"
WSGI_APPLICATION = "zicht.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'zicht.sqlite3'}"),
        conn_max_age=env_int("ZICHT_DB_CONN_MAX_AGE", 0),
        # A kept connection is checked before use, so a restarted PostgreSQL costs no error page.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write locks inside transactions.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file (not memory) so tests can start a worker process on it; one per test run.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Short queries only: PostgreSQL's JIT compiler costs more than it saves on them, and it kicks
    # in whenever table statistics lag behind a big change (e.g. right after planning a wave).
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off " + DATABASES["default"]["OPTIONS"].get("options", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/staff/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", "Nederlands"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("ZICHT_TIME_ZONE", "Europe/Amsterdam")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("ZICHT_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_SECURE = SITE_URL.startswith("https://")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000

# Messaging: "outbox" keeps SMS on a development page; "http" sends through the provider.
ZICHT_SMS_BACKEND = env_str("ZICHT_SMS_BACKEND", "outbox")
ZICHT_SMS_API_URL = env_str("ZICHT_SMS_API_URL", "")
ZICHT_SMS_API_KEY = env_str("ZICHT_SMS_API_KEY", "")
ZICHT_SMS_SENDER = env_str("ZICHT_SMS_SENDER", "zicht")
# Messages per request to the provider's batch endpoint; 1 = one request per message (POST /messages).
ZICHT_SMS_BATCH_SIZE = env_int("ZICHT_SMS_BATCH_SIZE", 100)
# Shared secret for the provider's signed status/inbound webhooks (docs/sms-provider.md);
# empty means webhooks cannot be verified and must be refused.
ZICHT_SMS_WEBHOOK_SECRET = env_str("ZICHT_SMS_WEBHOOK_SECRET", "")
EMAIL_BACKEND = env_str("ZICHT_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("ZICHT_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("ZICHT_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("ZICHT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env_str("ZICHT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("ZICHT_EMAIL_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("ZICHT_EMAIL_FROM", "zicht <noreply@localhost>")

# Scale-out: Celery with Redis. Empty means the embedded in-process worker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "")

ZICHT_DEV_PAGES = env_bool("ZICHT_DEV_PAGES", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZICHT_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

# --- security ---
# Owned by the privacy/security work (docs/privacy.md, docs/decisions/0002-0004). Every variable is
# documented in docs/settings.md.
INSTALLED_APPS += [
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
]
_after_messages = MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1
MIDDLEWARE[_after_messages:_after_messages] = [
    "django_otp.middleware.OTPMiddleware",
    "zicht.privacy.middleware.IdleSessionMiddleware",
    "zicht.privacy.middleware.SecondFactorMiddleware",
]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1, "zicht.api.middleware.JsonErrorsMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware"),
                  "zicht.privacy.middleware.RateLimitMiddleware")
MIDDLEWARE += [
    "zicht.privacy.middleware.PersonViewAuditMiddleware",
    # Axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Second factor (TOTP) for coordinators, researchers and administrators; mentors get a reminder.
ZICHT_REQUIRE_2FA = env_bool("ZICHT_REQUIRE_2FA", True)
OTP_TOTP_ISSUER = env_str("ZICHT_OTP_ISSUER", "zicht")

# Lock-out after repeated failed logins (per user name and address).
AXES_FAILURE_LIMIT = env_int("ZICHT_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("ZICHT_LOGIN_LOCKOUT_MINUTES", 30) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "privacy/locked_out.html"
AXES_VERBOSE = False

# Sessions: absolute age (ZICHT_SESSION_SECONDS above) and an optional idle time-out (0 = off).
ZICHT_SESSION_IDLE_SECONDS = env_int("ZICHT_SESSION_IDLE_SECONDS", 0)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Rate limits (cache based, per client address).
ZICHT_LINK_FAILURES_PER_10_MIN = env_int("ZICHT_LINK_FAILURES_PER_10_MIN", 60)
ZICHT_LOGINS_PER_10_MIN = env_int("ZICHT_LOGINS_PER_10_MIN", 30)
ZICHT_TRUSTED_PROXY_HEADER = env_str("ZICHT_TRUSTED_PROXY_HEADER", "")

CSRF_FAILURE_VIEW = "zicht.privacy.views.csrf_failure"
CSRF_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 31_536_000 if SESSION_COOKIE_SECURE else 0

# Content Security Policy: scripts only from our own origin, nothing inline, no framing.
# Styles allow inline attributes (templates and vendored charts use them); see docs/privacy.md.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Research exports and retention.
ZICHT_EXPORT_CHUNK = env_int("ZICHT_EXPORT_CHUNK", 2000)
LOGGING["loggers"]["axes"] = {"level": "WARNING"}
