"""Operations as `flask` commands: setup, users, content checks, backup and restore."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_migrate import upgrade

from . import services
from .domain.courses import check_courses
from .domain.passwords import TOO_SHORT, password_problems
from .domain.people import ROLES, normalise_email
from .domain.scenario import check_scenarios
from .extensions import db
from .models import user_by_email
from .seed import seed_command
from .services.audit import record_audit


def prepare_platform(demo_password: str | None = None) -> list[str]:
    """Apply migrations, load content, create missing demo accounts; return lines to print.

    Safe to run on every start: existing rows are kept and nothing is created twice.
    """
    upgrade()
    lines = services.load_content()
    created = services.ensure_demo_accounts(demo_password)
    db.session.commit()
    if created:
        lines.append("Demo accounts created. Passwords are shown this once; write them down:")
        lines += [f"  {role:<8} {email:<24} {password}" for email, role, password in created]
    else:
        lines.append("Demo accounts already exist (reset one with: flask users reset-password EMAIL).")
    return lines


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(setup_command)
    app.cli.add_command(users)
    app.cli.add_command(content)
    app.cli.add_command(seed_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


content = AppGroup("content", help="Check and load course and scenario files.")


@content.command("check")
@click.option("--courses", "courses_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Course folder to check (default: the configured one).")
@click.option("--scenarios", "scenarios_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Scenario folder to check (default: the configured one).")
def content_check(courses_dir: Path | None, scenarios_dir: Path | None):
    """Validate every content file; print every problem; exit 1 if any is an error."""
    errors = 0
    for kind, root, check in (
        ("course", courses_dir or Path(current_app.config["CONTENT_COURSES_DIR"]), check_courses),
        ("scenario", scenarios_dir or Path(current_app.config["CONTENT_SCENARIOS_DIR"]), check_scenarios),
    ):
        specs, problems = check(root)
        for problem in problems:
            click.echo(str(problem), err=problem.severity == "error")
        found = sum(problem.severity == "error" for problem in problems)
        click.echo(f"{len(specs)} {kind}(s) valid, {found} error(s), {len(problems) - found} warning(s) in {root}")
        errors += found
    if errors:
        raise SystemExit(1)


@content.command("load")
def content_load():
    """Load the content folders into the database (also done on every start)."""
    for line in services.load_content():
        click.echo(line)
    db.session.commit()


@click.command("setup")
@with_appcontext
def setup_command():
    """Migrate the database, load content and create demo accounts."""
    for line in prepare_platform(os.environ.get("TRAINER_DEMO_PASSWORD")):
        click.echo(line)


users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--password", help="Generated and printed when omitted.")
def users_create(email: str, full_name: str, role: str, password: str | None):
    """Create an account."""
    try:
        email = normalise_email(email)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--email") from error
    if user_by_email(email) is not None:
        raise click.ClickException(f"{email} already has an account")
    if password is not None:
        problems = password_problems(password, current_app.config["PASSWORD_MIN_LENGTH"], (email, full_name))
        if TOO_SHORT in problems:
            raise click.BadParameter(f"use at least {current_app.config['PASSWORD_MIN_LENGTH']} characters",
                                     param_hint="--password")
        if problems:
            raise click.BadParameter("too easy to guess (a common password, a name, a date, a keyboard pattern or "
                                     "your own details); a few unrelated words work well", param_hint="--password")
    chosen = password or services.new_password()
    user = services.create_user(email, full_name, chosen, role=role)
    db.session.flush()
    record_audit("user.created", None, user, role=role, by="command line")
    db.session.commit()
    click.echo(f"Created {role} {email}" + ("" if password else f" with password {chosen}"))


@users.command("reset-password")
@click.argument("email")
def users_reset_password(email: str):
    """Give an account a new random password and print it."""
    user = user_by_email(email)
    if user is None:
        raise click.ClickException(f"no account has the email {email}")
    password = services.new_password()
    user.set_password(password)
    user.end_all_sessions()
    record_audit("password.reset", None, user, by="command line")
    db.session.commit()
    click.echo(f"New password for {user.email}: {password}")


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write a consistent copy of the whole database to FILE (a new file).

    SQLite: a SQLite file made by the online backup API, safe while the app runs.
    PostgreSQL: pg_dump's custom format.
    """
    from .services import backup

    try:
        backup.backup(db.engine, file)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up {backup.describe(db.engine.url)} to {file} ({file.stat().st_size:,} bytes)")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, yes: bool):
    """Replace the whole database with the backup in FILE (stop the app servers first)."""
    from .services import backup

    target = backup.describe(db.engine.url)
    try:
        backup.check_source(db.engine, file)
        existing = backup.row_counts(db.engine)
        if existing and not yes:
            tables = ", ".join(f"{count.table} {count.rows}" for count in existing)
            raise click.ClickException(
                f"{target} already holds {sum(c.rows for c in existing):,} rows in {len(existing)} tables "
                f"({tables}). Restoring {file} replaces all of it. Run again with --yes to go ahead.")
        db.session.remove()
        db.engine.dispose()  # no pooled connection may hold a lock or the old schema
        backup.restore(db.engine, file)
        db.engine.dispose()
        restored = backup.row_counts(db.engine)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {target} from {file}: {sum(c.rows for c in restored):,} rows in {len(restored)} tables.")
