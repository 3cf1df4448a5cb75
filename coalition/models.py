"""Every domain's models, imported in one place so that metadata (and Alembic) sees them all."""

from coalition.accounts.models import Invitation, User
from coalition.audit.models import AuditEvent
from coalition.organisations.models import Membership, Organisation
from coalition.recommendations.models import (
    Assessment,
    ImportJob,
    Recommendation,
    RecommendationTerritory,
    Response,
)
from coalition.reviews.models import AffectedGroup, Review, Sdg, State, Theme

__all__ = ["AffectedGroup", "Assessment", "AuditEvent", "ImportJob", "Invitation", "Membership",
           "Organisation", "Recommendation", "RecommendationTerritory", "Response", "Review",
           "Sdg", "State", "Theme", "User"]
