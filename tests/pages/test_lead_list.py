import re

import pytest

from truce.funnel import services as funnel_services


def _names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/leads/\d+/">([^<]+)</a>', html)


@pytest.fixture
def three_leads(make_company, make_contact, make_lead, rep, marketer):
    acme = make_company(name="Acme Corp")
    globex = make_company(name="Globex")
    ada = make_contact(
        email="ada@acme.example", first_name="Ada", last_name="Lovelace", company=acme
    )
    bob = make_contact(
        email="bob@globex.example", first_name="Bob", last_name="Byte", company=globex
    )
    cy = make_contact(email="cy@example.org", first_name="Cy", last_name="Adams")
    return {
        "ada": make_lead("mql", contact=ada, owner=rep, source="webinar"),
        "bob": make_lead("lead", contact=bob, owner=marketer, source="paid_search"),
        "cy": make_lead("subscriber", contact=cy, source="webinar"),
    }


def test_list_shows_newest_first_with_columns(rep_client, three_leads):
    response = rep_client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert _names(html) == ["Cy Adams", "Bob Byte", "Ada Lovelace"]
    assert "3 leads" in html
    assert "<td>Marketing qualified (MQL)</td>" in html
    assert "<td>Rita Rep</td>" in html
    assert '<span class="muted">Unassigned</span>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"q": "ada@"}, ["Ada Lovelace"]),  # email starts with
        ({"q": "Ad"}, ["Cy Adams", "Ada Lovelace"]),  # last name, first name
        ({"q": "glob"}, ["Bob Byte"]),  # company
        ({"stage": "mql"}, ["Ada Lovelace"]),
        ({"owner": "rep"}, ["Ada Lovelace"]),
        ({"owner": "none"}, ["Cy Adams"]),
        ({"source": "webinar"}, ["Cy Adams", "Ada Lovelace"]),
        ({"source": "webinar", "stage": "subscriber"}, ["Cy Adams"]),
        ({"outcome": "lost"}, []),
    ],
)
def test_filters_work_as_plain_get_params(rep_client, three_leads, query, expected):
    html = rep_client.get("/", query).content.decode()
    assert _names(html) == expected


def test_filter_by_outcome(rep_client, three_leads, close_lead):
    close_lead(three_leads["bob"], "disqualified", "spam")
    html = rep_client.get("/", {"outcome": "disqualified"}).content.decode()
    assert _names(html) == ["Bob Byte"]
    assert "1 lead<" in html


def test_no_match_says_so(rep_client, three_leads):
    html = rep_client.get("/", {"q": "zzz"}).content.decode()
    assert "0 leads" in html
    assert "No lead matches these filters." in html


def test_filters_keep_their_values_in_the_form(rep_client, three_leads):
    html = rep_client.get("/", {"q": "ada", "stage": "mql"}).content.decode()
    assert 'value="ada"' in html
    assert '<option value="mql" selected>' in html


def test_htmx_request_gets_only_the_results_fragment(rep_client, three_leads):
    response = rep_client.get("/", {"q": "bob"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html
    assert "<form" not in html
    assert _names(html) == ["Bob Byte"]


def test_pages_of_fifty(rep_client, make_lead, stage):
    for _ in range(51):
        make_lead("subscriber")
    first = rep_client.get("/").content.decode()
    assert len(_names(first)) == 50
    assert "51 leads · page 1 of 2" in first
    assert 'rel="next" href="?page=2"' in first
    second = rep_client.get("/", {"page": 2, "stage": "subscriber"}).content.decode()
    assert len(_names(second)) == 1
    assert 'rel="prev" href="?stage=subscriber&amp;page=1"' in second


def test_list_query_count_does_not_grow_with_leads(
    rep_client, make_lead, make_contact, make_company, rep, django_assert_num_queries
):
    def add(n):
        for _ in range(n):
            company = make_company()
            make_lead("mql", contact=make_contact(company=company), owner=rep, source="ads")

    add(3)
    # session, user, stages for the filter, count, one page of leads with their relations
    with django_assert_num_queries(5):
        rep_client.get("/", {"source": "ads"})
    add(27)
    with django_assert_num_queries(5):
        html = rep_client.get("/", {"source": "ads"}).content.decode()
    assert len(_names(html)) == 30


def test_list_reads_the_same_for_every_role(viewer_client, three_leads):
    assert len(_names(viewer_client.get("/").content.decode())) == 3


def test_create_lead_is_reflected(rep_client, make_contact, rep):
    funnel_services.create_lead(
        contact=make_contact(first_name="Zed", last_name="Zulu"), actor=rep, source="referral"
    )
    assert _names(rep_client.get("/", {"source": "referral"}).content.decode()) == ["Zed Zulu"]
