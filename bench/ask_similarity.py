"""Similarity proposals at scale (issue 12, item 4): a review of 350 recommendations against
50 submissions of 20 asks each (1,000 asks), target under 2 s.

Measures, in one run on generated data:
  * baseline: every (ask, recommendation) pair scored one by one in Python
    (fuzz.token_set_ratio on the texts prepared per pair, as a naive loop would);
  * coalition.impact.similarity.propose: texts prepared once, rapidfuzz's process.extract per
    ask (the loop over recommendations in C++), top 3 at or above the threshold;
  * services.refresh_proposals end to end on a migrated SQLite database (read the asks and the
    recommendations, delete undecided proposals, insert the new ones, audit), and the hit rate:
    how often the recommendation an ask paraphrases is among its proposals.

    python bench/ask_similarity.py            # SQLite in a temporary folder
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rapidfuzz import fuzz

from bench.common import config, reset_database

VERBS = ["Ensure", "Guarantee", "Protect", "Strengthen", "Adopt", "Repeal", "Ratify", "Promote",
         "Investigate", "Establish", "Amend", "Release", "Combat", "Respect", "Abolish"]
SUBJECTS = ["freedom of expression", "peaceful assembly", "the rights of migrant domestic "
            "workers", "an independent national human rights institution", "the death "
            "penalty", "torture in detention", "the rights of persons with disabilities",
            "discrimination on grounds of sexual orientation", "the rights of the child",
            "press freedom and journalists", "human rights defenders", "ethnic minorities",
            "gender equality in employment", "access to education in rural areas",
            "the right to health", "trafficking in persons", "the independence of the judiciary",
            "universal suffrage", "labour rights and trade unions", "religious freedom"]
PLACES = ["in Hong Kong", "in Macao", "in Tibet", "in Xinjiang", "in rural areas", "nationwide",
          "in line with international standards", "in accordance with the Paris Principles",
          "including online", "with the participation of civil society"]
SYNONYMS = {"Ensure": "Make sure of", "Guarantee": "Secure", "Protect": "Safeguard",
            "Strengthen": "Reinforce", "Combat": "Fight", "Establish": "Set up",
            "Amend": "Revise", "Repeal": "Withdraw"}


def recommendation(rng: random.Random, n: int) -> str:
    return (f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)} {rng.choice(PLACES)}, and "
            f"{rng.choice(VERBS).lower()} {rng.choice(SUBJECTS)} {rng.choice(PLACES)} ({n})")


def paraphrase(rng: random.Random, text: str) -> str:
    """An ask in other words: verbs swapped for synonyms, the number dropped, a clause added."""
    words = [SYNONYMS.get(w, w) for w in text.rsplit(" (", 1)[0].split()]
    return " ".join(words) + rng.choice(["", " without delay", ", as a matter of priority",
                                         " and report on progress"])


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    from coalition.impact import similarity

    rng = random.Random(12)
    recs = [(i, recommendation(rng, i)) for i in range(1, 351)]
    asks, wanted = [], {}
    for a in range(1, 1001):
        rec_id, text = rng.choice(recs)
        asks.append((a, paraphrase(rng, text) if a % 4 else
                     f"{rng.choice(VERBS)} {rng.choice(SUBJECTS)}"))  # a quarter: generic
        wanted[a] = rec_id if a % 4 else None

    # The baseline takes seconds: one run on a tenth of the asks, scaled.
    tenth = asks[:100]
    start = time.perf_counter()
    for _ask_id, ask_text in tenth:
        for _rec_id, rec_text in recs:
            fuzz.token_set_ratio(similarity.prepared(ask_text), similarity.prepared(rec_text))
    base = (time.perf_counter() - start) * 10
    batch, proposals = timed(lambda: similarity.propose(asks, recs))
    hits = {(p.ask_id, p.recommendation_id) for p in proposals}
    targeted = [a for a, r in wanted.items() if r is not None]
    hit_rate = sum(1 for a in targeted if (a, wanted[a]) in hits) / len(targeted)
    print(f"asks x recommendations: {len(asks)} x {len(recs)} = {len(asks) * len(recs):,} pairs")
    print(f"baseline, per pair in Python: {base:.2f} s (100 asks timed, x10)")
    print(f"propose (prepared once, process.extract per ask): {batch:.3f} s median of 3, "
          f"{len(proposals)} proposals, paraphrase found in top {similarity.TOP_N}: "
          f"{hit_rate:.0%}")

    # End to end on SQLite: the service as the "Propose links" button runs it for a review.
    from coalition import create_app
    from coalition.extensions import db
    from coalition.impact import services
    from coalition.impact.models import Ask
    from coalition.organisations.services import create_organisation
    from coalition.recommendations.models import Recommendation
    from coalition.reviews.services import create_review, ensure_reference_data
    from coalition.submissions.models import Submission

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(config(f"sqlite:///{folder}/bench.sqlite3"))
        with app.app_context():
            reset_database(app)
            ensure_reference_data()
            review = create_review(None, "CHN", 3, session=31, review_date=date(2018, 11, 6))
            org = create_organisation(None, name="Bench organisation")
            db.session.add_all(Recommendation(review=review, paragraph=f"28.{i}", text=t,
                                              text_key=str(i), paragraph_sort=i)
                               for i, t in recs)
            for s in range(50):
                sub = Submission(review=review, title=f"Bench {s}", lead_organisation=org)
                db.session.add(sub)
                db.session.add_all(Ask(submission=sub, number=n + 1, text=asks[s * 20 + n][1])
                                   for n in range(20))
            db.session.commit()
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                count = services.refresh_proposals(None, review)
                db.session.commit()
                runs.append(time.perf_counter() - start)
            print(f"refresh_proposals for the review, SQLite, end to end: "
                  f"{statistics.median(runs):.3f} s median of 3 ({count} proposals written)")
            db.engine.dispose()


if __name__ == "__main__":
    main()
