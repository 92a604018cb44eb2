"""The default funnel, glossary and reason lists, from the source articles (DESIGN.md)."""

STAGES = [
    (
        "subscriber",
        "Subscriber",
        "marketing",
        "Someone who opted in to hear from us (newsletter, blog) but has shown no buying interest.",
        [],
        None,
        [{"title": "Newsletter", "kind": "content"}],
    ),
    (
        "lead",
        "Lead",
        "marketing",
        "A known person who gave us their contact details in exchange for something of value.",
        [{"name": "Has an email address", "rule": "contact_email != null"}],
        30,
        [{"title": "Industry white paper", "kind": "white_paper"}],
    ),
    (
        "mql",
        "Marketing qualified (MQL)",
        "marketing",
        "A lead that meets the signed sales-ready definition and is handed to sales.",
        [{"name": "Has an email address", "rule": "contact_email != null"}],
        7,
        [
            {"title": "Buyer's guide", "kind": "white_paper"},
            {"title": "Webinar", "kind": "webinar"},
        ],
    ),
    (
        "sal",
        "Sales accepted (SAL)",
        "sales",
        "An MQL a sales rep has accepted as worth working.",
        [{"name": "Has an owner", "rule": "owner != null"}],
        3,
        [{"title": "Case study", "kind": "case_study"}],
    ),
    (
        "prospecting",
        "Prospecting",
        "sales",
        "Sales researches the account and plans the first outreach.",
        [{"name": "Has an owner", "rule": "owner != null"}],
        7,
        [{"title": "Case study", "kind": "case_study"}],
    ),
    (
        "connecting",
        "Connecting",
        "sales",
        "Sales has reached the buyer in a two-way conversation.",
        [
            {"name": "Has an owner", "rule": "owner != null"},
            {"name": "Sales has touched the lead", "rule": "sales_touches >= 1"},
        ],
        14,
        [{"title": "Product overview deck", "kind": "deck"}],
    ),
    (
        "researching",
        "Researching",
        "sales",
        "Sales qualifies needs, budget, authority and timing.",
        [{"name": "Has an owner", "rule": "owner != null"}],
        14,
        [{"title": "ROI calculator", "kind": "tool"}],
    ),
    (
        "presenting",
        "Presenting",
        "sales",
        "Sales demonstrates and proposes a solution with an estimated amount.",
        [
            {"name": "Has an owner", "rule": "owner != null"},
            {"name": "Has an estimated amount", "rule": "amount != null and amount > 0"},
        ],
        21,
        [
            {"title": "Live demo", "kind": "demo"},
            {"title": "Proposal template", "kind": "template"},
        ],
    ),
    (
        "closing",
        "Closing",
        "sales",
        "Negotiation and signature.",
        [
            {"name": "Has an owner", "rule": "owner != null"},
            {"name": "Has an estimated amount", "rule": "amount != null and amount > 0"},
        ],
        30,
        [{"title": "Contract template", "kind": "template"}],
    ),
    (
        "customer",
        "Customer",
        "sales",
        "The lead was won: a signed deal with an amount.",
        [],
        None,
        [{"title": "Onboarding guide", "kind": "guide"}],
    ),
]

REASONS = {
    "lost": [
        ("price", "Price too high"),
        ("competitor", "Chose a competitor"),
        ("no_budget", "No budget"),
        ("no_decision", "No decision / went dark"),
        ("timing", "Bad timing"),
        ("product_fit", "Missing features"),
    ],
    "rejected": [
        ("not_icp", "Not our ideal customer profile"),
        ("bad_data", "Bad contact data"),
        ("student", "Student or job seeker"),
        ("no_interest", "No buying interest"),
        ("duplicate", "Duplicate lead"),
    ],
    "recycled": [
        ("not_ready", "Not ready to buy yet"),
        ("no_response", "No response"),
        ("future_budget", "Budget next period"),
    ],
    "disqualified": [
        ("spam", "Spam or fake"),
        ("competitor_employee", "Competitor employee"),
        ("out_of_territory", "Outside our markets"),
        ("too_small", "Too small"),
    ],
}

TERMS = [
    (
        "lead",
        "Lead",
        "A known person on one journey through our funnel, from first touch to an "
        "outcome. Repeat business from the same person is a new lead.",
    ),
    (
        "mql",
        "Marketing qualified lead (MQL)",
        "A lead that satisfies the sales-ready definition "
        "signed by both the marketing owner and the sales owner.",
    ),
    ("sal", "Sales accepted lead (SAL)", "An MQL that the assigned rep accepted as worth working."),
    (
        "touch",
        "Touch",
        "Any recorded interaction with a lead: by marketing (email open or click, "
        "form fill, webinar, download, ad click, page visit) or by sales (call, email, meeting, "
        "demo).",
    ),
    ("customer", "Customer", "A lead with the outcome won: a signed deal with an amount."),
    ("lost", "Lost", "A lead sales worked and did not win, with a reason from the lost list."),
    (
        "recycled",
        "Recycled",
        "A lead sent back to marketing nurture, with a reason; it keeps its "
        "history and can be reopened.",
    ),
    (
        "disqualified",
        "Disqualified",
        "A lead that should never have entered the funnel (spam, "
        "competitor, out of territory), with a reason.",
    ),
]


def install(apps=None) -> None:
    """Create whatever of the defaults is missing. Works inside a migration (pass `apps`)."""
    from django.apps import apps as live_apps
    from django.utils import timezone

    registry = apps or live_apps
    stage_model = registry.get_model("funnel", "Stage")
    reason_model = registry.get_model("funnel", "Reason")
    term_model = registry.get_model("funnel", "Term")
    version_model = registry.get_model("funnel", "TermVersion")
    for position, (key, name, team, definition, criteria, dwell, collateral) in enumerate(STAGES):
        stage_model.objects.get_or_create(
            key=key,
            defaults={
                "name": name,
                "team": team,
                "position": (position + 1) * 10,
                "definition": definition,
                "entry_criteria": criteria,
                "max_dwell_days": dwell,
                "collateral": collateral,
                "is_won": key == "customer",
            },
        )
    for kind, reasons in REASONS.items():
        for position, (key, label) in enumerate(reasons):
            reason_model.objects.get_or_create(
                kind=kind, key=key, defaults={"label": label, "position": position}
            )
    for key, name, definition in TERMS:
        term, created = term_model.objects.get_or_create(key=key, defaults={"name": name})
        if created:
            version_model.objects.create(
                term=term, version=1, definition=definition, created_at=timezone.now()
            )
