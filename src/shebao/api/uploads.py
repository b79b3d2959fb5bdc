"""Uploaded files (declarations, claims, external data): one size limit, one decoding."""

from __future__ import annotations

from fastapi import UploadFile

from shebao.errors import InputError

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


async def read_text(file: UploadFile) -> str:
    """The file as UTF-8 text; InputError naming `file` if it is too large or not UTF-8."""
    raw = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InputError("file", f"larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("file", "must be UTF-8 text") from None
