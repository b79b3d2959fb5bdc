"""Import every domain's models so that metadata (and Alembic) sees all tables."""

from shebao.assistance import models as assistance_models
from shebao.auth import models as auth_models
from shebao.benefits.injury import models as injury_models
from shebao.benefits.medical import models as medical_models
from shebao.benefits.pension import models as pension_models
from shebao.benefits.unemployment import models as unemployment_models
from shebao.contributions import models as contribution_models
from shebao.db.base import Base
from shebao.ledger import models as ledger_models
from shebao.pooling import models as pooling_models
from shebao.portal import models as portal_models
from shebao.registry import models as registry_models
from shebao.relief import models as relief_models
from shebao.supervision import models as supervision_models
from shebao.supplementary import models as supplementary_models
from shebao.transfers import models as transfer_models

__all__ = [
    "Base", "assistance_models", "auth_models", "contribution_models", "injury_models",
    "ledger_models", "medical_models", "pension_models", "pooling_models", "portal_models",
    "registry_models",
    "relief_models",
    "supervision_models", "supplementary_models", "transfer_models", "unemployment_models",
]
