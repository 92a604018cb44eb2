"""`truce demo` seeds the template playbooks, once, with a history and reviews due."""

from datetime import timedelta

from django.utils import timezone

from truce.identity.models import Role
from truce.ledger.selectors import verify_chain
from truce.playbooks import selectors
from truce.playbooks.demo import install_demo_playbooks
from truce.playbooks.models import Playbook, PlaybookVersion, Review
from truce.playbooks.seeds import ORDER, template


def test_the_demo_seeds_every_template_once(make_user, mona):
    sam = make_user(Role.SALES_OWNER, username="sam")

    install_demo_playbooks()
    install_demo_playbooks()  # idempotent: nothing is added or overwritten

    assert sorted(Playbook.objects.values_list("key", flat=True)) == sorted(ORDER)
    assert len(ORDER) == 8
    assert PlaybookVersion.objects.count() == 9  # eight templates, one edited once
    sales = Playbook.objects.get(key="customer-journey-sales")
    assert (sales.current.number, sales.current.author, sales.owner) == (2, sam, mona)
    review = Review.objects.get()
    assert sorted(u.username for u in review.attendees.all()) == ["mona", "sam"]
    assert sales.next_review_due == timezone.localdate() + timedelta(days=60)
    today = timezone.localdate()
    due = [p.key for p in selectors.due_reviews(user=mona, today=today)]
    assert due == ["creating-content", "evaluating-processes"]
    journey = Playbook.objects.get(key="customer-journey-marketing")
    assert sorted(journey.stages.values_list("key", flat=True)) == ["lead", "mql", "subscriber"]
    assert verify_chain().ok


def test_every_template_has_steps_that_say_why():
    for key in ORDER:
        data = template(key)
        assert data["key"] == key
        assert len(data["steps"]) >= 5, key
        for step in data["steps"]:
            assert step["who"] and step["what"] and len(step["why"]) > 30, (key, step)
