"""Every domain's models, imported in one place so that metadata (and Alembic) sees them all."""

from coalition.accounts.models import Invitation, User
from coalition.api.models import ApiToken
from coalition.audit.models import AuditEvent
from coalition.drafting.models import Document  # drafting (issue 12, item 2)
from coalition.followup.models import AdvocacyAction, CoalitionPosition, EvidenceFile, FollowUpPlan
from coalition.followup.position_models import CoalitionPositionCurrent  # positions (issue 11)
from coalition.impact.models import Ask, AskLink  # asks (issue 12)
from coalition.notifications.models import Notification, NotificationSettings
from coalition.organisations.models import Membership, Organisation
from coalition.recommendations.models import (
    Assessment,
    ImportJob,
    Recommendation,
    RecommendationTerritory,
    Response,
    SavedView,
)
from coalition.reviews.models import AffectedGroup, Review, Sdg, State, Theme
from coalition.search import freshness  # noqa: F401  (the tracker's kept facet counts)
from coalition.statements.models import (
    Comment,
    ConflictCopy,
    Draft,
    Endorsement,
    Presence,
    Revision,
    Statement,
    StatementDrafter,
)
from coalition.submissions.models import Submission, SubmissionFile, SubmissionParticipant

__all__ = [
    "AdvocacyAction",
    "AffectedGroup",
    "ApiToken",
    "Ask",
    "AskLink",
    "Assessment",
    "AuditEvent",
    "CoalitionPosition",
    "CoalitionPositionCurrent",
    "Comment",
    "ConflictCopy",
    "Document",
    "Draft",
    "Endorsement",
    "EvidenceFile",
    "FollowUpPlan",
    "ImportJob",
    "Invitation",
    "Membership",
    "Notification",
    "NotificationSettings",
    "Organisation",
    "Presence",
    "Recommendation",
    "RecommendationTerritory",
    "Response",
    "Review",
    "Revision",
    "SavedView",
    "Sdg",
    "State",
    "Statement",
    "StatementDrafter",
    "Submission",
    "SubmissionFile",
    "SubmissionParticipant",
    "Theme",
    "User",
]
