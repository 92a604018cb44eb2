"""`truce demo` seeds a pulse with enough answers to show results and a trend."""

from truce.identity.models import Role
from truce.pulse import selectors
from truce.pulse.demo import install_demo_pulse
from truce.pulse.models import Answer, Participation, Post, Reply, Round


def test_the_demo_pulse_has_results_a_withheld_round_and_answered_posts(make_user, today):
    make_user(Role.MARKETING_OWNER, username="mona")
    make_user(Role.SALES_OWNER, username="sam")
    people = [make_user() for _ in range(10)]
    install_demo_pulse(today=today)

    rows = selectors.results(user=people[0], today=today)
    # Newest first: this month (open, 6 answers), then 11, 10, 4 and 9 answers.
    assert [(r.respondents, r.withheld) for r in rows] == [
        (6, "round still open"),
        (11, None),
        (10, None),
        (4, "not enough answers"),
        (9, None),
    ]
    assert all(len(r.questions) == 3 for r in rows if r.shown)
    assert Answer.objects.count() == 3 * (6 + 11 + 10 + 4 + 9)
    assert Participation.objects.count() == 6 + 11 + 10 + 4 + 9
    assert (Post.objects.count(), Reply.objects.count()) == (3, 2)

    install_demo_pulse(today=today)
    assert (Round.objects.count(), Post.objects.count(), Answer.objects.count()) == (5, 3, 120)
