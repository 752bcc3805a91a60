"""Reading a users file (CSV or XLSX): every problem found, with line and column."""
import io
import time
import zipfile
from datetime import date

import openpyxl
import pytest

from trainer.domain.people import UnreadableFile, parse_user_csv, parse_user_file
from trainer.domain.tabular import read_table


def test_valid_rows_are_normalised():
    rows, problems = parse_user_csv("Email,Full_Name,Gender,Country,Role\nA.B@Example.org, Aida Bek ,F,kg,\n")
    assert problems == []
    assert (rows[0].email, rows[0].full_name, rows[0].gender, rows[0].country, rows[0].role, rows[0].line) == (
        "a.b@example.org", "Aida Bek", "female", "KG", "trainee", 2)


def test_every_problem_in_a_row_is_reported():
    rows, problems = parse_user_csv("email,full_name,role,language\nbad,,boss,fr\n")
    assert rows == []
    assert {(p.line, p.column) for p in problems} == {(2, "email"), (2, "full_name"), (2, "role"), (2, "language")}


def test_duplicate_in_the_file_names_the_first_line():
    rows, problems = parse_user_csv("email,full_name\nx@example.org,A\nX@example.org,B\n")
    assert len(rows) == 1
    assert str(problems[0]) == "line 3, email: x@example.org appears twice in the file (first on line 2)"


def test_blank_lines_are_ignored_and_missing_columns_reported():
    rows, problems = parse_user_csv("email,full_name\n\nx@example.org,Aida Bek\n,\n")
    assert [row.email for row in rows] == ["x@example.org"] and problems == []
    rows, problems = parse_user_csv("mail\nx@example.org\n")
    assert [p.column for p in problems] == ["email", "full_name"]


# -- real files: encodings, Excel's quoting, workbooks, garbage (issue 9, item 10) ---------------

NAMES_RU = "email,full_name\nrustam@example.org,Рустам Назаров\nnurgul@example.org,Нургуль Абдыкадырова\n"


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def names(data: bytes, filename: str = "officers.csv") -> list[str]:
    rows, problems = parse_user_file(data, filename)
    assert problems == []
    return [row.full_name for row in rows]


@pytest.mark.parametrize("encoded", [
    NAMES_RU.encode("utf-8"),
    b"\xef\xbb\xbf" + NAMES_RU.encode("utf-8"),  # Excel's "CSV UTF-8"
    NAMES_RU.encode("cp1251"),                   # Russian Excel's plain "CSV"
    NAMES_RU.encode("utf-16"),                   # Excel's "Unicode text"
    NAMES_RU.replace(",", ";").encode("cp1251"),
    NAMES_RU.replace(",", "\t").encode("utf-8"),
], ids=["utf8", "utf8-bom", "cp1251", "utf16", "cp1251-semicolon", "tab"])
def test_cyrillic_names_survive_every_encoding_and_delimiter(encoded):
    assert names(encoded) == ["Рустам Назаров", "Нургуль Абдыкадырова"]


def test_excel_doubled_quotes_and_quoted_delimiters_are_read_as_excel_wrote_them():
    # What Excel writes for a nickname in quotes and for a name with a comma in it.
    comma = b'email,full_name,rank\r\nx@example.org,"Aibek ""Shaman"" Sadykov",Captain\r\n' \
            b'y@example.org,"Sadykov, Aibek",Major\r\n'
    semicolon = b'email;full_name;rank\r\nx@example.org;"Aibek ""Shaman"" Sadykov";Captain\r\n' \
                b'y@example.org;"Sadykov; Aibek";Major\r\n'
    for data in (comma, semicolon):
        rows, problems = parse_user_file(data, "officers.csv")
        assert problems == []
        assert [(row.full_name, row.rank) for row in rows] == [
            ('Aibek "Shaman" Sadykov', "Captain"), ("Sadykov; Aibek" if b";" in data[:6] else "Sadykov, Aibek", "Major")]


