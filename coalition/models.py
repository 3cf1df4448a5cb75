"""Every domain's models, imported in one place so that metadata (and Alembic) sees them all."""

from coalition.accounts.models import Invitation, User
from coalition.audit.models import AuditEvent
from coalition.organisations.models import Membership, Organisation

__all__ = ["AuditEvent", "Invitation", "Membership", "Organisation", "User"]
