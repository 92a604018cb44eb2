"""What the model may see of a lead: only what was known before its outcome."""

import math
from datetime import UTC, datetime, timedelta

from truce.scoring.predictive import features
from truce.touches import services as touch_services

from .conftest import START

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _example(lead_id):
    return next(e for e in features.training_examples(NOW) if e.lead_id == lead_id)


def test_touches_after_the_outcome_are_ignored(make_closed, admin_user):
    lead = make_closed(
        "won",
        touches=(("email_open", 2), ("webinar", 5), ("call", 10), ("demo", 30), ("meeting", 31)),
        closed_after=30,
    )  # the demo happens at the very moment of the outcome, the meeting a day later
    touch_services.record_touch(
        lead=lead, kind="call", actor=admin_user, occurred_at=START + timedelta(days=90)
    )

    seen = _example(lead.pk).features
    assert (seen["touches"], seen["marketing_touches"], seen["sales_touches"]) == (3, 2, 1)
    assert (seen["touches_email_open"], seen["touches_webinar"], seen["touches_call"]) == (1, 1, 1)
    assert seen["touches_demo"] == 0 and seen["touches_meeting"] == 0
    assert seen["days_to_first_touch"] == 2.0
    assert not {"amount", "stage", "outcome", "disposition"} & set(seen)


def test_an_open_lead_counts_its_touches_up_to_now(make_closed):
    lead = make_closed(None, touches=(("form_fill", 1), ("call", 3)))
    [batch] = features.examples(features.open_leads(), START + timedelta(days=2))

    assert [e.label for e in batch] == [None]
    assert batch[0].features["touches"] == 1 and batch[0].features["days_to_first_touch"] == 1.0
    assert lead.pk == batch[0].lead_id


def test_a_lead_without_touches_has_no_first_touch(make_closed):
    seen = _example(make_closed("lost").pk).features
    assert seen["touches"] == 0 and math.isnan(seen["days_to_first_touch"])


def test_labels_recycled_leads_are_left_out(make_closed):
    won, lost = make_closed("won"), make_closed("lost")
    disqualified, _ = make_closed("disqualified"), make_closed("recycled")

    found = {e.lead_id: e.label for e in features.training_examples(NOW)}
    assert found == {won.pk: 1, lost.pk: 0, disqualified.pk: 0}


def test_contact_and_company_features(make_closed, make_contact, make_company):
    company = make_company(industry="Software", employees=99)
    at_work = make_contact(email="ada@acme.example", company=company)
    free = make_contact(email="Bob@GMail.com")
    leads = [make_closed("won", contact=c) for c in (at_work, free)]

    seen = [_example(lead.pk).features for lead in leads]
    assert [s["email"] for s in seen] == ["company", "free"]
    assert features.email_kind("") == "(none)"  # the funnel's first stage requires an email
    assert seen[0]["industry"] == "Software" and seen[0]["employees"] == math.log(100)
    assert seen[1]["industry"] == "(none)" and math.isnan(seen[1]["employees"])


def test_common_facts_become_columns_and_rare_ones_do_not(make_closed):
    for i in range(19):
        make_closed("lost", facts={"seats": i, "plan": "pro", "trial": i % 2 == 0})
    make_closed("won", facts={"seats": 3, "rare": "x", "nested": {"a": 1}})

    found = features.training_examples(NOW)
    spec = features.feature_spec(found)
    # "rare" is on 1 lead of 20 (5 %): kept; a nested value is never a column.
    assert spec["categorical"][-3:] == ["fact:plan", "fact:rare", "fact:trial"]
    assert spec["numeric"][-1] == "fact:seats"

    rows = features.matrix(found, spec)
    n_cat = len(spec["categorical"])
    assert rows.shape == (20, n_cat + len(spec["numeric"]))
    assert rows[0, spec["categorical"].index("fact:trial")] == "true"
    assert rows[1, spec["categorical"].index("fact:trial")] == "false"
    assert rows[19, spec["categorical"].index("fact:plan")] == "(none)"
    assert rows[19, n_cat + spec["numeric"].index("fact:seats")] == 3.0


def test_facts_written_at_or_after_the_outcome_are_ignored(make_closed, admin_user):
    from truce.funnel.services import leads as lead_services

    lead = make_closed("won", facts={"plan": "pro"}, closed_after=30)
    # written later, the way an import of closed deals fills in the deal's attributes
    lead_services.update_lead(
        lead=lead, actor=admin_user, changes={"facts": {"plan": "pro", "segment": "retail"}}
    )
    open_lead = make_closed(None, facts={"plan": "basic"})
    lead_services.update_lead(
        lead=open_lead, actor=admin_user, changes={"facts": {"plan": "basic", "segment": "food"}}
    )

    seen = _example(lead.pk).features
    assert seen["fact:plan"] == "pro" and "fact:segment" not in seen
    [batch] = features.examples(features.open_leads(), NOW)
    assert batch[0].features["fact:segment"] == "food"  # an open lead: what is known now
