"""Operations as `flask` commands: setup, users, content checks, item analysis, backup and restore."""
from __future__ import annotations

import os
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_migrate import upgrade

from . import demo, services
from .database import vacuum_analyse
from .domain.courses import check_courses
from .domain.item_stats import MarksError, item_statistics, read_marks
from .domain.passwords import TOO_SHORT, password_problems
from .domain.people import ROLES, normalise_email, normalise_username
from .domain.scenario import check_scenarios
from .domain.tabular import SAMPLE_CHARS, UnreadableFile, decode_text, sniff_dialect
from .exports import to_csv
from .extensions import db
from .i18n import SOURCE_LANGUAGE, interface_languages, translate
from .item_tables import statistics_table, text_table
from .models import ScenarioItemMark, user_by_email, user_by_login, user_by_username
from .models_progress import ProgressSummary
from .seed import seed_command
from .services import progress_summary, scenarios
from .services.audit import record_audit


def prepare_platform(demo_password: str | None = None, demo_data: bool = False) -> list[str]:
    """Apply migrations, load content, create missing demo accounts; return lines to print.

    `demo_data`: also create the demo programme (trainer/demo.py) on a database without
    cohorts, never in production. Safe to run on every start: existing rows are kept and
    nothing is created twice.
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
    if demo_data:
        lines += demo_programme_lines()
    return lines


def demo_programme_lines() -> list[str]:
    """Create the demo programme if this database has none and may have one; say what happened."""
    if demo.refusal() is not None:  # already there, a platform in use, or production: nothing to say
        return []
    started = time.perf_counter()
    try:
        counts = demo.create_demo_programme()
        db.session.commit()
    except Exception:  # the platform starts without its demo rather than not at all
        db.session.rollback()
        current_app.logger.exception("the demo programme could not be created")
        return ["The demo programme could not be created (see the error above); the platform starts without it."]
    return [f"Demo programme created in {time.perf_counter() - started:.1f} s: {demo.counts_line(counts)}.",
            f"  Log in as {demo.TRAINEE}, {demo.TRAINER} or manager@example.org to see it "
            "(start with --no-demo-data to leave it out on a fresh database)."]


def register(app: Flask) -> None:
    """Attach the command groups to the app."""
    app.cli.add_command(setup_command)
    app.cli.add_command(users)
    app.cli.add_command(content)
    app.cli.add_command(questions)
    app.cli.add_command(items)
    app.cli.add_command(reports)
    app.cli.add_command(seed_command)
    app.cli.add_command(demo.demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(worker_command)


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


items = AppGroup("items", help="Item analysis of test results.")


def _environment_language() -> str:
    """The interface language named by LC_ALL, LC_MESSAGES or LANG (ru_RU.UTF-8: ru), else English."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        code = os.environ.get(name, "").split("_")[0].split(".")[0].lower()
        if code:
            return code if code in interface_languages() else SOURCE_LANGUAGE
    return SOURCE_LANGUAGE


@items.command("stats")
@click.argument("marks_file", metavar="MARKS.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--max", "max_spec", metavar="MAXIMA",
              help="Each question's maximum mark: one number for all (2), or name=number pairs (q1=2,q2=1), "
                   "optionally with a number for the rest (2,q5=4). Default 1.")
@click.option("--format", "output", type=click.Choice(["table", "csv"]), default="table", show_default=True,
              help="A table to read, or CSV for a spreadsheet (UTF-8 with a byte-order mark, as Excel reads it; "
                   "an undefined statistic is an empty cell).")
@click.option("--lang", "language", help="Language of the headers and messages (default: from LANG, else en).")
def items_stats(marks_file: Path, max_spec: str | None, output: str, language: str | None):
    """Moodle's item statistics of a marks matrix.

    MARKS.csv holds a header row of question names, then one row per attempt with one mark per
    question (an empty cell: the question was not in that attempt). Prints each question's
    facility index, standard deviation, discrimination index and discriminative efficiency (as
    Moodle's "Quiz statistics calculations" define them, in percent) and flags questions that
    are too easy (facility above 90 %), too hard (below 20 %) or discriminate negatively. A file
    with mistakes prints every one with its line and column and exits with status 1.
    """
    language = (language or _environment_language()).lower()
    if language not in interface_languages():
        raise click.BadParameter(f"expected one of {', '.join(interface_languages())}", param_hint="--lang")
    with force_locale(language):
        data = marks_file.read_bytes()
        try:
            if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
                raise UnreadableFile("workbook")
            text = decode_text(data)
            marks = read_marks(text, max_spec, sniff_dialect(text.lstrip("\ufeff")[:SAMPLE_CHARS]))
        except UnreadableFile as error:
            reason = (_("it is a spreadsheet workbook: save the sheet as CSV first") if error.code == "workbook"
                      else _("it is not text (UTF-8, UTF-16 or Windows-1251)"))
            click.echo(_("%(file)s cannot be read: %(reason)s.", file=marks_file.name, reason=reason), err=True)
            raise SystemExit(1) from None
        except MarksError as error:
            for problem in error.problems:
                click.echo(f"{marks_file.name}: {translate(problem)}", err=True)
            click.echo(ngettext("%(num)d problem; nothing was computed.", "%(num)d problems; nothing was computed.",
                                len(error.problems)), err=True)
            raise SystemExit(1) from None
        table = statistics_table(item_statistics(marks.names, marks.rows, marks.max_marks), digits=2)
        if output == "csv":
            click.echo(to_csv(table), nl=False)  # bytes: written as they are (UTF-8 with its BOM)
        else:
            click.echo(text_table(table))
            click.echo(ngettext("%(num)d attempt.", "%(num)d attempts.", len(marks.rows)))


