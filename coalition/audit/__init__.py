"""The audit trail: every write records who changed what, when, from what to what."""

from coalition.audit.services import diff, record

__all__ = ["diff", "record"]
