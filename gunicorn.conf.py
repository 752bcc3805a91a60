"""gunicorn settings, read when gunicorn starts in the project folder (`gunicorn 'trainer:create_app()'`)."""
import gc
import os

from trainer.config import rate_limit_store_warning


def on_starting(server):
    """Warn once, in the master, about settings that break with several workers."""
    warning = rate_limit_store_warning(os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), server.cfg.workers)
    if warning and os.environ.get("RATELIMIT_ENABLED", "1").lower() not in {"0", "false", "no", "off"}:
        server.log.warning(warning)


def post_worker_init(worker):
    """Freeze what the worker built at start-up (the app, its models, catalogues, templates) out of
    the garbage collector's reach: these live as long as the worker, yet each full collection
    walked all of them (about 250 000 objects, some 100 ms of one request's time)."""
    gc.collect()
    gc.freeze()
