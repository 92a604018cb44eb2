"""Importing files: what a good file writes, what a second import changes (nothing), and how
every kind of bad input is reported with nothing half-applied."""

import csv
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from truce.funnel.models import Lead, StageVisit
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.ledger.selectors import verify_chain
from truce.people.models import Company, Contact
from truce.touches.models import Campaign
from truce.transfer.imports.engine import Reading, run_import
from truce.transfer.imports.mapping import MappingError, parse_spec
from truce.transfer.imports.reading import SourceError
from truce.transfer.models import ImportJob, ImportStatus

LEADS_HEADER = ["Email", "First Name", "Company", "Website", "Lead ID", "Lead Source",
                "Campaign", "Owner", "Amount", "Created"]  # fmt: skip


def write_csv(path: Path, header: list[str], rows: list[list[str]], **kw) -> Path:
    with path.open("w", newline="", encoding=kw.pop("encoding", "utf-8")) as handle:
        writer = csv.writer(handle, **kw)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def spec(kind="leads", **document):
    return parse_spec(document, kind=kind)


def counts():
    return (Lead.objects.count(), Contact.objects.count(), Company.objects.count(),
            Campaign.objects.count(), Event.objects.count())  # fmt: skip


@pytest.fixture
def leads_file(tmp_path, rep, make_campaign):
    make_campaign("Spring webinar")
    return write_csv(
        tmp_path / "leads.csv",
        LEADS_HEADER,
        [
            [
                "ada@acme.com",
                "Ada",
                "Acme",
                "https://www.acme.com",
                "L-1",
                "webinar",
                "Spring webinar",
                rep.username,
                "1,200.50",
                "2026-03-02 09:30",
            ],
            [
                "bob@acme.com",
                "Bob",
                "Acme",
                "acme.com",
                "L-2",
                "webinar",
                "",
                "",
                "",
                "2026-03-03 10:00",
            ],
            [
                "cy@beta.io",
                "Cy",
                "Beta",
                "beta.io",
                "L-3",
                "paid_search",
                "",
                "",
                "99",
                "2026-03-04 11:15",
            ],
        ],
    )


def test_a_leads_file_creates_contacts_companies_and_leads_with_imported_events(
    leads_file, admin_user, rep
):
    report = run_import(kind="leads", path=leads_file, spec=spec(), actor=admin_user)

    assert (report.status, report.rows, report.created, report.bad_count) == ("done", 3, 3, 0)
    assert report.columns == {
        "Email": "email", "First Name": "first_name", "Company": "company_name",
        "Website": "company_domain", "Lead ID": "external_id", "Lead Source": "source",
        "Campaign": "campaign", "Owner": "owner", "Amount": "amount", "Created": "created_at",
    }  # fmt: skip
    ada = Lead.objects.select_related("contact", "company", "campaign", "stage").get(
        external_id="L-1"
    )
    assert (ada.contact.email, ada.contact.first_name, ada.company.domain) == (
        "ada@acme.com",
        "Ada",
        "acme.com",
    )
    assert (ada.source, ada.campaign.name, ada.owner, ada.amount) == (
        "webinar",
        "Spring webinar",
        rep,
        Decimal("1200.50"),
    )
    assert ada.created_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert ada.stage.key == "subscriber"  # the funnel's first stage
    assert StageVisit.objects.filter(lead=ada).count() == 1
    # Two leads at one company: one company, matched by its domain.
    assert Company.objects.count() == 2
    assert Lead.objects.get(external_id="L-2").company_id == ada.company_id

    events = Event.objects.filter(imported=True).exclude(kind="import.finished")
    assert sorted(events.values_list("kind", flat=True)) == sorted(
        ["company.created"] * 2 + ["contact.created"] * 3 + ["lead.created"] * 3
        + ["lead.assigned"]
    )  # fmt: skip
    created = Event.objects.get(kind="lead.created", subject_id=ada.pk)
    assert created.payload["import"] == {"job": report.job_id, "line": 2}
    assert created.occurred_at == ada.created_at
    assert created.actor_id == admin_user.pk
    finished = Event.objects.get(kind="import.finished")
    assert (finished.payload["created"], finished.payload["rows"]) == (3, 3)
    assert verify_chain().ok