reports = AppGroup("reports", help="The programme reports' read model.")


@reports.command("rebuild")
def reports_rebuild():
    """Compute the progress read model and the scenario item marks again from the raw tables and
    the stored results (after rows were written by hand)."""
    started = time.perf_counter()
    rows = progress_summary.rebuild()
    db.session.commit()
    click.echo(f"Progress summary rebuilt: {rows} rows in {time.perf_counter() - started:.1f} s.")
    started = time.perf_counter()
    marks = scenarios.rebuild_item_marks()
    db.session.commit()
    click.echo(f"Scenario item marks rebuilt: {marks} marks in {time.perf_counter() - started:.1f} s.")
    vacuum_analyse(ProgressSummary.__tablename__, ScenarioItemMark.__tablename__)  # every row was replaced


questions = AppGroup("questions", help="Import Moodle question files into a course; export its banks.")
LANG_HELP = "Language of the messages (default: from LANG, else en)."


def _messages_language(language: str | None) -> str:
    language = (language or _environment_language()).lower()
    if language not in interface_languages():
        raise click.BadParameter(f"expected one of {', '.join(interface_languages())}", param_hint="--lang")
    return language


@questions.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--course", "course_id", required=True, help="The course's id (as in its course.yml).")
@click.option("--format", "fmt", type=click.Choice(["gift", "aiken", "xml"]),
              help="The file's format (default: from its extension, .gift, .aiken or .xml; a .txt file by its content).")
@click.option("--dry-run", is_flag=True, help="Print what would be imported and reported; write nothing.")
@click.option("--lang", "language", help=LANG_HELP)
def questions_import(file: Path, course_id: str, fmt: str | None, dry_run: bool, language: str | None):
    """Import a Moodle GIFT, Aiken or Moodle XML FILE into a course folder as a question bank.

    Prints every question that comes in and every one reported (line, name, why), then writes
    questions/imported-<file name>.yml into the course's folder (unless --dry-run). Exits with
    status 1 when nothing could be imported.
    """
    from .item_tables import QUESTION_TYPE_LABELS
    from .services import question_files

    with force_locale(_messages_language(language)):
        root = Path(current_app.config["CONTENT_COURSES_DIR"])
        folder = question_files.course_folder(root, course_id)
        if folder is None:
            click.echo(_("No course with the id %(id)s has a folder in %(root)s (a course written in the browser "
                         "takes questions on its draft page).", id=course_id, root=root), err=True)
            raise SystemExit(1)
        try:
            plan = question_files.plan_import(authoring_files(folder), file.read_bytes(), file.name, fmt)
        except question_files.QuestionFileError as error:
            where = _("line %(line)d: ", line=error.line) if error.line else ""
            click.echo(_("%(file)s cannot be read: %(reason)s.", file=file.name, reason=where + translate(error.message)),
                       err=True)
            raise SystemExit(1) from None
        for item in plan.result.imported:
            click.echo(_("imported  line %(line)d: %(id)s (%(type)s) %(name)s", line=item.line, id=item.question.id,
                         type=str(QUESTION_TYPE_LABELS[item.question.type]), name=item.name))
            for note in item.notes:
                click.echo("          " + _("note: %(note)s", note=translate(note)))
        for item in plan.result.reported:
            kind = f" ({translate(item.type_label)})" if item.moodle_type else ""
            click.echo(_("reported  line %(line)s: %(name)s%(type)s: %(reason)s", line=item.line or "?",
                         name=item.name or "—", type=kind, reason=translate(item.reason)), err=True)
        imported, reported = len(plan.result.imported), len(plan.result.reported)
        counts = (ngettext("%(num)d question comes in", "%(num)d questions come in", imported) + ", "
                  + ngettext("%(num)d is reported", "%(num)d are reported", reported))
        if not imported:
            click.echo(_("Nothing was imported (%(counts)s).", counts=counts), err=True)
            raise SystemExit(1)
        target = folder / plan.path
        if dry_run:
            click.echo(_("Dry run: %(counts)s; nothing was written (it would go to %(path)s).", counts=counts,
                         path=target))
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(plan.text, encoding="utf-8")
        click.echo(_("Wrote %(path)s: %(counts)s. Use the bank from a lesson's check or a test in course.yml, then "
                     "run flask content check.", path=target, counts=counts))


