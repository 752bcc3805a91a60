"""Reading an uploaded table (CSV or XLSX) into a header and rows of text cells, with line numbers.

Uploads come from spreadsheets: Excel saves CSV as UTF-8 with a byte-order mark, or in the
Windows code page of its locale (cp1251 for Russian), with commas or (Russian locale)
semicolons, doubling quotes inside quoted cells. The delimiter is chosen by reading a sample of
whole records with the csv module under each candidate dialect and keeping the one under which
the rows agree with the header: `csv.Sniffer` is not used because its regular expressions take
minutes on a crafted 64 KB sample. A file that cannot be read at all raises `UnreadableFile`;
a file that can be read but has bad rows gives `RowProblem`s naming the line.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from .messages import N_, msg

SAMPLE_CHARS = 64 * 1024  # the delimiter is chosen from this much of the file
MAX_ROWS = 20_000  # far more officers than one upload ever holds; bounds the work per request
MAX_COLUMNS = 64
MAX_XLSX_UNPACKED = 64 * 1024 * 1024  # a zip bomb disguised as a workbook stops here
DELIMITERS = (",", ";", "\t")
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"  # Excel 97-2003 (.xls), an OLE compound file
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (or the header, line 1) of an import file; the message is
    a `Message` (English as a str, translated where it is shown)."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, {self.column}: {self.message}" if self.column else f"line {self.line}: {self.message}"


class UnreadableFile(ValueError):
    """The upload is not a table at all. `code` says why, for a translated message at the edge:
    "encoding" (neither UTF-8, UTF-16 nor cp1251 text), "xls" (Excel 97-2003), "xlsx" (a
    broken workbook), "xlsx_too_large" (unpacks to too much), "empty"."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Table:
    """An uploaded table: the header's cells, then each data row with its line (1-based, the
    header being line 1 in a simple file), and the problems met while reading."""

    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]
    problems: tuple[RowProblem, ...]
    kind: str  # "csv" or "xlsx"


def read_table(data: bytes, filename: str = "") -> Table:
    """Read CSV or XLSX bytes (chosen by content, then by the name's extension)."""
    name = filename.lower()
    if data.startswith(XLSX_MAGIC) or name.endswith((".xlsx", ".xlsm")):
        return _from_grid(_xlsx_grid(data), "xlsx")
    if data.startswith(XLS_MAGIC) or name.endswith(".xls"):
        raise UnreadableFile("xls")
    return read_csv_text(decode_text(data))


def decode_text(data: bytes) -> str:
    """Text from bytes: UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's
    "Unicode text"), else cp1251 (Russian Excel's "CSV"). Raises UnreadableFile("encoding")
    for anything else, such as a binary file."""
    if data.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", data[len(codecs.BOM_UTF8):])]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", data)]
    else:
        candidates = [("utf-8", data), ("cp1251", data)]
    for encoding, body in candidates:
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError:
            continue
        if CONTROL_CHARACTERS.search(text):
            break  # NUL and friends: a binary file, whatever it decodes to
        return text
    raise UnreadableFile("encoding")