def test_importing_the_same_file_again_changes_nothing(leads_file, admin_user):
    run_import(kind="leads", path=leads_file, spec=spec(), actor=admin_user)
    before = counts()

    again = run_import(kind="leads", path=leads_file, spec=spec(), actor=admin_user)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    lead_count, contact_count, company_count, campaign_count, events = counts()
    assert (lead_count, contact_count, company_count, campaign_count) == before[:4]
    assert events == before[4] + 1  # only the second import.finished


def test_a_changed_value_updates_the_record_and_says_what_changed(leads_file, admin_user, tmp_path):
    run_import(kind="leads", path=leads_file, spec=spec(), actor=admin_user)
    changed = write_csv(tmp_path / "changed.csv", ["Lead ID", "Lead Source", "Amount"],
                        [["L-3", "events", "99"], ["L-2", "webinar", ""]])  # fmt: skip

    report = run_import(kind="leads", path=changed, spec=spec(), actor=admin_user)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    lead = Lead.objects.get(external_id="L-3")
    assert (lead.source, lead.amount) == ("events", Decimal("99.00"))
    event = Event.objects.filter(kind="lead.updated").get()
    assert (event.subject_id, event.payload["changes"]) == (
        lead.pk,
        {"source": ["paid_search", "events"]},
    )
    assert event.imported is True


def test_one_bad_row_refuses_the_whole_file_and_reports_it(tmp_path, admin_user):
    path = write_csv(
        tmp_path / "bad.csv",
        ["Email", "Created"],
        [["a@x.com", "2026-01-02"], ["b@x.com", "2026-02-31"], ["not-an-email", "2026-01-03"]],
    )
    before = counts()

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert report.status == ImportStatus.REFUSED
    assert counts() == before
    assert [(b.line, b.column) for b in report.bad_rows] == [(3, "Created"), (4, "Email")]
    assert report.bad_rows[0].reason == "'2026-02-31' is not a date in YYYY-MM-DD"
    assert report.bad_rows[1].reason == "'not-an-email' is not an email address"
    with open(report.bad_rows_file, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["error", "Email", "Created"],
            ["line 3, column Created: '2026-02-31' is not a date in YYYY-MM-DD", "b@x.com",
             "2026-02-31"],
            ["line 4, column Email: 'not-an-email' is not an email address",
             "not-an-email", "2026-01-03"],
        ]  # fmt: skip
    assert ImportJob.objects.get(pk=report.job_id).status == ImportStatus.REFUSED


def test_skipping_bad_rows_imports_the_good_ones_only(tmp_path, admin_user):
    path = write_csv(tmp_path / "bad.csv", ["Email", "Created"],
                     [["a@x.com", "2026-01-02"], ["b@x.com", "2026-02-31"]])  # fmt: skip

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user, skip_bad_rows=True)

    assert (report.status, report.created, report.bad_count) == ("done", 1, 1)
    assert list(Contact.objects.values_list("email", flat=True)) == ["a@x.com"]
    assert Path(report.bad_rows_file).read_text(encoding="utf-8").count("\n") == 2


def test_a_dry_run_counts_and_writes_nothing(leads_file, admin_user):
    before = counts()

    report = run_import(kind="leads", path=leads_file, spec=spec(), actor=admin_user,
                        dry_run=True)  # fmt: skip

    assert (report.status, report.created, report.updated, report.unchanged) == (
        "dry_run", 3, 0, 0,
    )  # fmt: skip
    assert counts() == before


def test_ambiguous_dates_ask_which_format(tmp_path, admin_user):
    path = write_csv(tmp_path / "dates.csv", ["Email", "Created"],
                     [["a@x.com", "03-04-2018"], ["b@x.com", "05-06-2018"]])  # fmt: skip

    with pytest.raises(MappingError) as asked:
        run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert asked.value.field == "mapping.formats.Created"
    assert "DD-MM-YYYY or MM-DD-YYYY" in asked.value.message
    assert Lead.objects.count() == 0

    chosen = spec(formats={"Created": "MM-DD-YYYY"})
    run_import(kind="leads", path=path, spec=chosen, actor=admin_user)
    created = sorted(Lead.objects.values_list("created_at", flat=True))
    assert [c.date().isoformat() for c in created] == ["2018-03-04", "2018-05-06"]


