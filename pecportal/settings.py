"""Settings come from the environment (SPEC 4). With DEBUG=1 every default runs the embedded demo;
DEBUG is off unless set, and then pecportal.production refuses to start without the settings
production must not guess."""

import os
from datetime import timedelta
from pathlib import Path

import environ
import xstatic.pkg.bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
if not DEBUG:
    from pecportal.production import production_settings_check

    production_settings_check(os.environ)
SECRET_KEY = env("SECRET_KEY", default="dev-only-secret-key-never-used-in-production-" + "x" * 20)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

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
    "axes",
    "django_celery_beat",
    "accounts",
    "mailboxes",
    "billing",
    "addons",
    "invoices",
    "renewals",
    "audit",
    "core",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "mailboxes.middleware.LoginMailboxMiddleware",
    "accounts.middleware.DelegateSessionMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pecportal.urls"
WSGI_APPLICATION = "pecportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        # Django's cached loader (its default, in debug too since 4.1, reset by runserver's reload).
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.portal",
            ],
        },
    },
]

if "DATABASE_URL" not in env:
    VAR_DIR.mkdir(exist_ok=True)
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'pecportal.sqlite3'}"),
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "mailboxes.backends.MailboxBackend",
    "accounts.backends.DelegateBackend",
    "accounts.backends.StaffBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# OWASP's Argon2id floor (19 MiB, t=2, p=1) keeps a login near 30 ms on two cores.
PASSWORD_HASHERS = [
    "accounts.hashers.PortalArgon2PasswordHasher",
    "accounts.hashers.DovecotSha512CryptHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["core.formats"]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static", ("bootstrap", xstatic_bootstrap.BASE_DIR)]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Lockout (SPEC 3.1): 5 failures for one address from one client lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "mailboxes.backends.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# And one client may fail this often across every address before its logins are refused for the
# window (mailboxes.login_limit): axes alone lets a client try 4 passwords on every address.
LOGIN_CLIENT_FAILURE_LIMIT = env.int("LOGIN_CLIENT_FAILURE_LIMIT", default=20)
LOGIN_CLIENT_FAILURE_WINDOW = timedelta(minutes=15)
# The client address is REMOTE_ADDR unless the operator says how many proxies sit in front
# (AXES_CLIENT_IP_CALLABLE below, core.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# The cache holds the rate-limit counters (core.ratelimit) and the kept renewal forecasts
# (renewals.forecast_cache): losing it restarts the counters and computes forecasts again.
# Short socket timeouts: a Redis that hangs must fail a counter in a second, as one that is down
# does at once, not hold a worker.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env("REDIS_URL"),
                "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}
    if env("REDIS_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: without REDIS_URL, tasks run in-process (the embedded default).
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="filemail://")
vars().update(EMAIL_CONFIG)
EMAIL_FILE_PATH = EMAIL_CONFIG.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Area Clienti PEC <noreply@pec.example.it>")
# Who hears about refunds, disputes and mailboxes that keep failing to renew (core.staff_alerts).
STAFF_ALERT_EMAIL = env.list("STAFF_ALERT_EMAIL", default=[])

WEBMAIL_URL = env("WEBMAIL_URL", default="https://webmail.pec.example.it/")
GESTIONEMAIL_URL = env("GESTIONEMAIL_URL", default="https://gestionemail.pec.example.it/")
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Mail platform hand-off (SPEC 3.2); the default records each request in the database.
PROVISIONING_BACKEND = env("PROVISIONING_BACKEND", default="mailboxes.provisioning.RecordingProvisioner")

# The provider's own data on invoices; invoices/conf.py holds example defaults for the demo.
for _name in (
    "INVOICE_SELLER_NAME", "INVOICE_SELLER_VAT_NUMBER", "INVOICE_SELLER_FISCAL_CODE", "INVOICE_SELLER_STREET",
    "INVOICE_SELLER_POSTAL_CODE", "INVOICE_SELLER_CITY", "INVOICE_SELLER_PROVINCE", "INVOICE_SELLER_COUNTRY",
    "INVOICE_SELLER_EMAIL", "INVOICE_SELLER_TAX_REGIME", "INVOICE_TRANSMITTER_COUNTRY", "INVOICE_TRANSMITTER_ID",
):
    if _name in env:
        globals()[_name] = env(_name)

# Mailbox life cycle (SPEC 3.2, 3.7).
GRACE_PERIOD_DAYS = env.int("GRACE_PERIOD_DAYS", default=90)
# How long a computed renewal forecast stays in the cache (renewals.forecast_cache): any change
# makes a new key, so this only bounds the memory old forecasts hold in Redis.
FORECAST_CACHE_SECONDS = env.int("FORECAST_CACHE_SECONDS", default=3600)
EXPIRY_ALERT_STAGES = sorted(env.list("EXPIRY_ALERT_STAGES", cast=int, default=[90, 60, 30, 15, 7, 1]), reverse=True)
# Staff are alerted about a mailbox whose renewal failed on this many nights in a row (renewals.failures).
RENEWAL_FAILURE_ALERT_NIGHTS = env.int("RENEWAL_FAILURE_ALERT_NIGHTS", default=3)
# Processes per nightly job (run_renewals, send_expiry_alerts and their Celery tasks); 0: one per core.
NIGHTLY_WORKERS = env.int("NIGHTLY_WORKERS", default=0)

