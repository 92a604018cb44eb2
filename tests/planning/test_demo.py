"""`truce demo` seeds this quarter's plan with exactly one disconnect, once."""

from tests.demo.test_seed import fresh  # noqa: F401 (an empty, fresh database)
from truce.demo.agreement import install_demo_agreement
from truce.demo.services import seed_demo
from truce.ledger.selectors import verify_chain
from truce.planning.demo import install_demo_planning
from truce.planning.disconnects import INCENTIVE_UP_BUDGET_DOWN
from truce.planning.models import Finding, Plan, PlanRevision


def test_the_demo_plan_shows_one_disconnect_and_seeds_once(fresh):  # noqa: F811
    seed_demo(leads=300, seed=42)
    install_demo_agreement()

    install_demo_planning()
    install_demo_planning()

    plans = list(Plan.objects.order_by("period_start"))
    assert [(p.period_kind, p.product_line, p.revision_count) for p in plans] == [
        ("quarter", "Analytics", 1),
        ("quarter", "Analytics", 1),
    ]
    assert PlanRevision.objects.count() == 2
    assert list(Finding.objects.values_list("revision__plan", "code")) == [
        (plans[1].pk, INCENTIVE_UP_BUDGET_DOWN)
    ]
    finding = Finding.objects.get()
    assert finding.numbers["budget_before"] == "60000.00"
    assert finding.numbers["budget_now"] == "45000.00"
    assert finding.numbers["incentives_now"] == "16000.00"
    assert verify_chain().ok
