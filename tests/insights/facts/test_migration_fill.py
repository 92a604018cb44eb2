"""The migrations that added the funnel's shortcuts and the leads' paths fill them on facts
written before them: the same values the reducer writes, from what the rows (and, for the
paths, the touches) already held."""

import importlib

from django.db import connection

from truce.insights.models import LeadFacts, StageFacts, TouchFacts
from truce.touches import services as touches

from .conftest import DAY, T0

MINUTE = DAY / 1440

fill = importlib.import_module("truce.insights.migrations.0002_funnel_shortcuts").fill


class Editor:
    connection = connection


def test_the_fill_gives_what_the_reducer_writes(won_journey, winding_journey, facts_rows):
    written = facts_rows()
    assert any(row["stages_reached"] for row in written["lead"])
    LeadFacts.objects.update(stages_reached=0)
    StageFacts.objects.update(seconds=None, lead_created_at=None)
    assert facts_rows() != written

    fill(None, Editor())

    assert facts_rows() == written


fill_paths = importlib.import_module("truce.insights.migrations.0003_path_positions").fill


def test_the_path_fill_gives_what_the_reducer_writes(
    won_journey, winding_journey, admin_user, facts_rows
):
    # A marketing touch recorded after later ones, then moved: the path is renumbered twice.
    early = touches.record_touch(
        lead=won_journey, kind="webinar", actor=admin_user, occurred_at=T0 + 30 * MINUTE
    )
    touches.update_touch(touch=early, actor=admin_user, changes={"occurred_at": T0 + 7 * DAY})
    written = facts_rows()
    assert [row["position"] for row in written["touch"]] == [1, 2, 3]
    assert {row["marketing_by_won"] for row in written["lead"]} == {3, None}
    TouchFacts.objects.all().delete()
    LeadFacts.objects.update(
        marketing_by_created=None,
        marketing_by_qualified=None,
        marketing_by_opportunity=None,
        marketing_by_won=None,
    )
    assert facts_rows() != written

    fill_paths(None, Editor())

    assert facts_rows() == written
