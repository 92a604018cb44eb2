"""The same training and predictions through the API, the pages and `truce scoring`."""

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.api.conftest import error_of
from truce.ledger.models import Event
from truce.scoring.models import LeadPrediction, PredictiveModel
from truce.scoring.predictive import services

from .test_training import NOW


@pytest.fixture
def trained(signal, marketer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        model = services.train_model(actor=marketer, now=NOW)
    return model


@pytest.fixture
def login():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def test_api_lists_and_shows_versions(trained, signal, client_for, rep):
    api = client_for(rep)

    [item] = api.get("/scoring/models").json()["items"]
    assert item["version"] == 1 and item["trained_by"] == "marketer"
    assert (item["training_size"], item["won_count"], item["lost_count"]) == (50, 19, 31)
    body = api.get("/scoring/models/1").json()
    assert body["auc"] == trained.auc
    assert [r["threshold"] for r in body["thresholds"]] == [
        0.1,
        0.2,
        0.3,
        0.4,
        0.5,
        0.6,
        0.7,
        0.8,
        0.9,
    ]
    # Open leads now: the partner lead is above 50 %, the ads lead below.
    partner = LeadPrediction.objects.get(lead=signal["partner"]).probability
    ads = LeadPrediction.objects.get(lead=signal["ads"]).probability
    assert partner >= 0.5 > ads
    at_half = next(r for r in body["thresholds"] if r["threshold"] == 0.5)
    assert at_half["open_leads"] == 1
    assert len(body["calibration"]) == 10
    assert body["top_features"][0]["value"] == "partner"
    assert body["features"]["categorical"][0] == "source"


def test_api_missing_version_is_a_404(trained, client_for, rep):
    response = client_for(rep).get("/scoring/models/7")
    assert response.status_code == 404
    assert error_of(response)["field"] == "version"


def test_api_prediction_of_a_lead(trained, signal, client_for, admin_user):
    api = client_for(admin_user)
    body = api.get(f"/leads/{signal['partner'].pk}/prediction").json()

    stored = LeadPrediction.objects.get(lead=signal["partner"])
    assert body["probability"] == stored.probability and body["model_version"] == 1
    assert body["factors"] == stored.factors and body["factors"][0]["feature"] == "source"
    response = api.get("/leads/999999/prediction")
    assert response.status_code == 404


def test_api_trains_with_permission_only(signal, client_for, rep, marketer):
    refused = client_for(rep).post("/scoring/models")
    assert refused.status_code == 403 and PredictiveModel.objects.count() == 0

    created = client_for(marketer).post("/scoring/models")
    assert created.status_code == 201 and created.json()["version"] == 1


def test_api_too_few_outcomes_is_a_409_and_nothing_changes(make_closed, client_for, marketer):
    make_closed("won")
    api = client_for(marketer)
    events = Event.objects.count()

    response = api.post("/scoring/models")

    assert response.status_code == 409
    error = error_of(response)
    assert (error["code"], error["field"]) == ("too_few_outcomes", "outcomes")
    assert "there are 1 won and 0 lost" in error["message"]
    assert PredictiveModel.objects.count() == 0 and Event.objects.count() == events


def test_the_model_page_shows_auc_thresholds_and_history(trained, login, rep):
    page = login(rep).get("/scoring/model/").content.decode()

    assert f'<strong id="auc">{trained.auc:.3f}</strong>' in page
    assert "Threshold table: agree the sales-ready definition" in page
    assert '<th scope="row">50 %</th>' in page
    assert 'href="?version=1" aria-current="page">v1</a>' in page
    assert 'id="train"' not in page  # a rep does not train
    assert '<th scope="row">Source</th><td>partner</td>' in page


def test_the_model_page_before_any_training(login, rep):
    page = login(rep).get("/scoring/model/").content.decode()
    assert "No model has been trained yet." in page
    assert login(rep).get("/scoring/model/?version=x").status_code == 404
    assert login(rep).get("/scoring/model/?version=3").status_code == 404


def test_training_from_the_page(signal, login, marketer, django_capture_on_commit_callbacks):
    client = login(marketer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/scoring/model/train/", follow=True)

    assert response.redirect_chain == [("/scoring/model/", 302)]
    assert "Model version 1 trained" in response.content.decode()
    assert LeadPrediction.objects.count() == 2


def test_training_refused_on_the_page(make_closed, login, marketer, rep):
    make_closed("lost")
    response = login(marketer).post("/scoring/model/train/")
    assert response.status_code == 409
    assert "there are 0 won and 1 lost" in response.content.decode()

    assert login(rep).post("/scoring/model/train/").status_code == 403
    assert PredictiveModel.objects.count() == 0


def test_the_lead_page_shows_the_probability_and_factors(trained, signal, login, admin_user):
    lead = signal["partner"]
    page = login(admin_user).get(f"/leads/{lead.pk}/").content.decode()

    stored = LeadPrediction.objects.get(lead=lead)
    assert f'<strong class="probability">{stored.probability * 100:.0f} %</strong>' in page
    assert stored.factors[0]["text"] in page


def test_the_lead_page_without_a_prediction(signal, login, admin_user):
    page = login(admin_user).get(f"/leads/{signal['ads'].pk}/").content.decode()
    assert "No win probability yet" in page


def test_cli_trains_predicts_and_lists(signal, capsys):
    call_command("scoring", "train")
    out = capsys.readouterr().out
    model = PredictiveModel.objects.get()
    assert out.startswith(
        f"model v1: 50 closed leads (19 won, 31 lost), held-out AUC {model.auc:.3f}; 2 predictions"
    )
    assert "threshold  volume  precision  recall" in out

    call_command("scoring", "predict")
    assert capsys.readouterr().out == "0 predictions changed\n"
    call_command("scoring", "models")
    assert capsys.readouterr().out.startswith("v1  ")


def test_cli_refusals(make_closed):
    with pytest.raises(CommandError, match="there are 0 won and 0 lost"):
        call_command("scoring", "train")
    with pytest.raises(CommandError, match="No predictive model has been trained yet"):
        call_command("scoring", "predict")
    with pytest.raises(CommandError, match="No active user 'nobody'"):
        call_command("scoring", "train", "--as", "nobody")
