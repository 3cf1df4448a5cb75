"""Seed the demo: the Hong Kong UPR Coalition with an account for every role."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from coalition.accounts.models import User
from coalition.accounts.services import create_user
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.organisations.services import add_member, create_organisation

# Printed by `coalition demo`; the demo is for trying out, never for real data.
DEMO_PASSWORD = "upr-demo-2018"  # noqa: S105

STEERING = [
    ("Civil Human Rights Front", "CHRF", "A platform of civil society groups that organised "
     "rallies for civil and political rights."),
    ("Disabilities CV", "DCV", "Advocacy for the rights of persons with disabilities."),
    ("The Hong Kong Society for Asylum-Seekers and Refugees", "HKSAR-R",
     "Support and advocacy for asylum seekers and refugees in Hong Kong."),
    ("Hong Kong Watch", "HKW", "Monitors human rights, freedoms and the rule of law in Hong "
     "Kong."),
    ("Justice Centre Hong Kong", "JCHK", "Human rights organisation working for forced migrants; "
     "the coalition's facilitating secretariat."),
    ("Les Corner Empowerment Association", "LCEA", "Empowerment of lesbian, bisexual and "
     "transgender women."),
    ("PEN Hong Kong", "PEN HK", "Writers defending freedom of expression."),
    ("Pink Alliance", "PA", "A coalition for LGBTI equality in Hong Kong."),
    ("Planet Ally", "PlA", "Allies for equality and inclusion."),
]

# Other member organisations of the demo; illustrative, not a statement of real membership.
MEMBERS = [
    ("Hong Kong Unison", "Unison", "member", "Racial equality and the rights of ethnic "
     "minorities."),
    ("Society for Community Organization", "SoCO", "member", "Community organising for the "
     "rights of the poor."),
    ("Mission for Migrant Workers", "MFMW", "member", "Services and advocacy for migrant "
     "domestic workers."),
    ("Hong Kong Journalists Association", "HKJA", "observer", "Press freedom."),
]

# (role shown to the user, email, name, organisation short name, membership role, coalition role)
ACCOUNTS = [
    ("Coordinator (Justice Centre, secretariat)", "coordinator@example.org", "Carmen Coordinator",
     "JCHK", "org_admin", "coordinator"),
    ("Steering member (PEN Hong Kong, editor)", "steering@example.org", "Sam Steering",
     "PEN HK", "editor", "none"),
    ("Editor (Justice Centre Hong Kong)", "jchk-editor@example.org", "Jo Justice", "JCHK",
     "editor", "none"),
    ("Org admin (Hong Kong Unison)", "orgadmin@example.org", "Olivia Admin", "Unison",
     "org_admin", "none"),
    ("Editor (Hong Kong Unison)", "editor@example.org", "Eddie Editor", "Unison", "editor",
     "none"),
    ("Viewer (Hong Kong Unison)", "viewer@example.org", "Vera Viewer", "Unison", "viewer",
     "none"),
    ("Org admin (Mission for Migrant Workers)", "mfmw-admin@example.org", "Maya Mission", "MFMW",
     "org_admin", "none"),
    ("Researcher", "researcher@example.org", "Rae Researcher", None, None, "researcher"),
]


# Who writes an organisation's follow-up in the demo (its actions, its plan's updates, its
# assessments), by organisation short name; the steering member writes the rest.
DEMO_AUTHORS = {"JCHK": "jchk-editor@example.org"}


def demo_accounts() -> list[tuple[str, str]]:
    return [(label, email) for label, email, *_ in ACCOUNTS]


def seed_demo() -> bool:
    """Seed the demo coalition into an empty database; returns whether anything was seeded."""
    seeded = _seed_coalition()
    seeded = _seed_tracker() or seeded
    seeded = seed_statements() or seeded
    seeded = seed_followup() or seeded
    from coalition.demo.impact import seed_submissions  # asks (issue 12, item 6)

    return seed_submissions() or seeded


def _seed_coalition() -> bool:
    if db.session.execute(select(func.count(User.id))).scalar_one():
        return False
    orgs: dict[str, Organisation] = {}
    for name, short, description in STEERING:
        orgs[short] = create_organisation(None, name=name, short_name=short, kind="member",
                                          is_steering=True, description=description)
    for name, short, kind, description in MEMBERS:
        orgs[short] = create_organisation(None, name=name, short_name=short, kind=kind,
                                          is_steering=False, description=description)
    for _label, email, name, org_short, role, coalition_role in ACCOUNTS:
        user = create_user(None, email, name, DEMO_PASSWORD, coalition_role)
        if org_short:
            add_member(None, orgs[org_short], user, role)
    db.session.flush()
    return True


MATRIX = "China-UPR3-2018-A-HRC-40-6-matrix.docx"

# Illustrative follow-up on the Hong Kong recommendations, marked as demo data wherever shown:
# (paragraph, organisation short name, status, date, evidence).
# (paragraph, organisation, status, date, evidence, visibility): some public (researchers and
# the public tracker see those), some for the coalition, one kept by its organisation.
DEMO_ASSESSMENTS = [
    ("28.343", "JCHK", "not_implemented", date(2020, 9, 1),
     "*Demo data.* Civil society reports that the rights listed have been **further "
     "restricted** since the review. See the coalition's mid-term assessment.", "public"),
    ("28.343", "HKW", "regressed", date(2021, 11, 5),
     "*Demo data.* Assessment at the mid-term point: laws adopted since 2020 go against "
     "this recommendation.", "coalition"),
    ("28.344", "PEN HK", "regressed", date(2021, 11, 5),
     "*Demo data.* Press freedom indicators declined over the period.", "public"),
    ("28.345", "Unison", "partially", date(2021, 6, 30),
     "*Demo data.* Some training took place; no independent evaluation.", "coalition"),
    ("28.346", "DCV", "unclear", date(2021, 6, 30),
     "*Demo data.* No public information on the legislative process was found.",
     "organisation"),
]
DEMO_RESPONSES = [
    ("28.344", "legco", "supported", date(2021, 3, 17),
     "*Demo data.* The Government considers the existing framework sufficient.",
     "Demo data: illustrative Legislative Council answer"),
]


def _seed_tracker() -> bool:
    """China's 2018 review from the real OHCHR matrix shipped with the package, with some
    illustrative responses and assessments on the Hong Kong recommendations."""
    from importlib import resources

    from coalition.organisations.models import Organisation
    from coalition.recommendations.models import Recommendation
    from coalition.recommendations.services import add_assessment, add_response, import_file
    from coalition.reviews.services import create_review, get_review

    if get_review("CHN", 3) is not None:
        return False
    review = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6),
                           report_symbol="A/HRC/40/6", responses_symbol="A/HRC/40/6/Add.1",
                           midterm_due=date(2021, 3, 31))
    data = resources.files("coalition.demo").joinpath("data", MATRIX).read_bytes()
    import_file(None, MATRIX, data, review)
    orgs = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    coordinator = db.session.scalars(select(User).where(
        User.coalition_role == "coordinator").order_by(User.id)).first()

    def rec(paragraph: str) -> Recommendation:
        return db.session.scalars(select(Recommendation).where(
            Recommendation.review_id == review.id,
            Recommendation.paragraph == paragraph)).one()

    for paragraph, kind, position, when, words, source in DEMO_RESPONSES:
        add_response(coordinator, rec(paragraph), kind, position, when, words, source)
    authors = {u.email: u for u in db.session.scalars(select(User).where(
        User.email.in_(DEMO_AUTHORS.values())))}
    for paragraph, org_short, status, when, evidence, visibility in DEMO_ASSESSMENTS:
        if org_short in orgs:
            author = authors.get(DEMO_AUTHORS.get(org_short, "")) or coordinator
            add_assessment(author, rec(paragraph), orgs[org_short], status, when, evidence,
                           visibility=visibility)
    db.session.flush()
    return True


STATEMENT_V1 = """Mr President,

