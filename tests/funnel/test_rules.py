import pytest

from truce.funnel import services
from truce.funnel.errors import InvalidRule
from truce.funnel.rules import Criterion, compile_rule, first_failure, parse_criteria
from truce.ledger.models import Event


def test_a_syntax_error_reports_the_position_and_token():
    with pytest.raises(InvalidRule) as exc:
        compile_rule("score >= 40 and and owner != null")

    assert exc.value.message == (
        "Syntax error at position 17 ('and') in rule 'score >= 40 and and owner != null'."
    )


def test_a_rule_that_ends_too_early_says_so():
    with pytest.raises(InvalidRule) as exc:
        compile_rule("score >=")
    assert exc.value.message == "Syntax error at the end in rule 'score >='."


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "x"},
        [{"name": "x"}],
        [{"rule": "score > 1"}],
        ["score > 1"],
        [{"name": "x", "rule": "("}],
    ],
)
def test_malformed_criteria_are_refused(raw):
    with pytest.raises(InvalidRule):
        parse_criteria(raw)


def test_first_failure_is_the_first_false_criterion_in_order():
    criteria = [Criterion("big", "company_employees >= 50"), Criterion("hot", "score >= 30")]

    assert first_failure(criteria, {"company_employees": 80, "score": 40}) is None
    failed, why = first_failure(criteria, {"company_employees": 10, "score": 10})
    assert (failed.name, why) == ("big", "it evaluated to false")


def test_a_criterion_that_cannot_be_evaluated_fails_with_the_reason():
    failed, why = first_failure([Criterion("budget", "facts['budget'] > 10")], {"facts": {}})

    assert failed.name == "budget"
    assert why.startswith("it could not be evaluated")


def test_rules_read_facts_and_company_fields_of_a_lead(
    make_lead, make_company, make_contact, stage, admin_user
):
    company = make_company(employees=120)
    lead = make_lead(
        "mql", contact=make_contact(company=company), owner=admin_user, facts={"budget": 5000}
    )
    services.update_stage(
        stage=stage("sal"),
        actor=admin_user,
        changes={
            "entry_criteria": [
                {"name": "Big enough", "rule": "company_employees >= 100"},
                {"name": "Has budget", "rule": "facts['budget'] >= 1000"},
            ]
        },
    )

    assert services.move_lead(lead=lead, stage=stage("sal"), actor=admin_user).stage.key == "sal"


def test_update_stage_refuses_a_bad_rule_and_keeps_the_old_criteria(stage, admin_user):
    sal = stage("sal")
    before = (list(sal.entry_criteria), Event.objects.count())

    with pytest.raises(InvalidRule) as exc:
        services.update_stage(
            stage=sal,
            actor=admin_user,
            changes={"entry_criteria": [{"name": "x", "rule": "owner !="}]},
        )

    assert exc.value.field == "entry_criteria[0].rule"
    sal.refresh_from_db()
    assert (sal.entry_criteria, Event.objects.count()) == before
