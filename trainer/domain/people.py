"""Codes for people and agencies (roles, genders, languages, countries), usernames, and the
users files that administrators and trainers upload: ours, or Moodle's upload-users files.

Codes are what the database and CSV files hold; the labels people read are translated in
`trainer/choices.py`, outside the domain.
"""
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from .messages import N_, Message, msg
from .tabular import RowProblem, Table, UnreadableFile, read_csv_text, read_table

ROLES = ("trainee", "trainer", "manager", "admin")
GENDERS = ("female", "male", "prefer_not_to_say")
LANGUAGES = ("en", "ru")

# ISO 3166-1 alpha-2 codes of the countries this programme works with (CARICC members
# and Afghanistan, whose officers join regional courses).
COUNTRIES = ("KG", "TJ", "UZ", "KZ", "TM", "AZ", "RU", "AF")


MAX_NAME = 200  # characters of a full name
MAX_USERNAME = 100
# Our columns. A file names each person by email or username (or both) and full_name (or
# Moodle's firstname and lastname); the rest is optional.
OUR_COLUMNS = ("email", "username", "full_name", "role", "agency", "country", "rank", "gender", "language",
               "password")
# Each field of an account and the columns that may hold it: ours first, then the names of
# Moodle's upload-users files ("Site administration > Users > Upload users"), whose custom
# profile fields come as profile_field_<shortname>. A row's value is the first filled one.
FIELD_COLUMNS = {
    "email": ("email",),
    "username": ("username",),
    "full_name": ("full_name",),
    "role": ("role",),
    "agency": ("agency", "profile_field_agency", "profile_field_organisation", "profile_field_organization"),
    "country": ("country", "profile_field_country"),
    "rank": ("rank", "profile_field_rank", "profile_field_position"),
    "gender": ("gender", "profile_field_gender", "profile_field_sex"),
    "language": ("language", "lang"),
    "password": ("password",),
    "auth": ("auth",),
    "suspended": ("suspended",),
    "deleted": ("deleted",),
}
NAME_COLUMNS = ("firstname", "middlename", "lastname")  # Moodle's, joined into the full name
COHORT_COLUMN = re.compile(r"cohort[0-9]+")  # Moodle's cohort1, cohort2...: cohorts to enrol in, by name
PROFILE_FIELD = "profile_field_"
KNOWN_PROFILE_FIELDS = tuple(column for columns in FIELD_COLUMNS.values() for column in columns
                             if column.startswith(PROFILE_FIELD))
# Moodle's sign-in methods ("auth") an account here can stand for: a password of its own, or
# none at all (nologin: the account is made but cannot log in, like a suspended one).
AUTH_WITH_PASSWORD = ("manual", "email")
AUTH_NO_LOGIN = "nologin"
YES = ("1", "yes", "true", "y")
NO = ("0", "no", "false", "n")
USERNAME = re.compile(r"[^\W_][\w.\-]*")  # letters of any script, digits, . _ -; never an "@"
GENDER_ALIASES = {
    "f": "female", "female": "female", "woman": "female",
    "m": "male", "male": "male", "man": "male",
    "prefer not to say": "prefer_not_to_say", "prefer_not_to_say": "prefer_not_to_say",
}


@dataclass(frozen=True)
class UserRow:
    """One person to create or enrol, as read from an import file."""

    line: int
    email: str | None
    full_name: str
    role: str = "trainee"
    agency: str = ""
    country: str | None = None
    rank: str = ""
    gender: str | None = None
    language: str = "en"
    username: str | None = None
    password: str = field(default="", repr=False)  # from the file; empty: one is generated
    active: bool = True  # False for Moodle's auth "nologin" or suspended 1
    cohorts: tuple[tuple[str, str], ...] = ()  # (column, cohort name): Moodle's cohort1, cohort2...
    columns: tuple[tuple[str, str], ...] = field(default=(), compare=False, repr=False)  # field -> file column

    def column(self, name: str) -> str:
        """The file's column a field was read from (for a problem found later), else its name."""
        return dict(self.columns).get(name, name)

    @property
    def login_name(self) -> str:
        """The email, else the username: what the person logs in with."""
        return self.email or self.username or ""


