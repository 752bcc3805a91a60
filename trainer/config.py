"""Configuration classes. Environment variables override the defaults."""
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("TRAINER_INSTANCE_DIR", PROJECT_ROOT / "instance")).resolve()


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable ("1", "true", "yes", "on" mean yes)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(default: str) -> str:
    """DATABASE_URL, with plain postgres URLs pointed at the psycopg 3 driver."""
    url = os.environ.get("DATABASE_URL", default)
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def secret_key() -> str:
    """SECRET_KEY from the environment, else one kept in the instance folder.

    Keeping a generated key on disk means sessions survive a restart on a single server
    without anyone having to invent a secret by hand.
    """
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


class Config:
    """Development and single-server defaults: SQLite in the instance folder."""

    SECRET_KEY = None  # filled lazily by create_app so tests need no key file
    SQLALCHEMY_DATABASE_URI = database_url(f"sqlite:///{INSTANCE_DIR / 'trainer.sqlite3'}")
    # No pool_pre_ping: it costs every request a round trip to the database. A pooled connection
    # is checked only after it sat idle (when firewalls, proxies and server restarts drop
    # connections), and replaced after an hour whatever happens; see database.py.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_recycle": 3600}
    DATABASE_PING_AFTER_IDLE_SECONDS = float(os.environ.get("TRAINER_DATABASE_PING_AFTER_IDLE_SECONDS", "30"))
    # How long a SQLite writer waits for another's lock before "database is locked".
    SQLITE_BUSY_TIMEOUT_SECONDS = float(os.environ.get("TRAINER_SQLITE_BUSY_TIMEOUT_SECONDS", "15"))
    CONTENT_COURSES_DIR = os.environ.get("TRAINER_COURSES_DIR", str(PROJECT_ROOT / "courses"))
    CONTENT_SCENARIOS_DIR = os.environ.get(
        "TRAINER_SCENARIOS_DIR", str(PROJECT_ROOT / "scenarios")
    )

    LANGUAGES = ("en", "ru")
    BABEL_DEFAULT_LOCALE = "en"
    # The zone of users and cohorts that have not chosen one (an IANA name).
    BABEL_DEFAULT_TIMEZONE = os.environ.get("TRAINER_TIMEZONE", "Asia/Bishkek")
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "trainer" / "translations")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    # Servers sharing one Redis share limits only under the same prefix.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "")
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    # Per email and address, so a whole webinar behind one police NAT can still log in.
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute; 30 per hour")
    LOGIN_RATE_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "60 per minute")
    PREVIEW_RATE_LIMIT = os.environ.get("PREVIEW_RATE_LIMIT", "90 per minute")  # Markdown previews per author

    SESSION_COOKIE_HTTPONLY = True
    # An LTI launch is a cross-site POST from the partner's Moodle: behind https, set
    # SESSION_COOKIE_SAMESITE=None (with SESSION_COOKIE_SECURE) so that the launch finds the session
    # its login initiation started (README, "LTI 1.3 (partner Moodle)").
    SESSION_COOKIE_SAMESITE = os.environ.get("SESSION_COOKIE_SAMESITE", "Lax")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # A session ends after this long without a request (police computers are often shared)...
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=int(os.environ.get("TRAINER_IDLE_TIMEOUT_MINUTES", "480")))
    # An unchanged session's cookie is sent again (sliding that timeout) once it is this old (trainer/sessions.py).
    SESSION_REFRESH_AFTER_SECONDS = 60
    # ...unless "keep me logged in" was ticked: then at the latest after these days.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("TRAINER_REMEMBER_DAYS", "7")))
    HSTS_SECONDS = 0  # only behind HTTPS: see ProductionConfig
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted.
    PROXY_COUNT = int(os.environ.get("TRAINER_PROXY_COUNT", "0"))
    # The address officers and verifiers reach the platform at (https://training.example.org):
    # certificates' verify links and QR codes and the Open Badges URLs are built on it, so they
    # stay the same whichever address a request came in by. Empty: the address of the request.
    PUBLIC_BASE_URL = os.environ.get("TRAINER_BASE_URL", "").rstrip("/")
    # The issuer named in certificates' Open Badges (its profile needs a name, a home page and a
    # contact e-mail). Empty URL: the platform's home page; empty e-mail: the first administrator's.
    BADGE_ISSUER_NAME = os.environ.get("TRAINER_BADGE_ISSUER_NAME", "Intelligence-led policing training")
    BADGE_ISSUER_URL = os.environ.get("TRAINER_BADGE_ISSUER_URL", "")
    BADGE_ISSUER_EMAIL = os.environ.get("TRAINER_BADGE_ISSUER_EMAIL", "")

    # How often live pages (a trainer's cohort view, a trainee's case file during an
    # exercise) ask for news: often enough to feel live, rare enough for 100 trainees.
    LIVE_POLL_SECONDS = int(os.environ.get("TRAINER_LIVE_POLL_SECONDS", "15"))
    # Large page parts kept rendered per process, keyed by the state they show (trainer/fragments.py).
    FRAGMENT_CACHE = True
    # PostgreSQL memory for each sort and hash of a report's queries (SET LOCAL work_mem): at
    # the server's default of 4 MB, a programme of 100 000 officers spills them to disk.
    REPORTS_WORK_MEM = os.environ.get("TRAINER_REPORTS_WORK_MEM", "64MB")
    # PostgreSQL: the independent parts of the overview and of completion run at once, each on its
    # own connection, from one snapshot (services/reports/side_by_side.py); off runs them in turn.
    REPORTS_PARTS_IN_PARALLEL = os.environ.get("TRAINER_REPORTS_PARTS_IN_PARALLEL", "1") != "0"

    # The background jobs' queue (trainer/jobs.py): empty means a SQLite file beside the database,
    # so the embedded platform needs nothing else; redis://host:6379/1 in production.
    JOBS_URL = os.environ.get("TRAINER_JOBS_URL", "")
    JOBS_SQLITE_FILE = str(INSTANCE_DIR / "jobs.sqlite3")
    # Files the jobs build (exports) wait here until downloaded.
    JOBS_FILES_DIR = os.environ.get("TRAINER_JOBS_FILES_DIR", str(INSTANCE_DIR / "job-files"))
    # Report exports (and their files) are kept this many days, then deleted by an hourly job.
    EXPORT_KEEP_DAYS = float(os.environ.get("TRAINER_EXPORT_KEEP_DAYS", "3"))

    # Learning records (xAPI statements, README "xAPI (learning records)") are always kept; they
    # are also sent to a partner's LRS when its endpoint is set (https://lrs.example.org/xapi).
    XAPI_ENDPOINT = os.environ.get("TRAINER_XAPI_ENDPOINT", "")
    XAPI_USERNAME = os.environ.get("TRAINER_XAPI_USERNAME", "")
    XAPI_PASSWORD = os.environ.get("TRAINER_XAPI_PASSWORD", "")
    # Officers as mbox (mailto:their e-mail) instead of an account named by their id on this platform.
    XAPI_ACTOR_EMAIL = env_bool("TRAINER_XAPI_ACTOR_EMAIL", False)
    XAPI_BATCH_SIZE = int(os.environ.get("TRAINER_XAPI_BATCH_SIZE", "50"))
    # After a failed delivery a statement waits this long, then twice as long after each further failure.
    XAPI_RETRY_SECONDS = float(os.environ.get("TRAINER_XAPI_RETRY_SECONDS", "60"))

    MAX_CONTENT_LENGTH = 8 * 1024 * 1024
    # Pages and JSON go out compressed to browsers that accept it (slow links in the field);
    # static files are compressed once, ahead of time (static_files.py). Streamed responses
    # are left as they are, so their first bytes leave at once.
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_STREAMS = False
    # Brotli at quality 2, not Flask-Compress's 4: measured on the workspace (100 KB of HTML),
    # 0.5 ms instead of 1.0 ms a response for 7 % more bytes (19.8 KB against 18.5 KB), as
    # small as gzip at its level 6 gives in a third of gzip's time (bench/README.md).
    COMPRESS_BR_LEVEL = 2
    WTF_CSRF_TIME_LIMIT = None  # a long exercise must not expire its forms
    PASSWORD_MIN_LENGTH = 10
    PASSWORD_HASH_METHOD = "scrypt"


