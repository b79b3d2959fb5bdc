"""Sensitive columns sealed at rest, with the key kept outside the database.

A person's identity number and phone are stored encrypted (AES-256-GCM, a fresh nonce per
value, the column's name bound in as associated data so a value cannot be moved to another
column), so a copy of the database, a backup or a replica discloses neither. Identity numbers
are looked up by a blind index: HMAC-SHA256 of the normalised number under a second key, unique
in the database, so "one person, one record" still holds and `Person.identity_number == x`
still finds the person — the comparison is rewritten onto the index column. The masked form
(first 6 and last 4 characters, as shown everywhere by default) is kept in plain beside it for
the desk's "ends with" search.

The key is 32 random bytes, base64url, from (in this order) `SHEBAO_DATA_KEY`, the file named by
`SHEBAO_DATA_KEY_FILE` (a secrets mount in production), or `<data dir>/data.key`, created on
first use with mode 0600 (the demo; never inside the database file). Both working keys are
derived from it with HKDF-SHA256; each sealed value names the key it was sealed with, so a
process holding another key refuses it with a clear error rather than garbage.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import String
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from shebao.config import get_settings

KEY_ENV = "SHEBAO_DATA_KEY"
KEY_FILE_ENV = "SHEBAO_DATA_KEY_FILE"
KEY_BYTES = 32
NONCE_BYTES = 12


def sealed_length(plain_bytes: int) -> int:
    """Characters of a sealed value of up to `plain_bytes` bytes of UTF-8: the key id, a colon
    and base64 of nonce, ciphertext and 16-byte tag."""
    return 8 + 1 + 4 * -(-(NONCE_BYTES + plain_bytes + 16) // 3)


class DataKeyError(RuntimeError):
    """The data key is missing, malformed, or not the one a value was sealed with."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    cipher: AESGCM
    lookup_key: bytes


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"shebao " + purpose).derive(master)


def _decode(text: str, origin: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError as error:
        raise DataKeyError(f"{origin}: the data key is not base64url ({error})") from None
    if len(raw) != KEY_BYTES:
        raise DataKeyError(f"{origin}: the data key must be {KEY_BYTES} bytes, not {len(raw)}")
    return raw


def new_key_text() -> str:
    """A fresh data key as it is written to a key file or the environment."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode().rstrip("=")


def _key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(new_key_text() + "\n")
    return _decode(path.read_text(), str(path))


@lru_cache(maxsize=1)
def data_key() -> DataKey:
    """The process's data key (read once)."""
    if os.environ.get(KEY_ENV):
        master = _decode(os.environ[KEY_ENV], KEY_ENV)
    elif os.environ.get(KEY_FILE_ENV):
        path = Path(os.environ[KEY_FILE_ENV])
        if not path.exists():
            raise DataKeyError(f"{KEY_FILE_ENV}: no key file at {path}")
        master = _decode(path.read_text(), str(path))
    else:
        master = _key_file(get_settings().data_dir / "data.key")
    return DataKey(key_id=_derive(master, b"key id").hex()[:8],
                   cipher=AESGCM(_derive(master, b"seal v1")),
                   lookup_key=_derive(master, b"lookup v1"))


def seal(value: str, column: str) -> str:
    """`value` encrypted for `column` ("table.column"): "<key id>:<base64url nonce‖ciphertext>"."""
    key = data_key()
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = key.cipher.encrypt(nonce, value.encode(), column.encode())
    return f"{key.key_id}:{base64.urlsafe_b64encode(nonce + body).decode()}"


def unseal(sealed: str, column: str) -> str:
    key = data_key()
    key_id, _, body = sealed.partition(":")
    if key_id != key.key_id:
        raise DataKeyError(f"{column} was sealed with data key {key_id!r}; this process holds "
                           f"{key.key_id!r} (set {KEY_ENV} or {KEY_FILE_ENV})")
    raw = base64.urlsafe_b64decode(body)
    return key.cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode()).decode()


def normalise(number: str) -> str:
    return number.strip().upper()


def blind_index(value: str) -> str:
    """HMAC-SHA256 of the normalised value under the lookup key (hex): equal values, equal
    indexes; without the key, no way back from index to value (not even by trying every
    plausible identity number, as a plain hash would allow)."""
    return hmac.new(data_key().lookup_key, normalise(value).encode(), hashlib.sha256).hexdigest()


class Sealed(TypeDecorator[str]):
    """A string column stored sealed: values go in as plain text and come out as plain text."""

    impl = String
    cache_ok = True

    def __init__(self, column: str, plain_bytes: int) -> None:
        super().__init__(sealed_length(plain_bytes))
        self.column = column

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else seal(value, self.column)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return None if value is None else unseal(value, self.column)


class SealedLookup(Sealed):
    """A sealed column found through its blind index column: `==` and `IN` compare the index,
    `endswith` (up to the 4 characters the masked form shows) the masked column. Any other
    comparison of ciphertext would be meaningless, so it is refused."""

    cache_ok = True

    def __init__(self, column: str, plain_bytes: int, index_column: str,
                 masked_column: str) -> None:
        super().__init__(column, plain_bytes)
        self.index_column = index_column
        self.masked_column = masked_column

    class comparator_factory(TypeDecorator.Comparator[str]):
        def _sibling(self, name: str) -> ColumnElement[Any]:
            return self.expr.table.c[name]  # type: ignore[attr-defined,no-any-return]

        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            kind: SealedLookup = self.type  # type: ignore[assignment]
            if op is operators.eq:
                return self._sibling(kind.index_column) == blind_index(other[0])
            if op is operators.in_op:
                values: Iterable[str] = other[0]
                return self._sibling(kind.index_column).in_([blind_index(v) for v in values])
            if op is operators.endswith_op and len(other[0]) <= 4:
                return self._sibling(kind.masked_column).endswith(normalise(other[0]))
            raise TypeError(f"{kind.column} is sealed: compare it with ==, in_() or "
                            "endswith() of at most 4 characters")
