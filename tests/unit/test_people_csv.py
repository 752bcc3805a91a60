"""Reading a users CSV: every problem found, with line and column."""
from trainer.domain.people import parse_user_csv


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
    assert parse_user_csv("email,full_name\n\n,\n") == ([], [])
    rows, problems = parse_user_csv("mail\nx@example.org\n")
    assert [p.column for p in problems] == ["email", "full_name"]
