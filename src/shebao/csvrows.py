"""Rows of an uploaded CSV text, for every parser of uploaded files.

A byte-order mark is dropped; lines may end in \\n, \\r\\n or \\r (the csv module's
`newline=""`); and a file the csv module cannot read (a stray carriage return inside a field,
a field over its size limit) is an InputError naming `file` and the line, never csv.Error.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from shebao.errors import InputError


def rows(text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        yield from reader
    except csv.Error as error:
        raise InputError("file", f"not readable as CSV: {error}", reader.line_num) from None


def records(text: str) -> tuple[tuple[str, ...], list[tuple[int, dict[str, str]]]]:
    """The header and every row as (its line number, the row by column), read whole."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = tuple(reader.fieldnames or ())
        return header, [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise InputError("file", f"not readable as CSV: {error}", reader.line_num) from None
