"""Settings from the environment, with safe defaults for the demo only.

Production sets `SHEBAO_DATABASE_URL` (PostgreSQL) and `SHEBAO_SECRET_KEY`; without them shebao
runs on an embedded SQLite file under `var/` so that `make run` needs nothing installed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DEFAULT_DATA_DIR = Path("var")


def _flag(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    demo_mode: bool
    session_idle_minutes: int = 30
    token_hours: int = 8
    cookie_secure: bool = False
    data_dir: Path = field(default=DEFAULT_DATA_DIR)

    @staticmethod
    def from_env() -> Settings:
        data_dir = Path(os.environ.get("SHEBAO_DATA_DIR", str(DEFAULT_DATA_DIR)))
        url = os.environ.get("SHEBAO_DATABASE_URL") or f"sqlite:///{data_dir / 'shebao.db'}"
        return Settings(
            database_url=url,
            # Without a configured key each process gets its own: sessions then simply do not
            # survive a restart, which is safe, never guessable.
            secret_key=os.environ.get("SHEBAO_SECRET_KEY") or secrets.token_hex(32),
            demo_mode=_flag("SHEBAO_DEMO"),
            session_idle_minutes=int(os.environ.get("SHEBAO_SESSION_IDLE_MINUTES", "30")),
            token_hours=int(os.environ.get("SHEBAO_TOKEN_HOURS", "8")),
            cookie_secure=_flag("SHEBAO_COOKIE_SECURE"),
            data_dir=data_dir,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings.from_env()