class ProductionConfig(Config):
    """Behind HTTPS: cookies only travel encrypted."""

    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # Browsers that once reached the platform over HTTPS never try plain HTTP for a year.
    HSTS_SECONDS = int(os.environ.get("TRAINER_HSTS_SECONDS", str(365 * 24 * 3600)))


class TestConfig(Config):
    """In-memory SQLite, no rate limits unless a test turns them on."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # scrypt takes ~130 ms a hash by design; the suite creates and logs in hundreds of users.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Jobs wait in the process's memory until the test runs them (tests' run_queued_jobs fixture).
    JOBS_URL = "memory://"
    # Files the jobs build go to the temporary folder, never the instance folder.
    JOBS_FILES_DIR = str(Path(tempfile.gettempdir()) / "trainer-test-job-files")


CONFIGS = {"development": Config, "production": ProductionConfig, "testing": TestConfig}


def config_from_env() -> type[Config]:
    """The config class named by TRAINER_ENV (development by default)."""
    return CONFIGS[os.environ.get("TRAINER_ENV", "development")]


def rate_limit_store_warning(storage_uri: str, workers: int) -> str | None:
    """A warning when login limits are counted in each worker's memory, so not really enforced."""
    if workers > 1 and storage_uri.startswith("memory://"):
        return (f"Rate limits are kept in each worker's memory: with {workers} workers an attacker gets "
                f"{workers} times the configured login attempts. Set RATELIMIT_STORAGE_URI=redis://... "
                "to share them.")
    return None
