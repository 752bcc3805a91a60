"""Bytes and CPU of compressing each trainee page: Brotli at quality 1 to 4, gzip at 1, 3 and 6.

    .venv/bin/python bench/compression_bench.py [--officers 300] [--repeat 50]

The pages are the load bench's (`load_bench.py`), asked for once, uncompressed, by one logged-in
bench trainee of a seeded programme; each is then compressed `--repeat` times at each setting.
Printed per page and setting: the compressed size in bytes and the CPU time of one compression
(`time.process_time`, the mean over the repeats). The platform's own setting is
`COMPRESS_BR_LEVEL` in trainer/config.py (gzip is sent only to browsers without Brotli, such as
Chromium on a plain-HTTP address). Not part of the test suite.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import brotli

import load_bench

SETTINGS = {**{f"br {quality}": (lambda body, q=quality: brotli.compress(body, quality=q)) for quality in (1, 2, 3, 4)},
            **{f"gzip {level}": (lambda body, n=level: gzip.compress(body, n)) for level in (1, 3, 6)}}


def cost(compress, body: bytes, repeat: int) -> tuple[int, float]:
    """(compressed bytes, CPU ms of one compression)."""
    started = time.process_time()
    for _ in range(repeat):
        out = compress(body)
    return len(out), (time.process_time() - started) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="compression-bench-"))
    url = f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.update({key: value for key, value in load_bench.environment(url, work / "instance").items()
                       if key != "PYTHONPATH"})
    load_bench.prepare(url, args.officers, 1, work / "accounts.json")
    account = json.loads((work / "accounts.json").read_text())[0]

    from bench_app import create_bench_app

    client = create_bench_app().test_client()
    login = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"email": account["email"], "password": load_bench.PASSWORD,
                                           "csrf_token": load_bench.CSRF_FIELD.search(login).group(1)})
    assert response.status_code == 302, "the bench trainee could not log in"

    print(f"\nEach page compressed {args.repeat} times at each setting: bytes, CPU ms of one compression\n", file=sys.stderr)
    print("| page | HTML bytes | " + " | ".join(SETTINGS) + " |")
    print("|---|---:|" + "---:|" * len(SETTINGS))
    for name in load_bench.PAGES:
        method, path, _body = load_bench.page_request(name, account)
        if method != "GET" or name == "bare endpoint":
            continue
        page = client.get(path, headers={"Accept-Encoding": "identity"}).get_data()
        cells = [f"{size} B, {ms:.2f} ms" for size, ms in (cost(compress, page, args.repeat) for compress in SETTINGS.values())]
        print(f"| {name} | {len(page)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
