"""Settings for OCOP Market, read from the environment in this one place.

With nothing set you get the embedded default: a SQLite file in ``data/``, media on local
disk, Celery tasks run eagerly in-process. Production (and CI) point ``DATABASE_URL`` at
PostgreSQL, ``CELERY_BROKER_URL`` at Redis and ``AWS_STORAGE_BUCKET_NAME`` at an S3 bucket.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's documented way to take its defaults)

from plugins.ocop.workspace import menu as _certificate_menu
from plugins.ocop_dashboard import menu as _producer_workspace_menu
from plugins.payments import menu as _payout_menu
from plugins.payments import statuses as _order_statuses

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(environ.Env().str("OCOP_DATA_DIR", default=str(BASE_DIR / "data")))
DATA_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
)

DEBUG = env("DEBUG")
# The embedded default generates a stable per-checkout key so sessions survive restarts;
# production must set SECRET_KEY.
_key_file = DATA_DIR / "secret_key"
if "SECRET_KEY" in env:
    SECRET_KEY = env("SECRET_KEY")
else:
    if not _key_file.exists():
        from django.core.management.utils import get_random_secret_key

        _key_file.write_text(get_random_secret_key())
    SECRET_KEY = _key_file.read_text().strip()
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    "storefront_theme",
    "plugins.ocop.apps.OcopConfig",
    "plugins.payments.apps.PaymentsConfig",
    "plugins.saleor_app.apps.SaleorAppConfig",
    "plugins.notifications.apps.NotificationsConfig",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    # The producer workspace: Oscar's dashboard forked (same labels) and restricted for
    # producer users (plugins/ocop_dashboard, docs/producers.md).
    "plugins.ocop_dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "plugins.ocop_dashboard.orders.apps.OrdersDashboardConfig",
    "plugins.ocop_dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "django_tables2",
    "sorl.thumbnail",
    "storages",
    "django_celery_beat",
    "graphene_django",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ocop_market.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

ROOT_URLCONF = "ocop_market.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "storefront_theme" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

WSGI_APPLICATION = "ocop_market.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'ocop_market.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the dev server read while an import writes; the test database is a file so a
    # real Celery worker process can share it.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["TEST"] = {
        "NAME": str(DATA_DIR / f"test_ocop_market_{os.getpid()}.sqlite3")
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Report aggregates have plans costly enough to trigger PostgreSQL's JIT, which then
    # compiles for longer than the query runs (0.9 s of 1.3 s measured at national scale).
    # The report's sales groupings hash a few hundred thousand roll-up rows: with the default
    # 4 MB of work_mem they sort on disk instead (about 50 ms more at national scale).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c work_mem=32MB"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Language, time and money: Vietnamese first, English available, VND without decimals.
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "plugins" / "ocop" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
OSCAR_DEFAULT_CURRENCY = "VND"
# Prices read the Vietnamese way in every UI language: "150.000 ₫", no decimals.
OSCAR_CURRENCY_FORMAT = {"VND": {"format": "#,##0\u00a0¤", "locale": "vi_VN"}}
OSCAR_SHOP_NAME = "OCOP Market"
OSCAR_SHOP_TAGLINE = _("Certified rural specialties")
OSCAR_SLUG_FUNCTION = "plugins.ocop.text.slugify"


def _can_import_certificates(user, url_name, url_args=None, url_kwargs=None) -> bool:
    """Menu access for the OCOP dashboard pages. They are not an Oscar dashboard app, so Oscar's
    default access function cannot look up their permissions (it raises KeyError and breaks
    every dashboard page)."""
    return user.has_perm("ocop.run_certificate_import")


def _ocop_menu_access(permission: str):
    """Menu access function for an OCOP page guarded by ``permission`` (see above)."""

    def access_fn(user, url_name, url_args=None, url_kwargs=None) -> bool:
        return user.has_perm(permission)

    return access_fn


OSCAR_DASHBOARD_NAVIGATION = OSCAR_DASHBOARD_NAVIGATION + [  # noqa: F405
    {
        "label": _("OCOP"),
        "icon": "fas fa-star",
        "children": [
            {
                "label": _("Certificate imports"),
                "url_name": "ocop:import-list",
                "access_fn": _can_import_certificates,
            },
            {
                "label": _("Channel presences"),
                "url_name": "ocop:presence-list",
                "access_fn": _ocop_menu_access("ocop.review_presence"),
            },
            {
                "label": _("Enter channel activity"),
                "url_name": "ocop:activity-add",
                "access_fn": _ocop_menu_access("ocop.add_channelactivity"),
            },
            {
                "label": _("Sales channels"),
                "url_name": "ocop:channel-list",
                "access_fn": _ocop_menu_access("ocop.view_channel"),
            },
            {
                "label": _("Modern-channel report"),
                "url_name": "ocop:report",
                "access_fn": _ocop_menu_access("ocop.view_channel_report"),
            },
            {
                "label": _("Counterfeit reports"),
                "url_name": "ocop:counterfeit-list",
                "access_fn": _ocop_menu_access("ocop.view_counterfeitreport"),
            },
            {
                "label": _("Saleor stores"),
                "url_name": "saleor_app:dashboard",
                "access_fn": _ocop_menu_access("saleor_app.manage_saleor"),
            },
            {
                "label": _("My certificates"),
                "url_name": "ocop:my-certificates",
                "access_fn": _certificate_menu.producer_access,
            },
            {
                "label": _("Certification change requests"),
                "url_name": "ocop:change-request-list",
                "access_fn": _certificate_menu.review_access,
            },
            {
                "label": _("Producer users"),
                "url_name": "dashboard:producer-users",
                "access_fn": _ocop_menu_access("dashboard.invite_producer_user"),
            },
            {
                "label": _("My sales channels"),
                "url_name": "ocop:my-presences",
                "access_fn": _producer_workspace_menu.producer_menu_access,
            },
        ],
    },
]

# Payouts to producers (plugins/payments, docs/payments.md): producers see their own, staff
# with the payout permission (or is_staff) see all of them.
OSCAR_DASHBOARD_NAVIGATION += [  # noqa: F405
    {
        "label": _("Payouts"),
        "icon": "fas fa-money-bill-wave",
        "children": [
            {
                "label": _("My payouts"),
                "url_name": "payments:my-payouts",
                "access_fn": _payout_menu.producer_payouts_access,
            },
            {
                "label": _("All payouts"),
                "url_name": "payments:payout-list",
                "access_fn": _payout_menu.staff_payouts_access,
            },
        ],
    },
]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "static_collected"))
STATICFILES_DIRS = [BASE_DIR / "storefront_theme" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(DATA_DIR / "media"))

# Media: local disk by default, S3 (through django-storages and boto3) when a bucket is set.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL", default=None)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default=None)
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False
if AWS_STORAGE_BUCKET_NAME:
    _media_storage = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _media_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Celery: Redis in production; without a broker tasks run eagerly in-process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or "cache+memory://")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TRACK_STARTED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Periodic tasks; django-celery-beat's DatabaseScheduler copies them into its tables at start.
CELERY_BEAT_SCHEDULE = {
    "saleor-refresh-star-attributes": {
        "task": "saleor_app.refresh_star_attributes",
        # 02:30 every day: connected Saleor stores get star changes (expiry, upgrades).
        "schedule": crontab(minute=30, hour=2),
    },
    "ocop-snapshot-channel-report": {
        "task": "ocop.snapshot_channel_report",
        # 01:00 on the 1st of each month in CELERY_TIMEZONE (Asia/Ho_Chi_Minh): last month.
        "schedule": crontab(minute=0, hour=1, day_of_month=1),
    },
    "notifications-certificate-expiry-reminders": {
        "task": "notifications.send_certificate_expiry_reminders",
        # 07:00 every day in CELERY_TIMEZONE: reminders 90 and 30 days before a certificate ends.
        "schedule": crontab(minute=0, hour=7),
    },
}

# Stripe (card payments and Connect payouts); absent keys disable card payments.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env("STRIPE_API_BASE", default="")
# Signing secret of the Connect webhook endpoint (events of producers' connected accounts,
# e.g. account.updated); Stripe signs them with another secret than the platform's events.
STRIPE_CONNECT_WEBHOOK_SECRET = env("STRIPE_CONNECT_WEBHOOK_SECRET", default="")
# Payouts: the platform's commission on each producer's lines ("0.05" or "5%"), the country of
# producers' Express accounts, and how the transfer task retries (exponential backoff).
OCOP_PLATFORM_COMMISSION = env.str("OCOP_PLATFORM_COMMISSION", default="0.05")
OCOP_CONNECT_ACCOUNT_COUNTRY = env.str("OCOP_CONNECT_ACCOUNT_COUNTRY", default="VN")
OCOP_PAYOUT_MAX_RETRIES = env.int("OCOP_PAYOUT_MAX_RETRIES", default=5)
OCOP_PAYOUT_RETRY_BACKOFF_SECONDS = env.int("OCOP_PAYOUT_RETRY_BACKOFF_SECONDS", default=30)

# Saleor App connector (plugins/saleor_app, docs/saleor.md). Token encryption keys (Fernet,
# comma-separated, first encrypts); without them the key is derived from SECRET_KEY on the
# embedded default only. The app's public base URL when Saleor reaches it under another name
# than the request's host. HTTP timeout, and the least time between two JWKS refetches.
OCOP_SALEOR_TOKEN_KEY = env.list("OCOP_SALEOR_TOKEN_KEY", default=[])
OCOP_SALEOR_DERIVE_TOKEN_KEY = "SECRET_KEY" not in env
OCOP_SALEOR_APP_URL = env("OCOP_SALEOR_APP_URL", default="")
OCOP_SALEOR_HTTP_TIMEOUT = env.float("OCOP_SALEOR_HTTP_TIMEOUT", default=15.0)
OCOP_SALEOR_JWKS_REFETCH_SECONDS = env.int("OCOP_SALEOR_JWKS_REFETCH_SECONDS", default=10)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="OCOP Market <no-reply@ocop.local>")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
# Base of the links in emails ("https://ocop.example"); empty: http:// and the Site's domain.
OCOP_SITE_URL = env("OCOP_SITE_URL", default="")

# Checkout (plugins/payments): guests may buy; Vietnamese addresses have no city or district
# level and rarely a postcode; order statuses and their moves (see plugins/payments/statuses.py).
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "line1", "line3", "state", "country")
OSCAR_INITIAL_ORDER_STATUS = _order_statuses.INITIAL_ORDER_STATUS
OSCAR_ORDER_STATUS_PIPELINE = _order_statuses.ORDER_STATUS_PIPELINE

HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
# A real index for Oscar's stock (haystack) catalogue, for bench/storefront_load.py only: a
# Whoosh index in this folder (pip package Whoosh, optional group "bench"), built with
# ``manage.py rebuild_index``. The simple engine above has no index: the stock page lists nothing.
if _whoosh_path := env("OCOP_HAYSTACK_WHOOSH_PATH", default=""):
    HAYSTACK_CONNECTIONS = {
        "default": {"ENGINE": "haystack.backends.whoosh_backend.WhooshEngine", "PATH": _whoosh_path}
    }

# The GraphQL API at /graphql/ (public catalogue, department report).
GRAPHENE = {"SCHEMA": "plugins.ocop.graphql.schema.schema"}

# Uploaded certificate lists above this size are refused by the upload form.
OCOP_IMPORT_MAX_UPLOAD_BYTES = env.int("OCOP_IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024)
# Channel evidence (screenshots, scanned contracts) above this size is refused.
OCOP_EVIDENCE_MAX_UPLOAD_BYTES = env.int("OCOP_EVIDENCE_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
# Uploaded photos and certificate scans (plugins/ocop/uploads.py, docs/files.md): size limits,
# the pixel limit of any uploaded image, and how long a signed link to a private file lives.
OCOP_MAX_PHOTO_BYTES = env.int("OCOP_MAX_PHOTO_BYTES", default=5 * 1024 * 1024)
OCOP_MAX_SCAN_BYTES = env.int("OCOP_MAX_SCAN_BYTES", default=10 * 1024 * 1024)
OCOP_MAX_IMAGE_PIXELS = env.int("OCOP_MAX_IMAGE_PIXELS", default=40_000_000)
OCOP_SIGNED_URL_SECONDS = env.int("OCOP_SIGNED_URL_SECONDS", default=300)
# Private files (certificate scans) on S3 go to this bucket; empty: AWS_STORAGE_BUCKET_NAME.
OCOP_PRIVATE_BUCKET_NAME = env("OCOP_PRIVATE_BUCKET_NAME", default="")
# Storefront listings (the ids and total of each filtered page) are cached this long, keyed by
# today's date and the catalogue version, so neither a new day nor new data is served stale;
# 0 turns the cache off.
OCOP_STOREFRONT_CACHE_SECONDS = env.int("OCOP_STOREFRONT_CACHE_SECONDS", default=600)
# Oscar's stock catalogue at /stock-catalogue/, for bench/storefront_load.py only.
OCOP_EXPOSE_STOCK_CATALOGUE = env.bool("OCOP_EXPOSE_STOCK_CATALOGUE", default=False)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
