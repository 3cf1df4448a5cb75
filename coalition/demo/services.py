"""Seed the demo: the Hong Kong UPR Coalition with an account for every role."""

from __future__ import annotations

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


def demo_accounts() -> list[tuple[str, str]]:
    return [(label, email) for label, email, *_ in ACCOUNTS]


def seed_demo() -> bool:
    """Seed the demo coalition into an empty database; returns whether anything was seeded."""
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
