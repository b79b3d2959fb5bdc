"""The one place where the claims (unemployment, work injury, medical) post to the ledger.

Every posting names the province whose funds it moves. The ledger will need that province on
any entry touching a person's own account (individual accounts become a subsidiary ledger under
per-province control accounts), so it is carried here, next to the request, for every posting.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shebao.ledger import service as ledger


def post(
    db: Session, request: ledger.PostingRequest, province: str, actor_id: int | None = None
) -> ledger.PostingResult:
    """Post `request`, an entry moving `province`'s funds (idempotent by its key)."""
    del province  # the ledger takes it once its per-province control accounts exist
    return ledger.post(db, request, actor_id=actor_id)
