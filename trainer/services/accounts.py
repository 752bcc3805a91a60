"""Account use cases: logins, users, bulk import, first-run demo data."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select, text
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.messages import N_, msg
from ..domain.passwords import TOO_SHORT, password_problems
from ..domain.people import RowProblem, UserRow
from ..extensions import db
from ..models import Agency, Cohort, User, user_by_email, user_by_login, user_by_username, utcnow

DEMO_AGENCIES = (
    ("Ministry of Internal Affairs of the Kyrgyz Republic", "MIA KG", "KG"),
    ("State Border Guards Service of the Kyrgyz Republic", "SBGS KG", "KG"),
    ("Drug Control Agency of Tajikistan", "DCA TJ", "TJ"),
    ("National Information-Analytical Centre on Drug Control of Uzbekistan", "NIAC UZ", "UZ"),
)
DEMO_ACCOUNTS = (
    ("trainee@example.org", "Demo Trainee", "trainee", "MIA KG"),
    ("trainer@example.org", "Demo Trainer", "trainer", None),
    ("manager@example.org", "Demo Programme Manager", "manager", None),
    ("admin@example.org", "Demo Administrator", "admin", None),
)


def new_password() -> str:
    """A random password a person can type: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


# --- accounts ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    error: str | None  # "invalid" or "inactive"


def authenticate(login: str, password: str) -> LoginOutcome:
    """Check credentials (an e-mail address or a username, and a password); an unknown account
    and a wrong password look the same to the caller.

    They also take the same time: an unknown email or username is checked against a dummy
    hash, so the answer's timing does not tell an attacker which accounts exist.
    """
    user = user_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return LoginOutcome(None, "invalid")
    if not user.check_password(password):
        return LoginOutcome(None, "invalid")
    if not user.active:
        return LoginOutcome(None, "inactive")
    user.last_login_at = utcnow()
    return LoginOutcome(user, None)


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the configured method, for checks that must cost as much as a real one."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _DUMMY_HASHES[method]


def create_user(email: str | None, full_name: str, password: str, role: str = "trainee",
                username: str | None = None, **fields) -> User:
    """Add a user with a hashed password to the session (the caller commits). Email and username
    are stored lower-case; either may be None, not both."""
    user = User(email=(email or "").strip().lower() or None, username=(username or "").strip().lower() or None,
                full_name=full_name.strip(), role=role, **fields)
    user.set_password(password)
    db.session.add(user)
    return user


def email_taken(email: str, except_user: User | None = None) -> bool:
    """True when another account already uses this email."""
    existing = user_by_email(email)
    return existing is not None and existing is not except_user


def username_taken(username: str, except_user: User | None = None) -> bool:
    """True when another account already uses this username (in any case)."""
    existing = user_by_username(username)
    return existing is not None and existing is not except_user


def active_admin_count() -> int:
    """How many active administrators there are."""
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active)
    )


def would_remove_last_admin(user: User, new_role: str, new_active: bool) -> bool:
    """True when the change leaves the platform with no active administrator."""
    losing_admin = user.role == "admin" and user.active and (new_role != "admin" or not new_active)
    return losing_admin and active_admin_count() <= 1


# --- bulk import --------------------------------------------------------------------------

@dataclass
class ImportResult:
    # user, and the one-time password generated for them (None: the file gave the password)
    created: list[tuple[User, str | None]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    enrolled: list[tuple[Cohort, int]] = field(default_factory=list)  # cohorts named in the file, people added


def agency_by_name(name: str) -> Agency | None:
    """Find an agency by its full or short name, case-insensitively."""
    wanted = name.strip().lower()
    return db.session.scalar(
        select(Agency).where(
            (func.lower(Agency.name) == wanted) | (func.lower(Agency.short_name) == wanted)
        )
    )


def import_users(rows: list[UserRow], problems: list[RowProblem]) -> ImportResult:
    """Create every row's account, or none of them if any row has a problem."""
    result = ImportResult(problems=list(problems))
    agencies: dict[int, Agency | None] = {}
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    for row in rows:
        if row.email and user_by_email(row.email) is not None:
            result.problems.append(RowProblem(row.line, row.column("email"),
                                              msg(N_("%(email)s already has an account"), email=row.email)))
        if row.username and user_by_username(row.username) is not None:
            result.problems.append(RowProblem(row.line, row.column("username"),
                                              msg(N_("the username %(username)s already belongs to an account"),
                                                  username=row.username)))
        if row.agency:
            agencies[row.line] = agency_by_name(row.agency)
            if agencies[row.line] is None:
                result.problems.append(RowProblem(
                    row.line, row.column("agency"),
                    msg(N_("no agency is called '%(agency)s' (add it first under Agencies)"), agency=row.agency)))
        if row.password:  # never repeated in a message: others may read the page
            weak = password_problems(row.password, minimum, (row.email or "", row.username or "", row.full_name))
            if TOO_SHORT in weak:
                result.problems.append(RowProblem(row.line, row.column("password"), msg(
                    N_("the password is shorter than %(min)d characters; leave the cell empty and a password is "
                       "generated"), min=minimum)))
            elif weak:
                result.problems.append(RowProblem(row.line, row.column("password"), msg(
                    N_("the password is too easy to guess; leave the cell empty and a password is generated"))))
    if result.problems:
        result.problems.sort(key=lambda problem: problem.line)
        return result
    for row in rows:
        agency = agencies.get(row.line)
        password = row.password or new_password()
        user = create_user(
            row.email, row.full_name, password, role=row.role, username=row.username, agency=agency,
            country=row.country or (agency.country if agency else None),
            rank=row.rank, gender=row.gender, language=row.language, active=row.active,
        )
        result.created.append((user, None if row.password else password))
    return result


# --- first run ------------------------------------------------------------------------------

def ensure_demo_agencies() -> None:
    """Create the demo agencies that do not exist yet."""
    for name, short_name, country in DEMO_AGENCIES:
        if agency_by_name(name) is None:
            db.session.add(Agency(name=name, short_name=short_name, country=country))
    db.session.flush()


def ensure_demo_accounts(password: str | None = None) -> list[tuple[str, str, str]]:
    """Create missing demo accounts; return (email, role, password) for those just made."""
    ensure_demo_agencies()
    created = []
    for email, full_name, role, agency_short_name in DEMO_ACCOUNTS:
        if user_by_email(email) is not None:
            continue
        agency = agency_by_name(agency_short_name) if agency_short_name else None
        account_password = password or new_password()
        create_user(email, full_name, account_password, role=role, agency=agency,
                    country=agency.country if agency else None)
        created.append((email, role, account_password))
    return created


def database_is_reachable() -> bool:
    """True when a trivial query succeeds."""
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:  # any driver error means "not reachable" to a load balancer
        db.session.rollback()
        return False