@dataclass(frozen=True)
class UserFile:
    """A users file read: its rows, every problem, and the columns it has that nothing keeps."""

    rows: tuple[UserRow, ...]
    problems: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...] = ()
    cohort_columns: tuple[str, ...] = ()


# What email_validator says about the commonest mistakes, marked for translation: its exact
# sentences are the message ids, so English reads as the library wrote it. Anything else it
# says is shown as it is (in English).
EMAIL_REASONS = {text: text for text in (
    N_("An email address must have an @-sign."),
    N_("There must be something before the @-sign."),
    N_("There must be something after the @-sign."),
    N_("There can't be anything after the email address."),
    N_("An email address cannot have two periods in a row."),
    N_("An email address cannot start with a period."),
    N_("An email address cannot have a period immediately before the @-sign."),
    N_("An email address cannot have a period and a hyphen next to each other."),
    N_("An email address cannot have a hyphen immediately after the @-sign."),
    N_("The email address contains an invalid character."),
    N_("The email address contains invalid characters before the @-sign."),
    N_("The part after the @-sign is not valid. It should have a period."),
    N_("The part after the @-sign is not valid. It is not within a valid top-level domain."),
    N_("The part after the @-sign is a special-use or reserved name that cannot be used with email."),
)}
EMAIL_REASON_WITH_CHARACTERS = {prefix: text for prefix, text in (
    ("The email address contains invalid characters before the @-sign: ",
     N_("The email address contains invalid characters before the @-sign: %(characters)s.")),
    ("The part after the @-sign contains invalid characters: ",
     N_("The part after the @-sign contains invalid characters: %(characters)s.")),
    ("The email address contains unsafe characters: ",
     N_("The email address contains unsafe characters: %(characters)s.")),
)}


def email_reason(text: str) -> str:
    """email_validator's explanation as a message where it is one of the marked sentences."""
    if text in EMAIL_REASONS:
        return Message(EMAIL_REASONS[text])
    for prefix, message in EMAIL_REASON_WITH_CHARACTERS.items():
        if text.startswith(prefix) and text.endswith("."):
            return msg(message, characters=text[len(prefix):-1])
    return text


def normalise_email(raw: str) -> str:
    """Check an address's form and return it lower-cased; raises ValueError if malformed, its
    argument the reason (a Message when it is translatable)."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(email_reason(str(error))) from error
    return checked.normalized.lower()


def normalise_username(raw: str) -> str:
    """A username as stored: lower-case, checked; raises ValueError (its argument a Message) when
    it is not one. Letters of any script, digits, dots, hyphens and underscores, and no "@", so a
    login with an "@" is always an email."""
    value = raw.strip().lower()
    if len(value) > MAX_USERNAME:
        raise ValueError(msg(N_("is longer than %(max)d characters"), max=MAX_USERNAME))
    if not USERNAME.fullmatch(value):
        raise ValueError(msg(N_("'%(value)s' is not a valid username: use letters, digits, dots, hyphens and "
                                "underscores, starting with a letter or digit, with no spaces and no @"),
                             value=raw.strip()))
    return value


def parse_user_file(data: bytes, filename: str = "") -> tuple[list[UserRow], list[RowProblem]]:
    """Read an uploaded users file (CSV in UTF-8 or cp1251, or XLSX), returning every row and
    every problem found; raises UnreadableFile when it is not a table at all."""
    users = read_user_file(data, filename)
    return list(users.rows), list(users.problems)


def read_user_file(data: bytes, filename: str = "", languages: tuple[str, ...] = LANGUAGES) -> UserFile:
    """Read an uploaded users file (ours or Moodle's upload-users; CSV in UTF-8 with or without
    BOM or cp1251, or XLSX); raises UnreadableFile when it is not a table at all. `languages`:
    the interface languages a row's language may be."""
    return read_users(read_table(data, filename), languages)


def parse_user_csv(text: str) -> tuple[list[UserRow], list[RowProblem]]:
    """Read users CSV text, returning every row and every problem found (not only the first)."""
    try:
        table = read_csv_text(text)
    except UnreadableFile:  # an empty file: no rows, nothing wrong with any of them
        return [], []
    return parse_user_table(table)


