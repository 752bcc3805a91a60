"""Static files under content-hashed names, compressed, cached by browsers for a year.

`url_for('static', filename='css/app.css')` gives `/static/css/app.3f9c2a1b7d4e.css`: the name
carries a hash of the content, so a changed file gets a new address and a browser may keep
each address forever (`Cache-Control: max-age=31536000, immutable`): later pages ask for none
of their stylesheets and scripts again. This is what Django's ManifestStaticFilesStorage with
WhiteNoise does at `collectstatic`; here it happens when the app starts, so there is no
build step: each file is copied once under its hashed name into the instance folder, beside
a gzip and a brotli copy, and WhiteNoise serves them (the compressed copy the browser
accepts) before the request reaches Flask. A file already built is not built again, so a
restart with unchanged files only reads and hashes them. The plain names still work, with
`max-age=0` (revalidated), for anything that links to them directly.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path

from flask import Flask
from whitenoise import WhiteNoise

try:
    import brotli
except ImportError:  # gzip alone is enough; brotli only saves a little more
    brotli = None

HASH_LENGTH = 12
ONE_YEAR = 365 * 24 * 3600
HASHED_NAME = re.compile(r"\.[0-9a-f]{%d}\.[A-Za-z0-9]+$" % HASH_LENGTH)
COMPRESSIBLE = frozenset({".css", ".js", ".svg", ".json", ".txt", ".map", ".html", ".xml"})
MIN_COMPRESS_BYTES = 500


class StaticFiles(WhiteNoise):
    """WhiteNoise with a year's cache on hashed names (its default is ten)."""

    FOREVER = ONE_YEAR


def register_static_files(app: Flask) -> None:
    """Serve static/ through WhiteNoise under hashed names; url_for('static') gives them."""
    source = Path(app.static_folder)
    build = Path(app.config.get("STATIC_BUILD_DIR") or Path(app.instance_path) / "static")
    try:
        manifest = build_static(source, build)
    except OSError as error:  # a read-only instance folder: plain names, revalidated
        app.logger.warning("static files served without hashed names: %s", error)
        return
    prefix = app.static_url_path.strip("/") + "/"
    server = StaticFiles(app.wsgi_app, max_age=0, allow_all_origins=False,
                        immutable_file_test=lambda _path, url: bool(HASHED_NAME.search(url)),
                        add_headers_function=_nosniff)
    server.add_files(str(source), prefix=prefix)
    server.add_files(str(build), prefix=prefix)
    app.wsgi_app = server
    app.extensions["static_manifest"] = manifest

    @app.url_defaults
    def hashed_static_url(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values:
            values["filename"] = manifest.get(values["filename"], values["filename"])


def _nosniff(headers, _path: str, _url: str) -> None:
    headers["X-Content-Type-Options"] = "nosniff"


def hashed_name(relative: str, content: bytes) -> str:
    """css/app.css -> css/app.<first 12 hex digits of its SHA-256>.css"""
    digest = hashlib.sha256(content).hexdigest()[:HASH_LENGTH]
    stem, dot, suffix = relative.rpartition(".")
    if not dot or "/" in suffix:
        return f"{relative}.{digest}"
    return f"{stem}.{digest}.{suffix}"


def build_static(source: Path, build: Path) -> dict[str, str]:
    """Copy each file of `source` to `build` under its hashed name, with compressed copies once.

    Returns the manifest {plain name: hashed name}, names relative to the folder.
    """
    manifest = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = path.relative_to(source).as_posix()
        content = path.read_bytes()
        hashed = hashed_name(relative, content)
        manifest[relative] = hashed
        target = build / hashed
        if not target.exists():
            _write(target, content)
        if path.suffix.lower() in COMPRESSIBLE and len(content) >= MIN_COMPRESS_BYTES:
            if not target.with_name(target.name + ".gz").exists():
                _write(target.with_name(target.name + ".gz"), gzip.compress(content, 9, mtime=0))
            if brotli is not None and not target.with_name(target.name + ".br").exists():
                _write(target.with_name(target.name + ".br"), brotli.compress(content, quality=9))
    return manifest


def _write(target: Path, content: bytes) -> None:
    """Write atomically: workers starting together never serve half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(content)
    os.replace(temporary, target)