@pytest.mark.parametrize(
    ("document", "field", "message"),
    [
        ({"columns": {"Email": "mail"}}, "mapping.columns.Email",
         "Column 'Email' maps to 'mail', which leads imports do not have"),
        ({"columns": {"E-mail": "email"}}, "mapping.columns.E-mail",
         "Column 'E-mail' is not in the file"),
        ({"columns": {"Email": "email", "Name": "email"}}, "mapping.columns.Name",
         "Columns 'Email' and 'Name' both fill 'email'."),
        ({"columns": {"Email": "email"}, "constants": {"colour": "red"}},
         "mapping.constants.colour", "The constant 'colour' is not a field of leads imports."),
        ({"columns": {"Email": "email"}, "options": {"timezone": "Mars/Olympus"}},
         "mapping.options.timezone", "'Mars/Olympus' is not a time zone"),
        ({"columns": {"Email": "email"}, "options": {"speed": "fast"}}, "mapping.options.speed",
         "'speed' is not an option"),
        ({"kind": "contacts"}, "mapping.kind", "This mapping is for contacts imports"),
    ],
)  # fmt: skip
def test_a_mapping_that_does_not_fit_is_refused_naming_what(
    tmp_path, admin_user, document, field, message
):
    path = write_csv(tmp_path / "x.csv", ["Email", "Name"], [["a@x.com", "A"]])

    with pytest.raises(MappingError) as refused:
        run_import(
            kind="leads", path=path, spec=parse_spec(document, kind="leads"), actor=admin_user
        )

    assert refused.value.field == field
    assert refused.value.message.startswith(message)
    assert (Lead.objects.count(), ImportJob.objects.count()) == (0, 0)


def test_contacts_need_an_email_column(tmp_path, admin_user):
    path = write_csv(tmp_path / "x.csv", ["Name"], [["A"]])

    with pytest.raises(MappingError) as refused:
        run_import(kind="contacts", path=path, spec=spec("contacts"), actor=admin_user)

    assert refused.value.message == "Contacts imports need a column for 'email'."


def test_a_key_twice_in_one_file_is_a_bad_row(tmp_path, admin_user):
    path = write_csv(tmp_path / "dup.csv", ["Lead ID", "Email"],
                     [["L-1", "a@x.com"], ["L-2", "b@x.com"], ["L-1", "c@x.com"]])  # fmt: skip

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert [(b.line, b.reason) for b in report.bad_rows] == [(4, "Same external id L-1 as line 2.")]
    assert Lead.objects.count() == 0


def test_references_that_do_not_exist_are_bad_rows(tmp_path, admin_user):
    path = write_csv(
        tmp_path / "refs.csv",
        ["Email", "Owner", "Stage", "Campaign"],
        [["a@x.com", "nobody", "", ""], ["b@x.com", "", "Heaven", ""],
         ["c@x.com", "", "", "Unknown campaign"], ["d@x.com", "", "Customer", ""]],
    )  # fmt: skip

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert [(b.line, b.column, b.reason) for b in report.bad_rows] == [
        (2, "Owner", "No user with the username or email 'nobody'."),
        (3, "Stage", "'Heaven' is not a stage of the funnel."),
        (4, "Campaign", "No campaign named 'Unknown campaign' (add \"create_missing\": "
         "[\"campaign\"] to the mapping's options to create it)."),
        (5, "Stage", "A lead cannot start in Customer."),
    ]  # fmt: skip


def test_missing_campaigns_are_created_when_the_mapping_says_so(tmp_path, admin_user):
    path = write_csv(tmp_path / "c.csv", ["Email", "Campaign", "Source"],
                     [["a@x.com", "LP-1", "social"], ["b@x.com", "LP-1", "social"]])  # fmt: skip

    run_import(kind="leads", path=path, actor=admin_user,
               spec=spec(options={"create_missing": ["campaign"]}))  # fmt: skip

    campaign = Campaign.objects.get()
    assert (campaign.name, campaign.channel) == ("LP-1", "social")
    assert Lead.objects.filter(campaign=campaign).count() == 2
    assert Event.objects.filter(kind="campaign.created").count() == 1


def test_malformed_csv_rows_are_each_reported(tmp_path, admin_user):
    path = tmp_path / "broken.csv"
    big = "x" * (10 * 1024 * 1024)
    path.write_text(
        "Email,First Name\n"
        "a@x.com,Ann\n"
        "b@x.com,Bob,extra\n"
        f"c@x.com,{big}\n"
        'd@x.com,"unbalanced\n'
        "e@x.com,Eve\n",
        encoding="utf-8",
    )

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert report.status == ImportStatus.REFUSED
    assert {b.line: b.reason for b in report.bad_rows} == {
        3: "Line 3 has 3 cells, the header has 2.",
        4: "Line 4 is longer than the 8,388,608-character line limit.",
        5: "Unbalanced quote: a quote opened on line 5 is never closed, so lines 5–6 would be "
        "one cell.",
    }
    assert Lead.objects.count() == 0


