"""Uploaded CSV text: any line ending, a BOM, and an unreadable file refused naming `file`."""

from __future__ import annotations

import pytest

from shebao import csvrows
from shebao.errors import InputError


def test_every_line_ending_and_a_bom_read_alike() -> None:
    for text in ("\ufeffa,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\r1,2\r"):
        assert list(csvrows.rows(text)) == [["a", "b"], ["1", "2"]]
        assert csvrows.records(text) == (("a", "b"), [(2, {"a": "1", "b": "2"})])


def test_an_unreadable_file_is_an_input_error() -> None:
    text = "a,b\n" + "x" * 200_000 + ",1\n"  # a field over the csv module's limit
    with pytest.raises(InputError) as refused:
        list(csvrows.rows(text))
    assert refused.value.field == "file" and refused.value.line == 2
    with pytest.raises(InputError, match="file"):
        csvrows.records(text)
