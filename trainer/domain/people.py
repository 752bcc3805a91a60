"""Codes for people and agencies: roles, genders, languages, countries.

Codes are what the database and CSV files hold; the labels people read are translated in
`trainer/choices.py`, outside the domain.
"""
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from .tabular import RowProblem, Table, UnreadableFile, read_csv_text, read_table

ROLES = ("trainee", "trainer", "manager", "admin")
GENDERS = ("female", "male", "prefer_not_to_say")
LANGUAGES = ("en", "ru")

# ISO 3166-1 alpha-2 codes of the countries this programme works with (CARICC members
# and Afghanistan, whose officers join regional courses).
COUNTRIES = ("KG", "TJ", "UZ", "KZ", "TM", "AZ", "RU", "AF")


REQUIRED_COLUMNS = ("email", "full_name")
OPTIONAL_COLUMNS = ("role", "agency", "country", "rank", "gender", "language")
GENDER_ALIASES = {
    "f": "female", "female": "female", "woman": "female",
    "m": "male", "male": "male", "man": "male",
    "prefer not to say": "prefer_not_to_say", "prefer_not_to_say": "prefer_not_to_say",
}


@dataclass(frozen=True)
class UserRow:
    """One person to create, as read from an import file."""

    line: int
    email: str
    full_name: str
    role: str = "trainee"
    agency: str = ""
    country: str | None = None
    rank: str = ""
    gender: str | None = None
    language: str = "en"


def normalise_email(raw: str) -> str:
    """Check an address's form and return it lower-cased; raises ValueError if malformed."""
    try:
        checked = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error
    return checked.normalized.lower()


def parse_user_file(data: bytes, filename: str = "") -> tuple[list[UserRow], list[RowProblem]]:
    """Read an uploaded users file (CSV in UTF-8 or cp1251, or XLSX), returning every row and
    every problem found; raises UnreadableFile when it is not a table at all."""
    return parse_user_table(read_table(data, filename))


def parse_user_csv(text: str) -> tuple[list[UserRow], list[RowProblem]]:
    """Read users CSV text, returning every row and every problem found (not only the first)."""
    try:
        table = read_csv_text(text)
    except UnreadableFile:  # an empty file: no rows, nothing wrong with any of them
        return [], []
    return parse_user_table(table)


def parse_user_table(table: Table) -> tuple[list[UserRow], list[RowProblem]]:
    """Users from an uploaded table: each row checked, every problem collected with its line."""
    header = [name.strip().lower() for name in table.header]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing and not header and table.problems:
        return [], list(table.problems)  # not even the header could be read: say why
    if missing:
        expected = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        return [], [RowProblem(1, column, f"required column is missing (expected columns: {expected})")
                    for column in missing]
    rows: list[UserRow] = []
    problems: list[RowProblem] = list(table.problems)
    first_line_of_email: dict[str, int] = {}
    for line, values in table.rows:
        cells: dict[str, str] = {}
        for name, value in zip(header, values):
            cells.setdefault(name, value.strip())  # a repeated column: the first one counts
        row, row_problems = _parse_row(line, cells)
        problems.extend(row_problems)
        if row is None:
            continue
        if row.email in first_line_of_email:
            problems.append(RowProblem(line, "email", f"{row.email} appears twice in the file "
                                       f"(first on line {first_line_of_email[row.email]})"))
            continue
        first_line_of_email[row.email] = line
        rows.append(row)
    problems.sort(key=lambda problem: problem.line)
    return rows, problems


def _parse_row(line: int, cells: dict[str, str]) -> tuple[UserRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def problem(column: str, message: str) -> None:
        problems.append(RowProblem(line, column, message))

    email = ""
    try:
        email = normalise_email(cells.get("email", ""))
    except ValueError as error:
        problem("email", f"'{cells.get('email', '')}' is not a valid email address ({error})")
    full_name = cells.get("full_name", "")
    if not full_name:
        problem("full_name", "is empty")
    elif len(full_name) > 200:
        problem("full_name", "is longer than 200 characters")
    role = cells.get("role", "").lower() or "trainee"
    if role not in ROLES:
        problem("role", f"'{role}' is not a role (expected one of {', '.join(ROLES)})")
    country = cells.get("country", "").upper() or None
    if country is not None and country not in COUNTRIES:
        problem("country", f"'{country}' is not a known country code "
                f"(expected one of {', '.join(COUNTRIES)})")
    raw_gender = cells.get("gender", "").lower()
    gender = GENDER_ALIASES.get(raw_gender) if raw_gender else None
    if raw_gender and gender is None:
        problem("gender", f"'{raw_gender}' is not understood "
                "(expected female, male, prefer_not_to_say or empty)")
    language = cells.get("language", "").lower() or "en"
    if language not in LANGUAGES:
        problem("language", f"'{language}' is not supported (expected {', '.join(LANGUAGES)})")
    if problems:
        return None, problems
    return UserRow(line=line, email=email, full_name=full_name, role=role,
                   agency=cells.get("agency", ""), country=country,
                   rank=cells.get("rank", ""), gender=gender, language=language), []