def read_csv_text(text: str) -> Table:
    """Read CSV text; the delimiter is chosen from a sample of whole records (see module doc)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UnreadableFile("empty")
    dialect = sniff_dialect(text[:SAMPLE_CHARS] if len(text) <= SAMPLE_CHARS
                            else text[:SAMPLE_CHARS].rsplit("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    grid: list[tuple[int, list[str]]] = []
    problems: list[RowProblem] = []
    start = 1
    try:
        for cells in reader:
            grid.append((start, cells))
            start = reader.line_num + 1
            if len(grid) > MAX_ROWS + 1:
                break  # one row too many is enough to say so
    except csv.Error as error:
        # e.g. "field larger than field limit": a quote opened and never closed, or not a CSV.
        problems.append(RowProblem(start, "", msg(N_("cannot be read as CSV from this line on (%(error)s); "
                                                     "is a quote opened and never closed?"), error=str(error))))
    if problems and not any(any(cell.strip() for cell in cells) for _, cells in grid):
        return Table((), (), tuple(problems), "csv")
    table = _from_grid(grid, "csv", ragged_is_problem=True)
    return Table(table.header, table.rows, tuple(problems) + table.problems, "csv")


def sniff_dialect(sample: str) -> type[csv.Dialect]:
    """The dialect under which the sample's records agree best with its header: a delimiter
    from `DELIMITERS`, with or without spaces after it, quotes doubled inside quoted cells
    (as Excel writes them). Reads the whole sample, in linear time."""
    best, best_score = (",", False), None
    for delimiter in DELIMITERS:
        for skip_space in (False, True):
            score = _agreement(sample, delimiter, skip_space)
            if best_score is None or score > best_score:
                best, best_score = (delimiter, skip_space), score
    delimiter, skip_space = best
    return type("UploadDialect", (csv.excel,), {"delimiter": delimiter, "skipinitialspace": skip_space})


def _agreement(sample: str, delimiter: str, skip_space: bool) -> tuple[int, int, int]:
    # (records as wide as a header of two or more cells, the header's width, fewer errors)
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, skipinitialspace=skip_space)
    widths: list[int] = []
    failed = 0
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                widths.append(len(_trim(cells)))
    except csv.Error:
        failed = 1
    if not widths:
        return (0, 0, -failed)
    header = widths[0]
    agreeing = sum(1 for width in widths[1:] if width == header) if header > 1 else 0
    return (agreeing, header if header > 1 else 0, -failed)


def _trim(cells: list[str]) -> list[str]:
    """The cells without the empty ones at the end (spreadsheets pad rows)."""
    end = len(cells)
    while end and not str(cells[end - 1]).strip():
        end -= 1
    return cells[:end]


def _from_grid(grid: list[tuple[int, list[str]]], kind: str, ragged_is_problem: bool = False) -> Table:
    """Split a grid into header and rows; blank rows are skipped, cells beyond the header that
    hold something are problems, and (in a CSV) so are rows with fewer cells than the header."""
    problems: list[RowProblem] = []
    rows = [(line, cells) for line, cells in grid if any(cell.strip() for cell in cells)]
    if not rows:
        raise UnreadableFile("empty")
    header = tuple(cell.strip() for cell in _trim(rows[0][1]))
    width = len(header)
    data: list[tuple[int, tuple[str, ...]]] = []
    for line, cells in rows[1:]:
        if len(data) >= MAX_ROWS:
            problems.append(RowProblem(line, "", msg(N_("the file has more than %(max)d rows; split it"), max=MAX_ROWS)))
            break
        meaningful = _trim(cells)
        if len(meaningful) > width:
            problems.append(RowProblem(line, "", msg(N_("has %(cells)d cells but the header has %(width)d: a comma "
                                                        "or semicolon inside a value needs quotes around the value"),
                                                     cells=len(meaningful), width=width)))
            continue
        if ragged_is_problem and len(cells) < width:
            problems.append(RowProblem(line, "", msg(N_("has %(cells)d cells but the header has %(width)d"),
                                                     cells=len(cells), width=width)))
            continue
        data.append((line, tuple(cells[:width]) + ("",) * (width - len(cells))))
    return Table(header, tuple(data), tuple(problems), kind)


def _xlsx_grid(data: bytes) -> list[tuple[int, list[str]]]:
    """The first sheet's rows as text cells, numbered as the spreadsheet numbers them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(member.file_size for member in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise UnreadableFile("xlsx_too_large")
    except zipfile.BadZipFile as error:
        raise UnreadableFile("xlsx", str(error)) from error
    from openpyxl import load_workbook  # imported here: only workbook uploads need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) on a bad file
        raise UnreadableFile("xlsx", str(error) or type(error).__name__) from error
    try:
        if not book.worksheets:
            raise UnreadableFile("empty")
        grid = []
        rows = book.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)
        for line, values in enumerate(rows, 1):
            grid.append((line, [_cell_text(value) for value in values]))
            if line > MAX_ROWS + 1 and not any(grid[-1][1]):
                break  # thousands of empty formatted rows at the bottom of a sheet
            if line > 2 * MAX_ROWS:
                break
        return grid
    except UnreadableFile:
        raise
    except Exception as error:  # a sheet whose XML breaks half way
        raise UnreadableFile("xlsx", str(error) or type(error).__name__) from error
    finally:
        book.close()


def _cell_text(value: object) -> str:
    """A workbook cell as the text a person typed: 42 not 42.0, dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)
