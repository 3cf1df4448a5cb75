"""The coalition calendar (issue 12, item 5): every review's dates and the follow-up due dates,
as a page and as an iCalendar feed."""
