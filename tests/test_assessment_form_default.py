"""The assessment form offers the signed-in person's own organisation first: the coordinator
may record for any active organisation, and one tester's assessment went to the first in the
alphabet, unnoticed (issue 11's try-out)."""

from __future__ import annotations

import re

from sqlalchemy import select

from coalition.demo.services import DEMO_PASSWORD, seed_demo
from coalition.extensions import db
from coalition.organisations.models import Organisation
from coalition.recommendations.models import Recommendation


def test_the_coordinators_own_organisation_is_chosen(app, client, auth):
    assert seed_demo()
    db.session.commit()
    rec = db.session.scalars(select(Recommendation).where(
        Recommendation.paragraph == "28.345")).one()
    own = db.session.scalars(select(Organisation).where(Organisation.short_name == "JCHK")).one()
    auth.login("coordinator@example.org", DEMO_PASSWORD)
    html = client.get(f"/recommendations/{rec.id}").get_data(as_text=True)
    select_html = re.search(r'<select id="organisation" name="organisation">(.*?)</select>',
                            html, re.S).group(1)
    chosen = re.findall(r'<option selected value="(\d+)">|<option value="(\d+)" selected>',
                        select_html)
    assert [a or b for a, b in chosen] == [str(own.id)], select_html[:500]
    # More than one organisation is offered, and the first in the alphabet is another one.
    assert select_html.count("<option") > 2
    assert not select_html.lstrip().startswith(f'<option selected value="{own.id}"')
