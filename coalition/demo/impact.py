"""Demo submissions and their asks (issue 12, item 6): China's 2018 review, a joint submission
by four demo organisations (the lead and three co-submitters who confirmed) and an individual
one, whose asks are linked to the Hong Kong recommendations, so the impact page shows real
shapes: confirmed links, a rejected proposal, one proposal left for a member to decide.
Illustrative, marked as demo data; everything through the services (audited)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from coalition.accounts.models import User
from coalition.extensions import db
from coalition.impact.models import Ask
from coalition.organisations.models import Organisation

JOINT_TITLE = "Demo data: Hong Kong's rights and freedoms (joint submission)"
JOINT = ("JCHK", ("Unison", "SoCO", "MFMW"), "JS3", "jchk-editor@example.org")
JOINT_ASKS = [
    "Respect the rule of law and the freedoms guaranteed under one country, two systems in "
    "Hong Kong.",
    "Strengthen inspection of employment contracts of foreign domestic workers in Hong Kong.",
    "Enact a children's rights law in Hong Kong giving effect to the UN Convention on the "
    "Rights of the Child.",
    "Introduce universal suffrage so that Hong Kong people can take part in government "
    "without distinction.",
    "Adopt a comprehensive anti-discrimination law in Hong Kong covering sexual orientation "
    "and gender identity.",
]
SOLO_TITLE = "Demo data: Freedom of expression in Hong Kong"
SOLO = ("PEN HK", "steering@example.org")
SOLO_ASKS = [
    "Protect freedom of expression, peaceful assembly and association in Hong Kong, and stop "
    "restricting online information for human rights defenders.",
    "Release writers and journalists detained for their work.",
]
# (submission, ask number, paragraph): links a member confirmed; the proposal for joint ask 4
# is left for a member to decide; the best wrong proposal of joint ask 3 (a general
# recommendation on children's rights) is rejected.
CONFIRMED = [("joint", 1, "28.343"), ("joint", 2, "28.344"), ("joint", 3, "28.346"),
             ("solo", 1, "28.205")]
LEFT_PROPOSED = ("joint", 4, "28.345")
# Who answers for each co-submitter: its demo account, or the coordinator (SoCO has none).
ANSWERED_BY = {"Unison": "editor@example.org", "MFMW": "mfmw-admin@example.org"}


def seed_submissions() -> bool:
    """Seed the two demo submissions with their asks and links once; False when they exist or
    the demo's review, organisations or accounts are missing."""
    from coalition.impact import services as impact
    from coalition.recommendations.models import Recommendation
    from coalition.reviews.services import get_review
    from coalition.submissions import services as submissions
    from coalition.submissions.models import Submission

    review = get_review("CHN", 3)
    if review is None or db.session.scalars(select(Submission.id).where(
            Submission.title == JOINT_TITLE)).first() is not None:
        return False
    orgs = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    coordinator = users.get("coordinator@example.org")
    needed = {JOINT[0], *JOINT[1], SOLO[0]}
    if coordinator is None or not needed <= orgs.keys() or not {JOINT[3], SOLO[1]} <= users.keys():
        return False
    recs = {r.paragraph: r for r in db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == review.id,
        Recommendation.paragraph.in_([p for *_, p in CONFIRMED] + [LEFT_PROPOSED[2]])))}
    themes = sorted({t.id for p in ("28.343", "28.344") if p in recs for t in recs[p].themes})

    lead, co_submitters, reference, author_email = JOINT
    author = users[author_email]
    joint = submissions.create_submission(
        author, review, JOINT_TITLE, "joint", orgs[lead],
        [orgs[s].id for s in co_submitters], themes[:3], "public", reference)
    for participant in joint.participants:
        who = users.get(ANSWERED_BY.get(participant.organisation.short_name, ""), coordinator)
        submissions.answer(who, participant, "confirmed")
    # Pasted as a numbered list, one paragraph each, as from the submission's text.
    impact.add_pasted_asks(author, joint, "\n\n".join(
        f"{n}. {text}" for n, text in enumerate(JOINT_ASKS, start=1)))
    submissions.change_status(author, joint, "submitted", date(2018, 3, 29))
    submissions.change_status(author, joint, "published", date(2018, 8, 24))

    solo_org, solo_email = SOLO
    solo_author = users[solo_email]
    solo = submissions.create_submission(solo_author, review, SOLO_TITLE, "individual",
                                         orgs[solo_org], visibility="coalition")
    impact.add_pasted_asks(solo_author, solo, "\n".join(SOLO_ASKS))
    submissions.change_status(solo_author, solo, "submitted", date(2018, 3, 29))

    steering = users.get("steering@example.org", coordinator)
    impact.refresh_proposals(steering, review)
    by_kind = {"joint": joint, "solo": solo}

    def ask_of(kind: str, number: int) -> Ask:
        return next(a for a in impact.asks_of(by_kind[kind]) if a.number == number)

    for kind, number, paragraph in CONFIRMED:
        ask = ask_of(kind, number)
        link = next((k for k in ask.links if k.recommendation_id == recs[paragraph].id), None)
        if link is None:
            impact.link_by_hand(author if kind == "joint" else solo_author, ask, paragraph)
        else:
            impact.decide(author if kind == "joint" else solo_author, link, "confirmed")
    wrong = next((k for k in ask_of("joint", 3).links if k.state == "proposed"), None)
    if wrong is not None:
        impact.decide(author, wrong, "rejected")
    # LEFT_PROPOSED stays as the platform proposed it: a member has yet to decide.
    db.session.flush()
    return True
