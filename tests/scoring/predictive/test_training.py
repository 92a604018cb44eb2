"""Training on closed outcomes where the signal is known, and the refusals."""

import math
from datetime import UTC, datetime

import pytest

from truce.errors import PermissionDenied
from truce.ledger.models import Event
from truce.scoring.models import LeadPrediction, PredictiveModel
from truce.scoring.predictive import explain, features, fitting, services
from truce.scoring.predictive.errors import TooFewOutcomes

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def test_the_model_finds_the_source_that_wins(signal, marketer):
    model = services.train_model(actor=marketer, now=NOW)

    assert (model.version, model.training_size, model.won_count, model.lost_count) == (
        1, 50, 19, 31
    )  # fmt: skip
    assert model.holdout_size == 13  # 25 % of 50, rounded up by scikit-learn
    # Source is the only signal: the best AUC on all 50 leads would be
    # (16/19)(27/31) + ½[(16/19)(4/31) + (3/19)(27/31)] = 0.857; 13 held-out leads vary around it.
    assert model.auc > 0.75
    top = model.metrics["top_features"][0]
    assert (top["feature"], top["value"]) == ("source", "partner") and top["weight"] > 0
    event = Event.objects.get(kind="scoring.model_trained")
    assert event.payload["version"] == 1 and event.actor_id == marketer.pk
    assert event.payload["won"] == 19 and event.payload["lost"] == 31


def test_open_leads_get_a_probability_with_factors_that_add_up(
    signal, marketer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # training enqueues the predictions
        model = services.train_model(actor=marketer, now=NOW)

    partner = LeadPrediction.objects.get(lead=signal["partner"])
    ads = LeadPrediction.objects.get(lead=signal["ads"])
    assert LeadPrediction.objects.count() == 2  # open leads only; closed ones are not scored
    assert partner.model == model and partner.probability > 0.5 > ads.probability
    assert partner.factors[0]["feature"] == "source"
    assert partner.factors[0]["text"].startswith("Source is partner: raises the chance (+")
    assert ads.factors[0]["text"].startswith("Source is ads: lowers the chance (-")

    trained = fitting.load(PredictiveModel.objects.get().artifact, model.features)
    example = next(features.examples(features.open_leads(), NOW))[0]
    _names, rows = explain.contributions(trained, [example])
    log_odds = explain.base_log_odds(trained) + rows[0].sum()
    assert 1 / (1 + math.exp(-log_odds)) == pytest.approx(partner.probability, abs=1e-12)


def test_training_is_deterministic(signal, marketer):
    first = services.train_model(actor=marketer, now=NOW)
    second = services.train_model(actor=marketer, now=NOW)

    assert second.version == 2
    assert (second.auc, second.metrics, second.fingerprint) == (
        first.auc, first.metrics, first.fingerprint
    )  # fmt: skip


def test_the_scheduled_retrain_trains_only_when_outcomes_changed(signal, make_closed):
    first = services.retrain_if_changed(now=NOW)
    assert first is not None and first.version == 1 and first.trained_by is None

    assert services.retrain_if_changed(now=NOW) is None
    assert PredictiveModel.objects.count() == 1
    assert Event.objects.filter(kind="scoring.model_trained").count() == 1

    make_closed("lost", source="partner", day=45)
    assert services.retrain_if_changed(now=NOW).version == 2


def test_predicting_twice_changes_nothing_the_second_time(signal, marketer):
    services.train_model(actor=marketer, now=NOW)
    assert services.predict_open_leads(now=NOW) == 2
    assert Event.objects.get(kind="scoring.predictions_refreshed").payload == {
        "version": 1,
        "changed": 2,
    }
    events = Event.objects.filter(kind="scoring.predictions_refreshed").count()

    assert services.predict_open_leads(now=NOW) == 0
    assert Event.objects.filter(kind="scoring.predictions_refreshed").count() == events


def test_too_few_outcomes_is_refused_and_nothing_is_written(make_closed, marketer):
    for i in range(12):
        make_closed("won", day=i)
    for i in range(9):
        make_closed("lost", day=i)
    for i in range(5):
        make_closed("recycled", day=i)  # not counted as lost
    events = Event.objects.count()

    with pytest.raises(TooFewOutcomes) as refused:
        services.train_model(actor=marketer, now=NOW)

    assert refused.value.code == "too_few_outcomes" and refused.value.field == "outcomes"
    assert refused.value.message == (
        "Training needs at least 10 won and 10 lost (or disqualified) leads; there are 12 won "
        "and 9 lost. Recycled and open leads do not count."
    )
    assert PredictiveModel.objects.count() == 0 and Event.objects.count() == events
    assert services.retrain_if_changed(now=NOW) is None  # the schedule waits quietly


def test_a_rep_may_not_train(signal, rep):
    with pytest.raises(PermissionDenied):
        services.train_model(actor=rep, now=NOW)
    assert PredictiveModel.objects.count() == 0


def test_leads_closed_after_the_training_moment_are_left_out(make_closed, marketer):
    for i in range(10):
        make_closed("won", day=i)
        make_closed("lost", day=i)
    make_closed("won", day=200)  # closes after NOW

    assert len(features.training_examples(NOW)) == 20
