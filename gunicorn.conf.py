"""gunicorn settings, read when gunicorn starts in the project folder (`gunicorn 'trainer:create_app()'`)."""
import os

from trainer.config import rate_limit_store_warning


def on_starting(server):
    """Warn once, in the master, about settings that break with several workers."""
    warning = rate_limit_store_warning(os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), server.cfg.workers)
    if warning and os.environ.get("RATELIMIT_ENABLED", "1").lower() not in {"0", "false", "no", "off"}:
        server.log.warning(warning)
