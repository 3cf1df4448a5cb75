"""The dashboards' background job: keep the aggregates of viewed dashboards current."""

from __future__ import annotations

from coalition.dashboards import services
from coalition.tasks import periodic


@periodic("dashboards.warm", minute="*")
def warm_dashboards() -> int:
    """Every minute in the worker: `services.warm` (the dashboards a write made stale)."""
    return services.warm()
