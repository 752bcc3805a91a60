"""`flask items stats MARKS.csv`: Moodle's item statistics of a marks file from any system, as a
table or CSV, in English or Russian; a bad file names every line and column and exits 1."""
from __future__ import annotations

import csv
import io

import pytest

from conftest import make_config
from trainer import create_app

# The matrix of tests/unit/test_item_stats.py, whose figures are computed by hand there:
# A 60 % facility, SD 54.77, D -27.22, E -36.36 (negative); B 40, 54.77, 76.38, 100; C (out of 2)
# 60, 41.83, 42.26, 50.
MARKS = "A,B,C\n1,1,2\n1,0,1\n0,1,2\n1,0,0\n0,0,1\n"


@pytest.fixture(scope="module")
def cli():
    """A command runner; the command reads a file and touches no database."""
    app = create_app(make_config(SQLALCHEMY_DATABASE_URI="sqlite://"))
    return app.test_cli_runner()


def run(cli, tmp_path, content: str | bytes, *args: str, name: str = "marks.csv"):
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return cli.invoke(args=["items", "stats", str(path), *args], env={"LANG": "C.UTF-8"})


def test_a_table_of_every_question(cli, tmp_path):
    result = run(cli, tmp_path, MARKS, "--max", "C=2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split("  ")[0] == "Question" and "Facility index %" in lines[0]
    assert "Discrimination index %" in lines[0] and "Discriminative efficiency %" in lines[0]
    rows = {line.split()[0]: line.split() for line in lines[2:5]}
    # name, max, attempts, facility, SD, discrimination, efficiency, flags
    assert rows["A"][:7] == ["A", "1", "5", "60.00", "54.77", "-27.22", "-36.36"]
    assert " ".join(rows["A"][7:]) == "Discriminates negatively"
    assert rows["B"] == ["B", "1", "5", "40.00", "54.77", "76.38", "100.00"]
    assert rows["C"] == ["C", "2", "5", "60.00", "41.83", "42.26", "50.00"]
    assert lines[-1] == "5 attempts."


def test_csv_for_a_spreadsheet(cli, tmp_path):
    result = run(cli, tmp_path, MARKS, "--max", "1,C=2", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith("\ufeff".encode())  # Excel reads UTF-8 only with it
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[0] == ["Question", "Maximum mark", "Attempts", "Facility index %", "Standard deviation %",
                       "Discrimination index %", "Discriminative efficiency %", "Flags"]
    assert rows[1] == ["A", "1", "5", "60", "54.77", "-27.22", "-36.36", "Discriminates negatively"]
    assert rows[3] == ["C", "2", "5", "60", "41.83", "42.26", "50", ""]


def test_undefined_statistics_read_as_a_dash_and_flags_show(cli, tmp_path):
    # One attempt: a facility, nothing else. Everyone right on Q1 with two attempts: SD 0, no D.
    single = run(cli, tmp_path, "Q1,Q2\n1,0\n")
    assert single.exit_code == 0, single.output
    row = single.output.splitlines()[2].split()
    assert row[:7] == ["Q1", "1", "1", "100.00", "—", "—", "—"] and "Too easy" in single.output
    assert "Too hard" in single.output  # Q2: nobody right
    same = run(cli, tmp_path, "Q1,Q2\n1,0\n1,1\n")
    assert same.output.splitlines()[2].split()[:7] == ["Q1", "1", "2", "100.00", "0.00", "—", "—"]
    csv_rows = list(csv.reader(io.StringIO(run(cli, tmp_path, "Q1,Q2\n1,0\n", "--format", "csv")
                                           .stdout_bytes.decode("utf-8-sig"))))
    assert csv_rows[1][:7] == ["Q1", "1", "1", "100", "", "", ""]  # an empty cell in a spreadsheet


def test_a_question_left_out_of_an_attempt(cli, tmp_path):
    result = run(cli, tmp_path, "Q1,Q2\n1,1\n0,0\n1,\n0,1\n")
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line.split() for line in result.output.splitlines()[2:4]}
    assert rows["Q1"][2] == "4" and rows["Q2"][2] == "3"  # Q2 counts where it was given
    assert rows["Q2"][5:7] == ["50.00", "100.00"]  # computed by hand in test_item_stats.py


def test_every_mistake_is_named_by_line_and_column_and_nothing_is_printed(cli, tmp_path):
    text = "q1,q2,q3\n1,0,1\n1,abc,0\n2,1,1\n1,1\n1,1,0.5,9\n"
    result = run(cli, tmp_path, text)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "marks.csv: line 3, column 2 (q2): “abc” is not a mark (a number such as 1 or 0.5).",
        "marks.csv: line 4, column 1 (q1): the mark 2 is above the question's maximum 1 (set maxima with --max).",
        "marks.csv: line 5: has 2 cells but the header names 3 questions (every row needs one mark per question; "
        "leave a cell empty for a question that was not in the attempt).",
        "marks.csv: line 6: has 4 cells but the header names 3 questions (every row needs one mark per question; "
        "leave a cell empty for a question that was not in the attempt).",
        "4 problems; nothing was computed.",
    ]


def test_maxima_that_do_not_fit_the_file(cli, tmp_path):
    result = run(cli, tmp_path, MARKS, "--max", "D=2,C=two")
    assert result.exit_code == 1
    assert "--max: there is no question “D” in the file (its questions: A, B, C)." in result.stderr
    assert "--max: “two” is not a maximum mark" in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04workbook", "cannot be read: it is a spreadsheet workbook: save the sheet as CSV first."),
    (b"\x00\x01\x02binary", "cannot be read: it is not text (UTF-8, UTF-16 or Windows-1251)."),
    (b"", "The file is empty"),
    (b"q1,q2\n", "The file has a header but no rows of marks."),
])
def test_files_that_are_not_marks(cli, tmp_path, content, message):
    result = run(cli, tmp_path, content)
    assert result.exit_code == 1 and message in result.stderr


def test_russian_excel_csv_in_russian(cli, tmp_path):
    # Windows-1251, semicolons and decimal commas, as Russian Excel saves "CSV"; --lang ru.
    content = "Вопрос 1;Вопрос 2\n1;0,5\n0;1\n1;1\n".encode("cp1251")
    result = run(cli, tmp_path, content, "--lang", "ru")
    assert result.exit_code == 0, result.output
    header = result.output.splitlines()[0]
    assert header.startswith("Вопрос") and "Индекс лёгкости, %" in header
    assert "Вопрос 2" in result.output and "3 попытки." in result.output
    bad = run(cli, tmp_path, "q1\n1\nдва\n", "--lang", "ru")
    assert bad.stderr.splitlines() == ["marks.csv: строка 3, столбец 1 (q1): «два» — не балл (нужно число, например 1 "
                                       "или 0.5).", "1 ошибка; ничего не рассчитано."]


def test_the_language_comes_from_the_environment(cli, tmp_path):
    path = tmp_path / "marks.csv"
    path.write_text(MARKS)
    result = cli.invoke(args=["items", "stats", str(path), "--max", "C=2"], env={"LANG": "ru_RU.UTF-8"})
    assert result.output.startswith("Вопрос")
    unknown = cli.invoke(args=["items", "stats", str(path), "--lang", "xx"])
    assert unknown.exit_code != 0 and "--lang" in unknown.output


def test_question_names_cannot_run_as_formulas_in_the_csv(cli, tmp_path):
    result = run(cli, tmp_path, '"=HYPERLINK(""http://x"")",+q2\n1,0\n0,1\n', "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout_bytes.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(\"http://x\")" and rows[2][0] == "'+q2"
