"""Import every domain's models so that metadata (and Alembic) sees all tables."""

from shebao.auth import models as auth_models
from shebao.db.base import Base
from shebao.registry import models as registry_models

__all__ = ["Base", "auth_models", "registry_models"]
