"""What the coalition calendar shows (issue 12, item 5).

- `review_deadlines()`: each review's dates: the deadline for stakeholder submissions, the
  pre-session, the review by the Working Group, the adoption of its outcome at the Human Rights
  Council, the mid-term report due. These are public facts (OHCHR and the HRC publish them).
- `action_deadlines(user)`: the due dates of follow-up actions not yet done, for readers of the
  follow-up (coalition-internal: never in the feed).
- `by_month(deadlines, today)`: the page's upcoming and past months.
- `ical(deadlines, url_of)`: the iCalendar feed (RFC 5545): one all-day event per date, its UID
  stable (the review or action and which date), so a calendar app updates events in place.

The feed holds review dates only, so it needs no sign-in and no secret URL: a calendar app
that cannot sign in subscribes to it, and nothing members-only is in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from babel import dates as babel_dates
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from coalition.core.time import utcnow
from coalition.extensions import db
from coalition.reviews.models import Review

# A review's dates, in the order they come in a cycle: column -> what the date is.
REVIEW_DATES = {
    "submission_deadline": _l("Deadline for stakeholder submissions"),
    "presession_date": _l("Pre-session"),
    "review_date": _l("Review by the UPR Working Group"),
    "adoption_date": _l("Adoption of the outcome at the Human Rights Council"),
    "midterm_due": _l("Mid-term report due"),
}
ACTION_DUE = _l("Follow-up action due")
UID_DOMAIN = "calendar.coalition"  # the right-hand side of every event's UID (RFC 5545 3.8.4.7)


@dataclass(frozen=True)
class Deadline:
    """One date of the calendar: `kind` a REVIEW_DATES key or "action_due"; `review` or
    `action` what it belongs to; `uid` the event's stable identifier."""

    on: date
    kind: str
    uid: str
    review: Review | None = None
    action: Any = None

    @property
    def what(self) -> str:
        """What the date is, in the reader's language."""
        return str(REVIEW_DATES.get(self.kind, ACTION_DUE))

    @property
    def subject(self) -> str:
        """Whose date it is: the review's title, or the action's."""
        if self.review is not None:
            label = self.review.display_title
            if self.kind == "adoption_date" and self.review.hrc_session:
                from flask_babel import gettext as _

                label = _("%(review)s (Human Rights Council, session %(session)s)",
                          review=label, session=self.review.hrc_session)
            return label
        return str(getattr(self.action, "title", ""))


def review_deadlines() -> list[Deadline]:
    """Every dated step of every review, by date (one query)."""
    reviews = db.session.scalars(select(Review).options(joinedload(Review.state)))
    found = []
    for review in reviews:
        for kind in REVIEW_DATES:
            on = getattr(review, kind)
            if on is not None:
                found.append(Deadline(on, kind, f"review-{review.id}-{kind}@{UID_DOMAIN}",
                                      review=review))
    return sorted(found, key=lambda d: (d.on, list(REVIEW_DATES).index(d.kind), d.uid))


def action_deadlines(user: Any) -> list[Deadline]:
    """The due dates of follow-up actions not done yet, for a reader of the follow-up
    (followup.view); none for anyone else (one query)."""
    from coalition.access import can
    from coalition.followup.models import AdvocacyAction

    if not can(user, "followup.view"):
        return []
    actions = db.session.scalars(select(AdvocacyAction).where(
        AdvocacyAction.due_on.is_not(None), AdvocacyAction.done_on.is_(None))
        .order_by(AdvocacyAction.due_on, AdvocacyAction.id))
    return [Deadline(a.due_on, "action_due", f"action-{a.id}-due@{UID_DOMAIN}", action=a)
            for a in actions]


@dataclass(frozen=True)
class Month:
    """A month of the calendar page: its heading in the reader's language and its dates."""

    first: date
    deadlines: list[Deadline]

    @property
    def label(self) -> str:
        return babel_dates.format_skeleton("yMMMM", self.first, locale=get_locale())


def by_month(deadlines: Iterable[Deadline], today: date) -> tuple[list[Month], list[Month]]:
    """(upcoming months, soonest first; past months, latest first): dates from `today` on
    are upcoming."""
    upcoming: dict[date, list[Deadline]] = {}
    past: dict[date, list[Deadline]] = {}
    for deadline in sorted(deadlines, key=lambda d: (d.on, d.uid)):
        side = upcoming if deadline.on >= today else past
        side.setdefault(deadline.on.replace(day=1), []).append(deadline)
    return ([Month(k, v) for k, v in sorted(upcoming.items())],
            [Month(k, list(reversed(v))) for k, v in sorted(past.items(), reverse=True)])


def ical(deadlines: Iterable[Deadline], url_of: Callable[[Deadline], str | None],
         name: str) -> bytes:
    """The iCalendar feed (RFC 5545) of `deadlines`: all-day events (DATE values), each with
    a stable UID, DTSTAMP (when the feed was made), SUMMARY ("what: whose"), URL;
    icalendar escapes commas, semicolons and backslashes in the text."""
    calendar = Calendar()
    calendar.add("prodid", "-//UPR Coalition//Coalition calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    stamp = utcnow()
    for deadline in deadlines:
        event = Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.on)
        event.add("dtend", deadline.on + timedelta(days=1))
        event.add("summary", f"{deadline.what}: {deadline.subject}")
        event.add("transp", "TRANSPARENT")
        url = url_of(deadline)
        if url:
            event.add("url", url)
        calendar.add_component(event)
    return calendar.to_ical()
