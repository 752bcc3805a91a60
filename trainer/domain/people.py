"""Codes for people and agencies: roles, genders, languages, countries.

Codes are what the database and CSV files hold; the labels people read are translated in
`trainer/choices.py`, outside the domain.
"""
from dataclasses import dataclass

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
        return [], [RowProblem(1, column, msg(N_("required column is missing (expected columns: %(expected)s)"),
                                              expected=expected))
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
            problems.append(RowProblem(line, "email", msg(N_("%(email)s appears twice in the file (first on line %(line)d)"),
                                                          email=row.email, line=first_line_of_email[row.email])))
            continue
        first_line_of_email[row.email] = line
        rows.append(row)
    problems.sort(key=lambda problem: problem.line)
    return rows, problems


def _parse_row(line: int, cells: dict[str, str]) -> tuple[UserRow | None, list[RowProblem]]:
    problems: list[RowProblem] = []

    def problem(column: str, message: Message) -> None:
        problems.append(RowProblem(line, column, message))

    email = ""
    try:
        email = normalise_email(cells.get("email", ""))
    except ValueError as error:
        problem("email", msg(N_("'%(value)s' is not a valid email address (%(reason)s)"),
                             value=cells.get("email", ""), reason=error.args[0] if error.args else str(error)))
    full_name = cells.get("full_name", "")
    if not full_name:
        problem("full_name", msg(N_("is empty")))
    elif len(full_name) > MAX_NAME:
        problem("full_name", msg(N_("is longer than %(max)d characters"), max=MAX_NAME))
    role = cells.get("role", "").lower() or "trainee"
    if role not in ROLES:
        problem("role", msg(N_("'%(value)s' is not a role (expected one of %(allowed)s)"),
                            value=role, allowed=", ".join(ROLES)))
    country = cells.get("country", "").upper() or None
    if country is not None and country not in COUNTRIES:
        problem("country", msg(N_("'%(value)s' is not a known country code (expected one of %(allowed)s)"),
                               value=country, allowed=", ".join(COUNTRIES)))
    raw_gender = cells.get("gender", "").lower()
    gender = GENDER_ALIASES.get(raw_gender) if raw_gender else None
    if raw_gender and gender is None:
        problem("gender", msg(N_("'%(value)s' is not understood (expected female, male, prefer_not_to_say or empty)"),
                              value=raw_gender))
    language = cells.get("language", "").lower() or "en"
    if language not in LANGUAGES:
        problem("language", msg(N_("'%(value)s' is not supported (expected %(allowed)s)"),
                                value=language, allowed=", ".join(LANGUAGES)))
    if problems:
        return None, problems
    return UserRow(line=line, email=email, full_name=full_name, role=role,
                   agency=cells.get("agency", ""), country=country,
                   rank=cells.get("rank", ""), gender=gender, language=language), []
