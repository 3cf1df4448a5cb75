"""Shared scene of the follow-up tests (issue 11): a review dated 6 November 2018 with five
recommendations, world's organisations, a dormant one, and evidence files kept in tmp_path."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from coalition.extensions import db
from coalition.followup.models import AdvocacyAction, EvidenceFile, FollowUpPlan
from coalition.recommendations.models import Recommendation
from coalition.recommendations.services import paragraph_sort_key, text_key
from coalition.reviews.services import create_review

REVIEW_DATE = date(2018, 11, 6)


@dataclass
class Scene:
    world: Any
    review: Any
    recs: list[Any]
    dormant: Any
    files_dir: Path

    @property
    def users(self) -> dict[str, Any]:
        return self.world.users


def add_recs(review: Any, count: int, start: int = 1, territory: str | None = None) -> list:
    from coalition.recommendations.models import RecommendationTerritory

    recs = []
    for n in range(start, start + count):
        text = f"Uphold rights in Hong Kong, point {n}."
        rec = Recommendation(review=review, paragraph=f"28.{n}",
                             paragraph_sort=paragraph_sort_key(f"28.{n}"), text=text,
                             text_key=text_key(text), position="supported")
        if territory:
            rec.territory_rows = [RecommendationTerritory(territory=territory)]
        db.session.add(rec)
        recs.append(rec)
    db.session.flush()
    return recs


@pytest.fixture(name="fu")
def fu_scene(app: Flask, world: Any, make_org: Any, tmp_path: Path) -> Scene:
    app.config["FILES_DIR"] = str(tmp_path / "files")
    review = create_review(None, "CHN", 3, session=31, review_date=REVIEW_DATE)
    recs = add_recs(review, 5)
    dormant = make_org("Dormant Organisation", short_name="DOR", active=False)
    db.session.commit()
    return Scene(world, review, recs, dormant, tmp_path / "files")


def counts() -> dict[str, int]:
    """Rows of the follow-up tables, read on a fresh connection."""
    with db.engine.connect() as conn:
        return {model.__tablename__: conn.execute(select(func.count()).select_from(
            model.__table__)).scalar_one()
                for model in (FollowUpPlan, AdvocacyAction, EvidenceFile)}


def kept_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def seed_plan_with_evidence(app: Flask, world: Any, rec_id: int) -> dict[str, int]:
    """For the route sweeps (access matrix, hostile input): a plan of `rec_id` led by
    world.org, an action of world.org's with an evidence file kept in a temporary folder.
    Returns {"plan_id", "action_id", "file_id"}."""
    import io
    import tempfile

    from coalition.followup import services

    app.config["FILES_DIR"] = tempfile.mkdtemp(prefix="followup-files-")
    services.assign(world.users["coordinator"], [rec_id], world.org, "medium", None)
    plan = db.session.scalars(select(FollowUpPlan)).one()
    action, _stored = services.add_action(
        world.users["editor"], plan, title="Sweep meeting", kind="meeting",
        owner_organisation=world.org, upload=io.BytesIO(b"%PDF-1.4 sweep"),
        upload_name="sweep.pdf")
    db.session.commit()
    return {"plan_id": plan.id, "action_id": action.id,
            "file_id": action.evidence_files[0].id}
