"""The migration that added the funnel's shortcuts fills them on facts written before it:
the same values the reducer writes, from what the rows already held."""

import importlib

from django.db import connection

from truce.insights.models import LeadFacts, StageFacts

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