# Stripe (SPEC 3.4). Without keys the portal talks to localstripe on loopback (scripts/run.sh).
STRIPE_API_BASE = env("STRIPE_API_BASE", default="").rstrip("/")  # stripe-python 404s with a trailing slash
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
# A Stripe call inside a request must end well before gunicorn's 30 s timeout kills the worker:
# one attempt waits at most STRIPE_TIMEOUT_SECONDS, and only creating an intent is tried again
# (docs/billing.md "Stripe calls and their time budget"), so its worst case is 2 × 10 s + 0,5 s.
STRIPE_TIMEOUT_SECONDS = env.float("STRIPE_TIMEOUT_SECONDS", default=10)
# Retries against real Stripe only: localstripe ignores idempotency keys (billing.stripe_gateway).
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=1)
# The top-up return page polls every 2 s; Stripe is asked about one top-up at most this often.
TOPUP_SYNC_INTERVAL_SECONDS = env.int("TOPUP_SYNC_INTERVAL_SECONDS", default=5)
TOPUP_MIN_CENTS = env.int("TOPUP_MIN_CENTS", default=500)
TOPUP_MAX_CENTS = env.int("TOPUP_MAX_CENTS", default=500_000)
TOPUP_SHORTFALL_MIN_CENTS = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Production (DEBUG off): TLS terminates at a proxy in front; see README "Production".
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    if TRUSTED_PROXY_COUNT:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CONTENT_TYPE_NOSNIFF = True
    CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Content-Security-Policy (issue 9), in every mode so development meets what production
# enforces: nothing inline, nothing from elsewhere. core.csp adds Stripe's origins on the
# top-up pages only.
INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "core.csp.PortalCSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}
CSP_STRIPE_PATH_PREFIXES = ["/credit/topup/"]

# Staff admin (issue 9): at a path of the operator's choosing, behind a TOTP second factor that
# only the embedded demo (DEBUG on) may switch off; devices come from `manage.py staff_totp`.
ADMIN_URL = env("ADMIN_URL", default="admin/")
ADMIN_REQUIRE_OTP = env.bool("ADMIN_REQUIRE_OTP", default=False) if DEBUG else True
INSTALLED_APPS[INSTALLED_APPS.index("django.contrib.admin")] = "core.admin_apps.PortalAdminConfig"
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
                  "django_otp.middleware.OTPMiddleware")
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Area Clienti PEC")

# Login lockout by the client address our own proxies vouch for (core.client_ip).
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip"

# Card testing (issue 9): PaymentIntents a holder, and a client address, may create per hour.
TOPUP_RATE_LIMIT_PER_HOUR = env.int("TOPUP_RATE_LIMIT_PER_HOUR", default=10)
# Declined card confirmations per hour, per holder and per client address: at that many the
# declined intent is cancelled and new top-ups are refused (billing.card_testing).
TOPUP_DECLINE_LIMIT_PER_HOUR = env.int("TOPUP_DECLINE_LIMIT_PER_HOUR", default=5)

# Operability (issue 9): a request id on every response and log line, JSON lines in production
# (LOG_FORMAT=text|json), and the plain 503 page while the database is unreachable.
MIDDLEWARE.insert(0, "core.logging.RequestIdMiddleware")
MIDDLEWARE.insert(MIDDLEWARE.index("core.csp.PortalCSPMiddleware") + 1,
                  "core.logging.DatabaseUnavailableMiddleware")
LOGGING["filters"] = {"request_id": {"()": "core.logging.RequestIdFilter"}}
LOGGING["formatters"] = {
    "json": {"()": "core.logging.JsonFormatter"},
    "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
}
LOGGING["handlers"]["console"].update(
    filters=["request_id"], formatter=env("LOG_FORMAT", default="text" if DEBUG else "json"),
)

# Errors to Sentry only when the operator gives a DSN; no personal data leaves with them: no
# request bodies (passwords, card-holder data, billing details), no local variables of the
# frames (a password being checked, a holder's data being saved) and no command line (a command's
# arguments name mailboxes and amounts: adjust_credit ADDRESS AMOUNT).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.argv import ArgvIntegration

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production" if not DEBUG else "development"),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
        send_default_pii=False,
        max_request_body_size="never",
        include_local_variables=False,
        disabled_integrations=[ArgvIntegration],
    )

# The holder API (issue 18, docs/api.md): token authentication only, JSON only, every error
# through api.errors with a stable code; a rate limit per token on the shared cache.
# rest_framework itself is not an installed app: its Italian catalogue would replace Django's wording
# on the portal's forms ("Campo obbligatorio."), and nothing of it but the code is used.
INSTALLED_APPS += ["drf_spectacular", "drf_spectacular_sidecar", "api"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasToken"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "UNICODE_JSON": True,
}
API_RATE_LIMIT_PER_MINUTE = env.int("API_RATE_LIMIT_PER_MINUTE", default=120)
# How long an order's Idempotency-Key replays its first answer (api.idempotency); after that the
# key is forgotten, and the order it placed still refuses a second one under it.
API_IDEMPOTENCY_DAYS = env.int("API_IDEMPOTENCY_DAYS", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "Area Clienti PEC API",
    "DESCRIPTION": "Read a holder's mailboxes, credit, operations, invoices and renewal forecast; order "
                   "add-ons. Authentication: `Authorization: Bearer <key>` with a key made on the profile page.",
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "MailboxStatusEnum": "mailboxes.models.Mailbox.Status",
        "AddonStatusEnum": "addons.models.Addon.Status",
        "OrderStatusEnum": "addons.models.Order.Status",
        "OperationKindEnum": "accounts.models.Operation.Kind",
        "OperationOutcomeEnum": "accounts.models.Operation.Outcome",
        "LedgerEntryKindEnum": "billing.models.LedgerEntry.Kind",
        "InvoiceKindEnum": "invoices.models.Invoice.Kind",
    },
}
