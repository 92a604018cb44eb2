"""GET /api/v1/reports and /api/v1/reports/{name}: JSON or CSV; bad input is a 4xx."""

import csv
import io

import pytest

from tests.api.conftest import ApiClient, error_of
from truce.identity import services as identity_services
from truce.identity.models import Role
from truce.insights.models import LeadFacts


@pytest.fixture
def api_as(make_user):
    def make(role=Role.SALES_REP):
        user = make_user(role)
        return ApiClient(identity_services.create_api_token(user=user, name="tests")[1])

    return make


@pytest.fixture
def two_leads(make_facts):
    make_facts(1, [("lead", 0, 1), ("mql", 1, 3)], source="web")
    make_facts(2, [("lead", 0, 2)], source="@SUM(A1)")


def test_the_list_names_every_report(api_as):
    response = api_as().get("/reports")
    assert response.status_code == 200
    names = {r["name"] for r in response.json()["items"]}
    assert {"funnel", "lost_reasons", "rejections", "recycled", "feedback", "quality"} <= names


def test_a_rep_reads_the_funnel_as_json(api_as, two_leads):
    response = api_as(Role.SALES_REP).get("/reports/funnel", {"by": "source"})
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "funnel"
    assert body["columns"][0] == {"key": "group", "label": "Source", "kind": "text"}
    web_lead = next(r for r in body["rows"] if r["group"] == "web" and r["stage"] == "Lead")
    assert (web_lead["reached"], web_lead["any_cumulative"], web_lead["median_seconds"]) == (
        1,
        "100.0",
        86400,
    )
    assert body["chart"]["type"] == "bar"


def test_csv_export_neutralises_formulas(api_as, two_leads):
    response = api_as().get("/reports/funnel", {"by": "source", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="funnel.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["group"] for r in rows} == {"web", "'@SUM(A1)"}


def test_window_from_and_to(api_as, two_leads):
    response = api_as().get("/reports/funnel", {"from": "2026-02-01", "to": "2026-02-28"})
    lead = next(r for r in response.json()["rows"] if r["stage"] == "Lead")
    assert lead["reached"] == 0


@pytest.mark.parametrize(
    ("path", "params", "status", "code", "field"),
    [
        ("/reports/nonsense", {}, 404, "unknown_report", "name"),
        ("/reports/funnel", {"by": "colour"}, 400, "invalid_query", "by"),
        ("/reports/funnel", {"from": "soon"}, 400, "invalid_query", "from"),
        ("/reports/funnel", {"to": "2026-13-45"}, 400, "invalid_query", "to"),
        ("/reports/funnel", {"as_of": "2999-01-01T00:00:00Z"}, 400, "invalid_query", "as_of"),
        ("/reports/funnel", {"format": "xlsx"}, 422, "invalid", "format"),
        ("/reports/quality", {"period": "2026-Q9"}, 422, "invalid_period", "period"),
        ("/reports/quality", {"as_of": "2026-01-01"}, 400, "invalid_query", "as_of"),
    ],
)
def test_bad_input_is_a_4xx_with_code_and_field(api_as, path, params, status, code, field):
    response = api_as().get(path, params)
    assert response.status_code == status
    body = error_of(response)
    assert (body["code"], body["field"]) == (code, field)
    assert LeadFacts.objects.count() == 0


def test_reports_need_a_token(db):
    assert ApiClient(None).get("/reports/funnel").status_code == 401