def test_a_file_in_another_encoding_is_refused_with_a_suggestion(tmp_path, admin_user):
    path = write_csv(tmp_path / "latin.csv", ["Email", "Company"],
                     [["a@x.com", "Société Générale"]], encoding="cp1252")  # fmt: skip

    with pytest.raises(SourceError) as refused:
        run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert refused.value.field == "encoding"
    assert "--encoding" in refused.value.message


def test_a_formula_in_a_name_is_imported_as_text_with_a_warning(tmp_path, admin_user):
    formula = '=HYPERLINK("http://evil.example","click")'
    path = write_csv(tmp_path / "f.csv", ["Email", "First Name"], [["a@x.com", formula]])

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user)

    assert Contact.objects.get().first_name == formula
    assert report.warnings == [
        f"line 2, column 'First Name': {formula[:40]!r} looks like a spreadsheet formula; "
        "imported as text (exports neutralise it)"
    ]


def test_contacts_are_one_person_whatever_the_case_of_their_email(
    tmp_path, admin_user, make_contact
):
    make_contact("Ada@Acme.com", first_name="Ada")
    path = write_csv(tmp_path / "c.csv", ["Email", "Last Name", "Website", "Company"],
                     [["ada@acme.COM ", "Lovelace", "acme.com", "Acme"],
                      ["new@beta.io", "New", "beta.io", "Beta"]])  # fmt: skip

    report = run_import(kind="contacts", path=path, spec=spec("contacts"), actor=admin_user)

    assert (report.created, report.updated) == (1, 1)
    ada = Contact.objects.get(email_key="ada@acme.com")
    assert (ada.first_name, ada.last_name, ada.company.domain) == ("Ada", "Lovelace", "acme.com")
    assert Contact.objects.count() == 2


def test_campaigns_are_matched_by_name(tmp_path, admin_user, make_campaign, marketer):
    make_campaign("Autumn", channel="email", budget=Decimal("100"))
    path = write_csv(
        tmp_path / "c.csv",
        ["Campaign Name", "Type", "Budget", "Start Date", "End Date", "Owner"],
        [["Autumn", "email", "250", "2026-09-01", "2026-11-30", marketer.username],
         ["Winter", "events", "1 000", "2026-12-01", "2027-02-28", ""]],
    )  # fmt: skip

    report = run_import(
        kind="campaigns", path=path, actor=admin_user,
        spec=spec("campaigns", preset="hubspot", options={"decimal_separator": "."}),
    )  # fmt: skip

    assert (report.created, report.updated, report.bad_count) == (1, 1, 0)
    autumn, winter = Campaign.objects.order_by("name")
    assert (autumn.budget, autumn.owner, str(autumn.starts_on)) == (
        Decimal("250.00"), marketer, "2026-09-01",
    )  # fmt: skip
    assert (winter.channel, winter.budget) == ("events", Decimal("1000.00"))


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MARKETER, Role.VIEWER])
def test_only_the_owners_and_admins_import(tmp_path, make_user, role):
    path = write_csv(tmp_path / "x.csv", ["Email"], [["a@x.com"]])

    with pytest.raises(Exception) as refused:
        run_import(kind="leads", path=path, spec=spec(), actor=make_user(role))

    assert getattr(refused.value, "code", "") == "permission_denied"
    assert (Lead.objects.count(), ImportJob.objects.count()) == (0, 0)


def test_the_bad_rows_of_a_file_read_with_an_encoding_come_back_readable(tmp_path, admin_user):
    path = write_csv(tmp_path / "latin.csv", ["Email", "Company"],
                     [["a@x.com", "Société Générale"], ["nope", "Crédit"]],
                     encoding="cp1252")  # fmt: skip

    report = run_import(kind="leads", path=path, spec=spec(), actor=admin_user,
                        reading=Reading(encoding="cp1252"))  # fmt: skip

    assert report.status == ImportStatus.REFUSED
    with open(report.bad_rows_file, newline="", encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1] == [
            "line 3, column Email: 'nope' is not an email address",
            "nope",
            "Crédit",
        ]
