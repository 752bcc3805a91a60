"""Start the platform: `python run.py [--host 127.0.0.1] [--port 5000] [--no-demo-data]`.

On first run this creates the SQLite database in instance/, applies migrations, loads the
content in courses/ and scenarios/, prints the demo accounts' passwords once and creates the
demo programme (three cohorts of synthetic officers; not with --no-demo-data, never when
TRAINER_ENV=production). For production use gunicorn (see README).
"""
import argparse
import os

from trainer import create_app
from trainer.cli import prepare_platform
from trainer.jobs import consumer_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--no-demo-data", action="store_true",
                        help="do not create the demo programme on a fresh database")
    args = parser.parse_args()

    app = create_app()
    with app.app_context():
        for line in prepare_platform(os.environ.get("TRAINER_DEMO_PASSWORD"), demo_data=not args.no_demo_data):
            print(line, flush=True)
    # The background jobs (large exports, learning records) run in this process too, so the
    # embedded platform is one command; production runs `flask worker` beside gunicorn.
    worker = consumer_for(app, workers=1, embedded=True)
    worker.start()
    print(f"Serving on http://{args.host}:{args.port}/  (Ctrl+C to stop)", flush=True)
    try:
        app.run(host=args.host, port=args.port, threaded=True)
    finally:
        worker.stop(graceful=True)


if __name__ == "__main__":
    main()
