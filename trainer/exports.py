"""Report exports: CSV (Excel-friendly), XLSX and the overview PDF.

A report page and its exports are built from the same `Table` values, so a spreadsheet holds
the numbers the page shows. Aggregate tables are published with small groups suppressed
("<5"); the per-officer completion list is personal data, exported as is, to managers and
administrators only.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .certificates import FONT_DIR
from .domain.reports import Column, format_cell, suppress_rows

if TYPE_CHECKING:
    from fpdf import FPDF

CSV_BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (Cyrillic names) only when it starts with this
# A text cell starting with one of these is run as a formula by Excel and LibreOffice (OWASP
# "CSV injection"): an officer named =HYPERLINK(...) must not become a link in a manager's file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(text: str) -> str:
    """Text as a spreadsheet cell: prefixed with a single quote when it would read as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


@dataclass(frozen=True)
class Table:
    """One table of a report: what the page shows and what an export writes."""

    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[dict]
    size_key: str | None = None  # the column counting the people a row is about
    personal: bool = False  # one row per officer: never suppressed, never for donors
    note: str = ""
    meta: dict = field(default_factory=dict)  # e.g. pagination, for the page only

    def published(self) -> list[dict]:
        """The rows as exported: small groups suppressed unless the table is personal data."""
        return list(self.rows) if self.personal else suppress_rows(self.rows, self.columns, self.size_key)

    def cells(self, row: dict) -> list[str]:
        """A row's cells as text, in column order."""
        return [format_cell(row.get(column.key), column.kind) for column in self.columns]

    def csv_cells(self, row: dict) -> list[str]:
        """A row's cells for a CSV file: empty for nothing, and text (names, never numbers such
        as a negative gain) made safe from formula injection."""
        return [_csv_cell(row.get(column.key), text) for column, text in zip(self.columns, self.cells(row))]


def _csv_cell(value, text: str) -> str:
    if value is None or text == "—":
        return ""
    return spreadsheet_text(text) if isinstance(value, str) else text


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte-order mark, one header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_text(str(column.label)) for column in table.columns])
    for row in table.published():
        writer.writerow(table.csv_cells(row))
    return (CSV_BOM + buffer.getvalue()).encode("utf-8")


