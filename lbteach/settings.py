"""Django settings for lbteach: every knob is an environment variable with an embedded default.

The defaults run the whole site on one machine with nothing but Python: SQLite, an
in-process channel layer, DEBUG off. Production switches parts on through the
environment (see README.md, "Configuration"); `manage.py check --deploy` is clean then.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from lbteach.classroom.address import host_and_origin, public_base
from lbteach.secret import secret_key

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable; anything but a clear yes is no."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated environment variable into a list, dropping blanks."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# HTTPS=true when the site is served over TLS (behind a terminating load balancer).
HTTPS = env_bool("HTTPS", False)
# No key is written in the repository: without SECRET_KEY an install makes its own on first
# start, in a file beside its SQLite database (mode 0600). Production (HTTPS) must set it.
SECRET_KEY = secret_key(
    os.environ.get("SECRET_KEY", ""),
    production=HTTPS,
    database_url=os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
    base_dir=BASE_DIR,
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Where `make run` listens (HOST=0.0.0.0 serves the room's network) and the address students
# are shown: PUBLIC_URL if set, else this machine's LAN address when listening everywhere.
# Only that one address is added to the hosts the site answers (and the websocket origins).
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = int(os.environ.get("PORT", "8000"))
PUBLIC_URL = os.environ.get("PUBLIC_URL", "")
CLASS_PUBLIC_URL = public_base(HOST, PORT, PUBLIC_URL)
if CLASS_PUBLIC_URL:
    _public_host, _public_origin = host_and_origin(CLASS_PUBLIC_URL)
    if _public_host and _public_host not in ALLOWED_HOSTS:
        ALLOWED_HOSTS.append(_public_host)
    if _public_origin not in CSRF_TRUSTED_ORIGINS:
        CSRF_TRUSTED_ORIGINS.append(_public_origin)
# With a public address (make class, PUBLIC_URL) the admin answers only this machine's browser.
ADMIN_LOCAL_ONLY = env_bool("ADMIN_LOCAL_ONLY", bool(CLASS_PUBLIC_URL))

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles so runserver speaks ASGI
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "template_partials",
    "csp",
    "lbteach.lessons",
    "lbteach.lab",
    "lbteach.quiz",
    "lbteach.classroom",
    "lbteach.real",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lbteach.head_requests.HeadLikeGet",
    "lbteach.local_admin.LocalAdminOnly",
    "lbteach.classroom.sweep.SweepClasses",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "lbteach.urls"
ASGI_APPLICATION = "lbteach.asgi.application"
WSGI_APPLICATION = None

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
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The app applies its own lesson: no server keeps state in its memory that another
# server would need. With REDIS_URL set, channels-redis joins the daphne processes.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 times out socket reads after 5 s, exactly as long as the layer's
                # blocking receive waits; a longer read timeout keeps idle receives alive.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# Throttles must count across processes, so with Redis the cache lives there too.
# CACHE_KEY_PREFIX keeps the keys of sites (or test runs) sharing one Redis apart.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CACHES["default"]["KEY_PREFIX"] = os.environ.get("CACHE_KEY_PREFIX", "")

# Websocket commands each connection may send: a steady rate per second and a burst.
LAB_COMMAND_RATE = float(os.environ.get("LAB_COMMAND_RATE", "5"))
LAB_COMMAND_BURST = int(os.environ.get("LAB_COMMAND_BURST", "15"))
# And all the lab sockets of one client address together, across processes (Redis counts).
LAB_ADDRESS_COMMAND_RATE = float(os.environ.get("LAB_ADDRESS_COMMAND_RATE", "50"))
LAB_ADDRESS_COMMAND_BURST = int(os.environ.get("LAB_ADDRESS_COMMAND_BURST", "150"))
# Live rooms tick this often (seconds): each tick routes requests and pushes one frame.
LIVE_TICK_SECONDS = float(os.environ.get("LIVE_TICK_SECONDS", "0.5"))
# Private lab rooms one process runs at once; past it a new lab is told to come back later.
LAB_MAX_ROOMS = int(os.environ.get("LAB_MAX_ROOMS", "150"))
# How long a closed lab page may come back to its run, and how long a saved run is kept.
LAB_REATTACH_SECONDS = float(os.environ.get("LAB_REATTACH_SECONDS", "60"))
LAB_RUN_KEEP_MINUTES = float(os.environ.get("LAB_RUN_KEEP_MINUTES", "60"))
# Bounds on what visitors can make the lab hold or do (docs/deploy.md, "Bounds"): saved runs
# of closed labs per process and per address, figure frame bodies cached per process, and
# the share-link replay queue (wait, links per address, and each address's budget a minute
# in replayed requests).
LAB_SAVED_RUNS = int(os.environ.get("LAB_SAVED_RUNS", "1000"))
LAB_SAVED_RUNS_PER_ADDRESS = int(os.environ.get("LAB_SAVED_RUNS_PER_ADDRESS", "50"))
LAB_FIGURE_CACHE = int(os.environ.get("LAB_FIGURE_CACHE", "32"))
LAB_REPLAY_WAIT_SECONDS = float(os.environ.get("LAB_REPLAY_WAIT_SECONDS", "30"))
LAB_REPLAYS_PER_ADDRESS = int(os.environ.get("LAB_REPLAYS_PER_ADDRESS", "8"))
LAB_REPLAY_BUDGET = int(os.environ.get("LAB_REPLAY_BUDGET", "1000000"))
# Classes: idle time before a class ends, join-code guessing limits, and how long a silent
# home process is trusted before another process takes the room over.
CLASS_IDLE_MINUTES = int(os.environ.get("CLASS_IDLE_MINUTES", "120"))
CLASS_JOIN_ATTEMPTS = int(os.environ.get("CLASS_JOIN_ATTEMPTS", "30"))
CLASS_JOIN_WINDOW_SECONDS = int(os.environ.get("CLASS_JOIN_WINDOW_SECONDS", "600"))
CLASS_STARTS_PER_HOUR = int(os.environ.get("CLASS_STARTS_PER_HOUR", "20"))
CLASS_MAX_STUDENTS = int(os.environ.get("CLASS_MAX_STUDENTS", "200"))
CLASS_HOME_STALE_SECONDS = float(os.environ.get("CLASS_HOME_STALE_SECONDS", "4"))
# The study queue introduces at most this many never-seen questions per learner per UTC day.
QUIZ_NEW_PER_DAY = int(os.environ.get("QUIZ_NEW_PER_DAY", "20"))
# An ended class's results stay for its teacher this many days, then are deleted.
CLASS_RESULTS_DAYS = int(os.environ.get("CLASS_RESULTS_DAYS", "30"))
# The real restaurant (`make real`): the supervisor's control socket, set by the `real`
# command for the site it starts (empty: /real/ says how to start it), and HAProxy's port.
REAL_CONTROL = os.environ.get("REAL_CONTROL", "")
REAL_LB_PORT = int(os.environ.get("REAL_LB_PORT", "8404"))
# The benchmark's bare echo websocket (bench/lab_frame.py); off unless asked for.
BENCH_ECHO = env_bool("BENCH_ECHO", False)

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365  # a learner's progress lives for a year
SESSION_COOKIE_SECURE = HTTPS
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Browsers ignore Cross-Origin-Opener-Policy on plain-http origins other than localhost and
# log an error on every page; a class served at http://<LAN address> would fill every
# phone's console with it, so the header is left off then.
SECURE_CROSS_ORIGIN_OPENER_POLICY = (
    None if CLASS_PUBLIC_URL.startswith("http://") and not HTTPS else "same-origin"
)

# No inline script or style anywhere, and nothing from another origin: a classroom may be
# offline, and htmx is configured (meta htmx-config) so it needs neither eval nor inline style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders unless collectstatic has been run: one command runs the site.
WHITENOISE_USE_FINDERS = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