def test_a_row_with_more_or_fewer_cells_than_the_header_is_a_problem_naming_its_line():
    data = b"email,full_name,rank\nx@example.org,Sadykov, Aibek,Major\ny@example.org,Short\nz@example.org,Fine,\n"
    rows, problems = parse_user_file(data)
    assert [row.email for row in rows] == ["z@example.org"]
    assert [(p.line, "cells but the header has 3" in p.message) for p in problems] == [(2, True), (3, True)]


@pytest.mark.parametrize("garbage", [
    b"x" * 1_000_000,                                   # one huge field
    b'email,full_name\n"' + b"a, b\n" * 200_000,        # a quote opened and never closed
    b'email,full_name\n' + b',"' * 500_000,             # what makes csv.Sniffer take minutes
    (b'"' + b"x" * 60 + b"\n") * 16_000,
])
def test_a_megabyte_of_garbage_is_a_problem_with_a_line_quickly(garbage):
    started = time.perf_counter()
    rows, problems = parse_user_file(garbage, "officers.csv")
    assert time.perf_counter() - started < 5
    assert rows == [] and problems
    assert all(problem.line >= 1 for problem in problems)


def test_the_field_limit_error_names_the_line_where_the_quote_opened():
    data = b'email,full_name\nx@example.org,Fine\ny@example.org,"Never closed\n' + b"more text\n" * 20_000
    rows, problems = parse_user_file(data)
    assert any(p.line == 3 and "cannot be read as CSV" in p.message for p in problems)


@pytest.mark.parametrize("data, filename, code", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 10, "photo.csv", "encoding"),
    (b"PK\x03\x04" + b"\x00broken" * 100, "officers.xlsx", "xlsx"),
    (b"just some text, not a workbook", "officers.xlsx", "xlsx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "officers.xls", "xls"),
    (b"", "officers.csv", "empty"),
    (b"\xef\xbb\xbf\r\n\r\n", "officers.csv", "empty"),
])
def test_a_file_that_is_not_a_table_says_why(data, filename, code):
    with pytest.raises(UnreadableFile) as raised:
        parse_user_file(data, filename)
    assert raised.value.code == code


def test_a_workbook_that_unzips_to_nonsense_says_why():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<not-closed")
    with pytest.raises(UnreadableFile) as raised:
        parse_user_file(buffer.getvalue(), "officers.xlsx")
    assert raised.value.code == "xlsx"


def test_a_good_workbook_is_read_from_its_first_sheet_as_text():
    data = workbook([["Email", "Full_Name", "Rank", "Country", "Gender"],
                     ["aibek@example.org", 'Aibek "Shaman" Sadykov', 3, "kg", "m"],
                     [None, None, None, None, None],
                     ["rustam@example.org", "Рустам, Назаров", date(2024, 5, 1), None, None]])
    rows, problems = parse_user_file(data, "officers.xlsx")
    assert problems == []
    assert [(r.line, r.email, r.full_name, r.rank, r.country) for r in rows] == [
        (2, "aibek@example.org", 'Aibek "Shaman" Sadykov', "3", "KG"),
        (4, "rustam@example.org", "Рустам, Назаров", "2024-05-01", None)]


def test_a_workbook_row_wider_than_its_header_is_a_problem():
    table = read_table(workbook([["email", "full_name"], ["a@example.org", "A", "stray"]]), "x.xlsx")
    assert [(p.line, "cells but the header has 2" in p.message) for p in table.problems] == [(2, True)]


def test_a_file_with_its_column_names_and_nobody_under_them_says_so():
    # It was read as a success: "0 accounts created", and the administrator looked for the people.
    for text in ("email,full_name\n", "email,full_name\n\n,\n"):
        rows, problems = parse_user_csv(text)
        assert rows == []
        assert [str(problem) for problem in problems] == [
            "line 2, email: the file names its columns but nobody under them: write one person per line"]