def csv_chunks(table: Table, chunks) -> Iterator[bytes]:
    """A CSV file (as to_csv writes it) of `table`'s columns, written a chunk of rows at a time:
    the header first, then one piece of the file per chunk of rows (lists of row dicts)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([spreadsheet_text(str(column.label)) for column in table.columns])
    yield (CSV_BOM + buffer.getvalue()).encode("utf-8")
    for rows in chunks:
        buffer.seek(0)
        buffer.truncate()
        published = rows if table.personal else suppress_rows(rows, table.columns, table.size_key)
        writer.writerows(table.csv_cells(row) for row in published)
        yield buffer.getvalue().encode("utf-8")


def to_xlsx(tables: Sequence[Table], about: Sequence[tuple[str, str]], about_title: str = "About") -> bytes:
    """A workbook (see write_xlsx) of whole tables, in memory."""
    buffer = io.BytesIO()
    write_xlsx(buffer, [(table, [table.rows]) for table in tables], about, about_title)
    return buffer.getvalue()


def write_xlsx(target, sheets: Iterable[tuple[Table, Iterable[list[dict]]]], about: Sequence[tuple[str, str]],
               about_title: str = "About") -> int:
    """Write a workbook to `target` (a path or a binary file): an "About" sheet (`about_title`:
    filters, who, when, the suppression rule), then one sheet per table, its rows taken a chunk
    at a time from the iterable beside it and published as the table publishes them (small
    groups suppressed unless the table is personal). Returns the number of rows written.

    openpyxl's write-only mode writes each row to the sheet's temporary file as it is appended,
    so a sheet of 100 000 officers holds one chunk in memory. Numbers are stored as numbers,
    suppressed cells as the text "<5", and text as text: never a formula, whatever an officer
    is called."""
    book = Workbook(write_only=True)
    about_title = _sheet_name(about_title, set())
    sheet = book.create_sheet(about_title)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 90
    for name, value in about:
        sheet.append([_text_cell(sheet, str(name)), _text_cell(sheet, str(value))])
    used: set[str] = {about_title}
    written = 0
    try:
        for table, chunks in sheets:
            sheet = book.create_sheet(_sheet_name(str(table.title), used))
            for index, column in enumerate(table.columns, 1):
                sheet.column_dimensions[get_column_letter(index)].width = 40 if column.kind == "text" else 14
            sheet.freeze_panes = "A2"
            sheet.append([_bold(sheet, str(column.label)) for column in table.columns])
            for rows in chunks:
                published = rows if table.personal else suppress_rows(rows, table.columns, table.size_key)
                for row in published:
                    sheet.append([_xlsx_value(sheet, row.get(column.key), column.kind) for column in table.columns])
                written += len(published)
    except BaseException:
        _discard(book)
        raise
    book.save(target)
    return written


def _discard(book: Workbook) -> None:
    """A write-only workbook given up half-way: each sheet's temporary file (openpyxl writes a
    sheet's rows to one in the temp folder until the workbook is saved) closed and deleted, not
    left behind until the worker stops."""
    for sheet in book.worksheets:
        if not sheet.closed:
            sheet.close()
        if sheet._writer is not None:  # openpyxl keeps the sheet's file writer private
            sheet._writer.cleanup()


def _bold(sheet, text: str) -> WriteOnlyCell:
    cell = _text_cell(sheet, text)
    cell.font = Font(bold=True)
    return cell


def _text_cell(sheet, text: str) -> WriteOnlyCell:
    # openpyxl makes any str starting with "=" a formula; the quote and the explicit type keep
    # it a string even if the list of formula characters ever misses one.
    cell = WriteOnlyCell(sheet, value=spreadsheet_text(text))
    cell.data_type = "s"
    return cell


def _sheet_name(title: str, used: set[str]) -> str:
    # Excel: at most 31 characters, none of []:*?/\ and unique in the workbook.
    base = "".join("-" if ch in "[]:*?/\\" else ch for ch in title)[:31] or "Table"
    name, number = base, 2
    while name in used:
        suffix = f" ({number})"
        name, number = base[:31 - len(suffix)] + suffix, number + 1
    used.add(name)
    return name


def _xlsx_value(sheet, value, kind: str):
    if isinstance(value, str):
        return _text_cell(sheet, value)
    if isinstance(value, float) and kind in ("percent", "score"):
        return round(value, 1)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)  # spreadsheets have no time zones; stored as UTC
    return value  # numbers stay numbers; dates and None as they are


# -- PDF --------------------------------------------------------------------------------------

def overview_pdf(title: str, subtitle: str, figures: Sequence[tuple[str, str]], tables: Sequence[Table],
                 footer: str) -> bytes:
    """The overview on A4: headline figures, then each table (suppressed), with a bar for
    the first numeric column so it reads at a glance on paper too."""
    from fpdf import FPDF  # here, not at the top: importing fpdf2 takes 0.4 s of every start

    pdf = FPDF(orientation="P", format="A4")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_title(title)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    pdf.multi_cell(0, 5, subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    _figures(pdf, figures)
    for table in tables:
        _pdf_table(pdf, table)
    pdf.set_font("DejaVu", "", 8)
    pdf.ln(2)
    pdf.multi_cell(0, 4, footer, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _figures(pdf: FPDF, figures: Sequence[tuple[str, str]]) -> None:
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / 3
    for index, (label, value) in enumerate(figures):
        x = pdf.l_margin + (index % 3) * width
        if index % 3 == 0 and index:
            pdf.ln(18)
        y = pdf.get_y()
        pdf.set_xy(x, y)
        pdf.set_font("DejaVu", "B", 15)
        pdf.cell(width - 2, 8, value)
        pdf.set_xy(x, y + 8)
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(width - 2, 4, label)
        pdf.set_xy(pdf.l_margin, y)
    pdf.ln(20)


def _pdf_table(pdf: FPDF, table: Table) -> None:
    rows = table.published()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, str(table.title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 7)
    widths = _widths(table.columns)
    with pdf.table(col_widths=widths, text_align=[("LEFT" if c.kind == "text" else "RIGHT") for c in table.columns],
                   line_height=4, first_row_as_headings=True) as grid:
        grid.row([str(column.label) for column in table.columns])
        for row in rows:
            grid.row(table.cells(row))
    pdf.ln(4)


def _widths(columns: Sequence[Column]) -> tuple[float, ...]:
    # Relative widths: text columns (names, agencies) get three shares, numbers one.
    return tuple(3.0 if column.kind == "text" else 1.0 for column in columns)