@questions.command("export")
@click.option("--course", "course_id", required=True, help="The course's id.")
@click.option("--format", "fmt", type=click.Choice(["gift", "xml"]), required=True, help="Moodle GIFT or Moodle XML.")
@click.option("--bank", help="One bank file of the course, e.g. questions/post-test.yml (default: every bank).")
@click.option("--lang", "language", help=LANG_HELP)
def questions_export(course_id: str, fmt: str, bank: str | None, language: str | None):
    """Print a course's question banks (its current version) as Moodle GIFT or Moodle XML."""
    from sqlalchemy import select

    from .models import Course
    from .services import course_authoring, question_files

    with force_locale(_messages_language(language)):
        course = db.session.scalar(select(Course).where(Course.slug == course_id))
        files = course_authoring.course_files(course) if course is not None else None
        if files is None:
            folder = question_files.course_folder(Path(current_app.config["CONTENT_COURSES_DIR"]), course_id)
            files = authoring_files(folder) if folder is not None else None
        if files is None:
            click.echo(_("There is no course with the id %(id)s.", id=course_id), err=True)
            raise SystemExit(1)
        try:
            export = question_files.export_banks(files, course_id, fmt, bank)
        except LookupError:
            click.echo(_("The course %(id)s has no question bank %(bank)s (its banks: %(banks)s).", id=course_id,
                         bank=bank or "", banks=", ".join(question_files.bank_paths(files)) or "—"), err=True)
            raise SystemExit(1) from None
        click.echo(export.text, nl=False)
        for note in export.notes:
            click.echo(_("not kept: %(note)s", note=translate(note)), err=True)
        for line in export.left_out:
            click.echo(_("left out: %(problem)s", problem=line), err=True)


def authoring_files(folder: Path) -> dict[str, str]:
    """The text files of a course folder on disk, as drafts hold them."""
    from .services.course_authoring import read_folder

    return read_folder(folder)


@click.command("setup")
@with_appcontext
def setup_command():
    """Migrate the database, load content and create demo accounts."""
    for line in prepare_platform(os.environ.get("TRAINER_DEMO_PASSWORD")):
        click.echo(line)


users = AppGroup("users", help="Manage accounts.")


@users.command("create")
@click.option("--email", help="The account's email address (or give --username, or both).")
@click.option("--username", help="For an officer without an email address, who logs in with it.")
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice(ROLES), default="trainee", show_default=True)
@click.option("--password", help="Generated and printed when omitted.")
def users_create(email: str | None, username: str | None, full_name: str, role: str, password: str | None):
    """Create an account."""
    if not email and not username:
        raise click.UsageError("give --email, --username or both")
    if email:
        try:
            email = normalise_email(email)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--email") from error
        if user_by_email(email) is not None:
            raise click.ClickException(f"{email} already has an account")
    if username:
        try:
            username = normalise_username(username)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--username") from error
        if user_by_username(username) is not None:
            raise click.ClickException(f"the username {username} already belongs to an account")
    if password is not None:
        personal = (email or "", username or "", full_name)
        problems = password_problems(password, current_app.config["PASSWORD_MIN_LENGTH"], personal)
        if TOO_SHORT in problems:
            raise click.BadParameter(f"use at least {current_app.config['PASSWORD_MIN_LENGTH']} characters",
                                     param_hint="--password")
        if problems:
            raise click.BadParameter("too easy to guess (a common password, a name, a date, a keyboard pattern or "
                                     "your own details); a few unrelated words work well", param_hint="--password")
    chosen = password or services.new_password()
    user = services.create_user(email, full_name, chosen, role=role, username=username)
    db.session.flush()
    record_audit("user.created", None, user, role=role, by="command line")
    db.session.commit()
    click.echo(f"Created {role} {user.login_name}" + ("" if password else f" with password {chosen}"))


@users.command("reset-password")
@click.argument("login")
def users_reset_password(login: str):
    """Give an account (named by email or username) a new random password and print it."""
    user = user_by_login(login)
    if user is None:
        raise click.ClickException(f"no account has the email or username {login}")
    password = services.new_password()
    user.set_password(password)
    user.end_all_sessions()
    record_audit("password.reset", None, user, by="command line")
    db.session.commit()
    click.echo(f"New password for {user.login_name}: {password}")


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


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time (threads).")
@click.option("--burst", is_flag=True, help="Run the jobs queued now, then stop (for cron and tests).")
@with_appcontext
def worker_command(workers: int, burst: bool):
    """Run background jobs (large exports, learning records to an LRS) until stopped with Ctrl+C.

    Not needed with `python run.py`, which runs one itself; start it beside gunicorn in production.
    """
    from .jobs import consumer_for, run_queued_jobs

    if burst:
        click.echo(f"{run_queued_jobs(current_app._get_current_object())} job(s) run")
        return
    consumer_for(current_app._get_current_object(), workers).run()