def parse_user_table(table: Table) -> tuple[list[UserRow], list[RowProblem]]:
    """Users from an uploaded table: each row checked, every problem collected with its line."""
    users = read_users(table)
    return list(users.rows), list(users.problems)


def read_users(table: Table, languages: tuple[str, ...] = LANGUAGES) -> UserFile:
    """Users from an uploaded table in our columns or Moodle's: each row checked, every problem
    collected with its line and column; columns nothing keeps are listed, except Moodle profile
    fields the platform has no place for, which are problems (their data would be lost)."""
    header = [name.strip().lower() for name in table.header]
    if not header and table.problems:
        return UserFile((), tuple(table.problems))  # not even the header could be read: say why
    present = set(header)
    problems: list[RowProblem] = []
    expected = ", ".join(OUR_COLUMNS)
    if "email" not in present and "username" not in present:
        problems.append(RowProblem(1, "email", msg(N_("required column is missing: a file names each person by "
                                                      "email or username, or both (expected columns: %(expected)s)"),
                                                   expected=expected)))
    if "full_name" not in present and not present & {"firstname", "lastname"}:
        problems.append(RowProblem(1, "full_name", msg(N_("required column is missing: full_name, or Moodle's "
                                                          "firstname and lastname (expected columns: %(expected)s)"),
                                                       expected=expected)))
    for column in header:
        if column.startswith(PROFILE_FIELD) and column not in KNOWN_PROFILE_FIELDS:
            problems.append(RowProblem(1, column, msg(N_("the platform has no profile field '%(field)s' and would "
                                                         "lose it: rename the column to one of %(known)s, or remove "
                                                         "it"), field=column[len(PROFILE_FIELD):],
                                                      known=", ".join(KNOWN_PROFILE_FIELDS))))
    if problems:
        return UserFile((), tuple(problems))
    used = {column for columns in FIELD_COLUMNS.values() for column in columns} | set(NAME_COLUMNS)
    cohort_columns = tuple(dict.fromkeys(column for column in header if COHORT_COLUMN.fullmatch(column)))
    ignored = tuple(dict.fromkeys(column for column in header
                                  if column and column not in used and column not in cohort_columns))
    rows: list[UserRow] = []
    problems = list(table.problems)
    first_line: dict[tuple[str, str], int] = {}
    for line, values in table.rows:
        cells: dict[str, str] = {}
        for name, value in zip(header, values):
            cells.setdefault(name, value.strip())  # a repeated column: the first one counts
        row, row_problems = _parse_row(line, cells, present, cohort_columns, languages)
        problems.extend(row_problems)
        if row is None:
            continue
        duplicate = False
        for key, value in (("email", row.email), ("username", row.username)):
            if value is None:
                continue
            if (key, value) in first_line:
                message = (N_("%(email)s appears twice in the file (first on line %(line)d)") if key == "email"
                           else N_("the username %(email)s appears twice in the file (first on line %(line)d)"))
                problems.append(RowProblem(line, row.column(key), msg(message, email=value,
                                                                      line=first_line[(key, value)])))
                duplicate = True
        if duplicate:
            continue
        for key, value in (("email", row.email), ("username", row.username)):
            if value is not None:
                first_line[(key, value)] = line
        rows.append(row)
    if not rows and not problems:  # read as "0 accounts created", the administrator looked for them
        problems.append(RowProblem(2, header[0], msg(N_("the file names its columns but nobody under them: write "
                                                        "one person per line"))))
    problems.sort(key=lambda problem: problem.line)
    return UserFile(tuple(rows), tuple(problems), ignored, cohort_columns)


def _language(raw: str, languages: tuple[str, ...]) -> str | None:
    """An interface language from our code or Moodle's (ru, en, en_us, ru-RU), or None."""
    code = raw.lower().replace("-", "_")
    if code in languages:
        return code
    base = code.split("_", 1)[0]
    return base if base in languages else None


