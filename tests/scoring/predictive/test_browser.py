"""A marketer trains the win model in the browser and reads it, then a lead's probability."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import default_funnel  # noqa: F401 (autouse: the stages)
from tests.browser.fixtures import screenshot
from truce.scoring.models import LeadPrediction, PredictiveModel
from truce.scoring.predictive import fitting  # noqa: F401 (scikit-learn loaded before the clicks)

pytestmark = pytest.mark.browser


def test_a_marketer_trains_and_reads_the_model(log_in, live_server, signal, marketer, tmp_path):
    screen = log_in("marketer")
    screen.get_by_role("link", name="Win model").click()
    expect(screen.get_by_role("heading", name="Win probability model")).to_be_visible()
    expect(screen.get_by_text("No model has been trained yet.")).to_be_visible()

    screen.get_by_role("button", name="Train a new version now").click()

    expect(screen.get_by_role("status")).to_contain_text("Model version 1 trained")
    model = PredictiveModel.objects.get()
    expect(screen.locator("#auc")).to_have_text(f"{model.auc:.3f}")
    table = screen.get_by_role("table").filter(has_text="Open leads now")
    expect(table.get_by_role("row")).to_have_count(10)  # header and nine thresholds
    at_half = table.get_by_role("row").filter(has=screen.get_by_role("rowheader", name="50 %"))
    expect(at_half.get_by_role("cell").last).to_have_text("1")  # the open partner lead
    expect(screen.locator("#calibration-chart")).to_be_visible()
    screenshot(screen, "predictive-model.png", tmp_path)

    lead = signal["partner"]
    screen.goto(f"{live_server.url}/leads/{lead.pk}/")
    prediction = LeadPrediction.objects.get(lead=lead)
    section = screen.locator("#lead-prediction")
    expect(section.locator(".probability")).to_have_text(f"{prediction.probability * 100:.0f} %")
    expect(section.get_by_role("listitem").first).to_have_text(prediction.factors[0]["text"])
    section.get_by_role("link", name="model version 1").click()
    expect(screen.locator("#auc")).to_be_visible()
