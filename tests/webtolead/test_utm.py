"""UTM parameters: source and campaign of the lead; all five kept with the touch."""

from truce.funnel.models import Lead
from truce.ledger.models import Event
from truce.touches.models import Campaign, Touch
from truce.webtolead.models import Submission

UTM = {
    "utm_source": "Newsletter",
    "utm_medium": "Email",
    "utm_campaign": "spring-launch",
    "utm_term": "crm software",
    "utm_content": "header link",
}


def test_utm_values_map_to_source_and_campaign_and_are_kept(make_form, visitor, make_campaign):
    spring = make_campaign(name="Spring Launch")
    form = make_form(default_campaign=make_campaign(name="Always on"))

    visitor.post(form, {"email": "ada@example.com", **UTM})

    lead, touch = Lead.objects.get(), Touch.objects.get()
    assert (lead.source, lead.campaign) == ("newsletter", spring)
    assert (touch.campaign, touch.channel) == (spring, "email")
    submission = Submission.objects.get()
    assert submission.touch == touch
    kept = {name: getattr(submission, name) for name in UTM}
    assert kept == UTM
    assert Event.objects.get(kind="webform.submitted").payload["utm"] == UTM


def test_a_campaign_is_matched_by_name_ignoring_case(make_form, visitor, make_campaign):
    summer = make_campaign(name="Summer Ads")

    visitor.post_json(make_form(), {"email": "a@example.com", "utm_campaign": "summer ads"})

    assert Lead.objects.get().campaign == summer


def test_utm_values_come_from_the_action_address_when_the_body_has_none(
    make_form, visitor, make_campaign
):
    webinar = make_campaign(name="Webinar")
    form = make_form()

    visitor.post(
        form,
        {"email": "a@example.com", "utm_source": "", "utm_medium": "social"},
        query="utm_source=LinkedIn&utm_medium=ignored&utm_campaign=Webinar&utm_content=post",
    )

    lead, submission = Lead.objects.get(), Submission.objects.get()
    assert (lead.source, lead.campaign, Touch.objects.get().channel) == (
        "linkedin",
        webinar,
        "social",  # the body wins over the address
    )
    assert (submission.utm_source, submission.utm_medium, submission.utm_content) == (
        "LinkedIn",
        "social",
        "post",
    )


def test_an_unknown_campaign_falls_back_to_the_form_default_and_creates_none(
    make_form, visitor, make_campaign
):
    default = make_campaign(name="Always on")
    form = make_form(default_source="website", default_campaign=default)

    visitor.post(form, {"email": "a@example.com", "utm_campaign": "no-such-thing"})

    lead = Lead.objects.get()
    assert (lead.source, lead.campaign, Touch.objects.get().campaign) == (
        "website",
        default,
        default,
    )
    assert Campaign.objects.count() == 1
    assert Submission.objects.get().utm_campaign == "no-such-thing"


def test_no_utm_and_no_default_campaign_leaves_the_lead_unattributed(make_form, visitor):
    visitor.post(make_form(default_source=""), {"email": "a@example.com"})

    lead = Lead.objects.get()
    assert (lead.source, lead.campaign) == ("", None)