def _parse_row(line: int, cells: dict[str, str], present: set[str], cohort_columns: tuple[str, ...],
               languages: tuple[str, ...]) -> tuple[UserRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []
    columns: dict[str, str] = {}

    def value(name: str) -> str:
        """The field's first filled column (remembered, for problems named later)."""
        candidates = [column for column in FIELD_COLUMNS[name] if column in present]
        for column in candidates:
            if cells.get(column, ""):
                columns[name] = column
                return cells[column]
        columns[name] = candidates[0] if candidates else name
        return ""

    def problem(name: str, message: Message) -> None:
        problems.append(RowProblem(line, columns.get(name, name), message))

    raw_email, raw_username = value("email"), value("username")
    email = None
    if raw_email:
        try:
            email = normalise_email(raw_email)
        except ValueError as error:
            problem("email", msg(N_("'%(value)s' is not a valid email address (%(reason)s)"),
                                 value=raw_email, reason=error.args[0] if error.args else str(error)))
    username = None
    if raw_username:
        if "@" in raw_username and raw_username.strip().lower() == (email or raw_email.lower()):
            pass  # Moodle sites often use the email as username: the person logs in with the email
        else:
            try:
                username = normalise_username(raw_username)
            except ValueError as error:
                problem("username", error.args[0])
    if not raw_email and not raw_username:
        problem("email" if "email" in present else "username",
                msg(N_("is empty: each person needs an email address or a username")))

    full_name = value("full_name")
    if not full_name and present & set(NAME_COLUMNS):
        full_name = " ".join(cells[column] for column in NAME_COLUMNS if cells.get(column, ""))
        if "full_name" not in present:
            columns["full_name"] = "firstname" if "firstname" in present else "lastname"
    if not full_name:
        problem("full_name", msg(N_("is empty")))
    elif len(full_name) > MAX_NAME:
        problem("full_name", msg(N_("is longer than %(max)d characters"), max=MAX_NAME))

    role = value("role").lower() or "trainee"
    if role not in ROLES:
        problem("role", msg(N_("'%(value)s' is not a role (expected one of %(allowed)s)"),
                            value=role, allowed=", ".join(ROLES)))
    country = value("country").upper() or None
    if country is not None and country not in COUNTRIES:
        problem("country", msg(N_("'%(value)s' is not a known country code (expected one of %(allowed)s)"),
                               value=country, allowed=", ".join(COUNTRIES)))
    raw_gender = value("gender").lower()
    gender = GENDER_ALIASES.get(raw_gender) if raw_gender else None
    if raw_gender and gender is None:
        problem("gender", msg(N_("'%(value)s' is not understood (expected female, male, prefer_not_to_say or empty)"),
                              value=raw_gender))
    raw_language = value("language")
    language = _language(raw_language, languages) if raw_language else "en"
    if language is None:
        problem("language", msg(N_("'%(value)s' is not supported (expected %(allowed)s)"),
                                value=raw_language.lower(), allowed=", ".join(languages)))

    active = True
    auth = value("auth").lower()
    if auth == AUTH_NO_LOGIN:
        active = False
    elif auth and auth not in AUTH_WITH_PASSWORD:
        problem("auth", msg(N_("'%(value)s': this platform has no such sign-in method (expected manual or "
                               "nologin; accounts here log in with a password)"), value=auth))
    suspended = value("suspended").lower()
    if suspended in YES:
        active = False
    elif suspended and suspended not in NO:
        problem("suspended", msg(N_("'%(value)s' is not understood (expected 1 or 0)"), value=suspended))
    deleted = value("deleted").lower()
    if deleted in YES:
        problem("deleted", msg(N_("an import adds people and never deletes an account: remove this row")))
    elif deleted and deleted not in NO:
        problem("deleted", msg(N_("'%(value)s' is not understood (expected 1 or 0)"), value=deleted))

    cohorts: dict[str, tuple[str, str]] = {}
    for column in cohort_columns:
        name = cells.get(column, "")
        if name:
            cohorts.setdefault(name.lower(), (column, name))  # the same cohort twice: once

    if problems:
        return None, problems
    return UserRow(line=line, email=email, full_name=full_name, role=role,
                   agency=value("agency"), country=country, rank=value("rank"), gender=gender,
                   language=language, username=username, password=value("password"), active=active,
                   cohorts=tuple(cohorts.values()), columns=tuple(columns.items())), []