This statement is delivered on behalf of the Hong Kong UPR Coalition, a coalition of civil society
organisations in Hong Kong.

We welcome the adoption of the outcome of China's third Universal Periodic Review. Six of the 346
recommendations China received name Hong Kong.

We urge the Government to implement the recommendations it supported, and to reconsider those it
noted.
"""

STATEMENT_V2_EDIT = ("We urge the Government to implement the recommendations it supported, "
                     "including recommendation 28.343 on the rights and freedoms of Hong Kong, "
                     "and to reconsider those it noted.")

STATEMENT_V3_ADD = """
We ask the Human Rights Council to follow the implementation of these recommendations closely,
and we stand ready to contribute to the mid-term review.

Thank you, Mr President.
"""


def seed_statements() -> bool:
    """A joint statement on the adoption of China's 2018 outcome: several revisions by different
    organisations, comments, and sign-ons; and a published one with its public page."""
    from coalition.organisations.models import Organisation
    from coalition.statements import services as statements
    from coalition.statements.models import Statement

    if db.session.scalars(select(Statement).limit(1)).first() is not None:
        return False
    orgs = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    coordinator = users.get("coordinator@example.org")
    steering = users.get("steering@example.org")
    if coordinator is None or steering is None or "JCHK" not in orgs:
        return False
    draft = statements.create_statement(
        coordinator, orgs["JCHK"], "Joint statement on the adoption of China's UPR outcome",
        "HRC 40th session, item 6: adoption of the UPR outcome of China", "oral", "en",
        [orgs["PEN HK"], orgs["HKW"]], STATEMENT_V1)
    statements.save_text(steering, draft, orgs["PEN HK"], 1, STATEMENT_V1.replace(
        "We urge the Government to implement the recommendations it supported, and to "
        "reconsider those it\nnoted.", STATEMENT_V2_EDIT), "Name recommendation 28.343")
    text_v2 = statements.head(draft).text
    statements.save_text(coordinator, draft, orgs["JCHK"], 2, text_v2 + STATEMENT_V3_ADD,
                         "Closing paragraph")
    statements.add_comment(steering, draft, orgs["PEN HK"],
                           "Should we also mention the noted recommendations on press freedom?",
                           quote="reconsider those it noted")
    statements.transition(steering, draft, "open_signon",
                          deadline=datetime(2030, 3, 15, 12, 0, tzinfo=UTC))
    statements.sign(coordinator, draft, orgs["JCHK"])
    if "orgadmin@example.org" in users and "Unison" in orgs:
        statements.sign(users["orgadmin@example.org"], draft, orgs["Unison"])

    published = statements.create_statement(
        coordinator, orgs["JCHK"], "Civil society welcomes the end of China's third UPR cycle",
        "Press statement", "press", "en", [orgs["HKW"]],
        "The Hong Kong UPR Coalition has published its **mid-term assessment** of the "
        "recommendations made to China, with a focus on Hong Kong.\n\n"
        "*Demo data: an illustrative statement.*\n")
    statements.transition(steering, published, "open_signon",
                          deadline=datetime(2030, 1, 1, tzinfo=UTC))
    statements.sign(coordinator, published, orgs["JCHK"])
    if "mfmw-admin@example.org" in users and "MFMW" in orgs:
        statements.sign(users["mfmw-admin@example.org"], published, orgs["MFMW"])
    statements.transition(steering, published, "publish")
    db.session.flush()
    return True


# --- follow-up (issue 11, item 8) -------------------------------------------------------------
# China's 2018 Hong Kong recommendations assigned to demo organisations, so that the dashboards,
# the desk and the mid-term assessment show real shapes on first start. Dates are days from the
# day of seeding, so what is overdue stays overdue and what is due soon is due soon.
# (paragraph, lead, supporting, priority, status, due in days, notes)
DEMO_PLANS = [
    ("28.14", "MFMW", ["Unison", "JCHK"], "medium", "in_progress", 180,
     "*Demo data.* Press for ratification of the Migrant Workers Convention, starting with "
     "its extension to Hong Kong."),
    ("28.205", "PEN HK", ["HKW", "HKJA"], "high", "in_progress", 90,
     "*Demo data.* Document restrictions on expression, assembly and association."),
    ("28.343", "JCHK", ["HKW", "CHRF"], "high", "in_progress", -15,
     "*Demo data.* The coalition's lead recommendation for the mid-term assessment."),
    ("28.344", "MFMW", ["JCHK"], "high", "in_progress", 60,
     "*Demo data.* Gather workers' cases on the Standard Employment Contract."),
    ("28.345", "Unison", ["CHRF"], "medium", "not_started", 120, ""),
    ("28.346", "SoCO", ["DCV"], "low", "done", -30,
     "*Demo data.* The coalition's submission on a Children's Commission is made."),
]
# (paragraph, kind, title, owner organisation, owner's e-mail, due in days, done in days
# (None: not done), outcome, links)
DEMO_ACTIONS = [
    ("28.343", "meeting", "Meeting with the Constitutional and Mainland Affairs Bureau", "JCHK",
     "jchk-editor@example.org", -60, -58,
     "*Demo data.* Officials restated the Government's position; no commitment was made to "
     "review the laws adopted since 2020.", ""),
    ("28.343", "un_engagement", "Briefing for the Human Rights Committee's review of Hong Kong",
     "HKW", None, -20, None, "", ""),
    ("28.343", "shadow_report", "Chapter of the mid-term shadow report", "JCHK",
     "jchk-editor@example.org", 21, None, "", ""),
    ("28.344", "legco", "Submission to the LegCo Panel on Manpower on the Standard Employment "
     "Contract", "MFMW", "mfmw-admin@example.org", -90, -92,
     "*Demo data.* The Panel discussed the submission; the Labour Department agreed to publish "
     "its inspection figures.", "https://www.legco.gov.hk/"),
    ("28.344", "media", "Press conference with migrant domestic workers", "MFMW",
     "mfmw-admin@example.org", -10, None, "", ""),
    ("28.205", "un_engagement", "Submission to the Special Rapporteur on freedom of expression",
     "PEN HK", "steering@example.org", -45, -40,
     "*Demo data.* The Special Rapporteur's communication cites the submission.",
     "https://www.ohchr.org/en/special-procedures/sr-freedom-of-opinion-and-expression"),
    ("28.205", "media", "Opinion piece on press freedom", "HKW", None, 14, None, "", ""),
    ("28.14", "meeting", "Meeting with the Labour and Welfare Bureau on the Migrant Workers "
     "Convention", "Unison", "editor@example.org", -5, None, "", ""),
    ("28.346", "legco", "LegCo submission on a Children's Commission", "SoCO", None, -200, -210,
     "*Demo data.* The submission was received; a Children's Commission remains "
     "non-statutory.", ""),
]
# Two organisations disagree about 28.344; the steering committee adopts MFMW's assessment.
# (paragraph, organisation, status, days ago, evidence, links)
DEMO_DISAGREEING = [
    ("28.344", "JCHK", "partially", 40,
     "*Demo data.* The Labour Department now publishes its inspection figures, and more "
     "employment agencies were prosecuted.", "https://www.labour.gov.hk/"),
    ("28.344", "MFMW", "not_implemented", 35,
     "*Demo data.* Workers' cases handled by the Mission show that the Standard Employment "
     "Contract is still breached without consequence: inspections remain rare.",
     "https://www.migrants.net/"),
]
DEMO_POSITION = ("28.344", "MFMW", "not_implemented", 30,
                 "*Demo data.* The lead organisation's evidence from workers' cases outweighs "
                 "the published figures, which count inspections, not outcomes.")


def seed_followup(today: date | None = None) -> bool:
    """Follow-up plans on China's 2018 Hong Kong recommendations (leads, supporting
    organisations, due dates), advocacy actions (some done with outcomes, some overdue), two
    disagreeing assessments of 28.344 and the coalition position adopting one of them.

    Dates count from `today` (default: the day of seeding). Seeds nothing (returns False)
    when any follow-up plan exists, or without the demo's review, organisations and accounts.
    Everything goes through the services (audited, notifying, the coalition position kept
    current for the tracker and the dashboard), as the steering member would do it, but for
    what an organisation with a demo editor (DEMO_AUTHORS: Justice Centre's) writes itself:
    its plan's updates, its actions and its assessments."""
    from coalition.followup.models import FollowUpPlan
    from coalition.recommendations.models import Assessment, Recommendation
    from coalition.recommendations.services import add_assessment
    from coalition.reviews.services import get_review

    if db.session.scalars(select(FollowUpPlan.id).limit(1)).first() is not None:
        return False
    review = get_review("CHN", 3)
    orgs = {o.short_name: o for o in db.session.scalars(select(Organisation))}
    users = {u.email: u for u in db.session.scalars(select(User))}
    steering = users.get("steering@example.org")
    needed = {short for row in DEMO_PLANS for short in (row[1], *row[2])}
    if review is None or steering is None or not needed <= orgs.keys():
        return False
    today = today or date.today()
    recs = {r.paragraph: r for r in db.session.scalars(select(Recommendation).where(
        Recommendation.review_id == review.id,
        Recommendation.paragraph.in_({row[0] for row in DEMO_PLANS})))}
    if len(recs) != len(DEMO_PLANS):
        return False

    from coalition.access import can
    from coalition.followup import positions, services

    def by(org_short: str, rule: str, obj: Any) -> Any:
        """Who writes `org_short`'s follow-up: its demo editor where the policy lets them
        (`rule` on `obj`), else the steering member."""
        author = users.get(DEMO_AUTHORS.get(org_short, ""))
        return author if author is not None and can(author, rule, obj) else steering

    for paragraph, lead, supporting, priority, _status, due, _notes in DEMO_PLANS:
        services.assign(steering, [recs[paragraph].id], orgs[lead], priority,
                        today + timedelta(days=due), [orgs[s] for s in supporting])
    plans = {paragraph: services.plan_of(recs[paragraph]) for paragraph in recs}
    for paragraph, lead, _supporting, _priority, status, due, notes in DEMO_PLANS:
        plan = plans[paragraph]
        assert plan is not None
        services.update_plan(by(lead, "followup.update", plan), plan, status,
                             today + timedelta(days=due), notes)
    for paragraph, kind, title, owner_org, owner, due, done, outcome, links in DEMO_ACTIONS:
        plan = plans[paragraph]
        assert plan is not None
        services.add_action(
            by(owner_org, "followup.add_action", plan), plan, title=title, kind=kind,
            owner_organisation=orgs[owner_org], owner=users.get(owner or ""),
            due_on=today + timedelta(days=due),
            done_on=None if done is None else today + timedelta(days=done), outcome=outcome,
            links=links)
    assessments: dict[str, Assessment] = {}
    for paragraph, org_short, status, days_ago, evidence, links in DEMO_DISAGREEING:
        assessments[org_short] = add_assessment(
            by(org_short, "assessment.create", orgs[org_short]), recs[paragraph],
            orgs[org_short], status, today - timedelta(days=days_ago), evidence, links,
            visibility="coalition")
    paragraph, org_short, _status, days_ago, reason = DEMO_POSITION
    positions.adopt(steering, recs[paragraph], today - timedelta(days=days_ago), reason,
                    assessment=assessments[org_short])
    db.session.flush()
    return True
