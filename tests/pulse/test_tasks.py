"""The periodic job that opens the month's round."""

from django.conf import settings

from truce.ledger.models import Event
from truce.pulse.models import Round
from truce.pulse.tasks import open_due_round


def test_the_job_is_scheduled():
    assert "truce.pulse.tasks.open_due_round" in settings.TRUCE_PERIODIC_JOBS


def test_the_job_opens_the_month_round_once(db, today):
    first = open_due_round.call()
    second = open_due_round.call()
    round_ = Round.objects.get()
    assert (first, second) == (round_.pk, None)
    assert round_.opens_on == today.replace(day=1)
    assert Event.objects.filter(kind="pulse.round_opened").count() == 1


def test_the_daily_mix_rewrites_recent_rows_and_keeps_replies(open_round, people, make_user):
    from truce.identity.models import Role
    from truce.pulse import services
    from truce.pulse.models import Answer, Participation, Post, Reply
    from truce.pulse.tasks import mix_pulse

    from .conftest import scores

    first, second = people(2)
    services.answer_survey(round_=open_round, actor=first, scores=scores(3, 4, 5))
    services.answer_survey(round_=open_round, actor=second, scores=scores(1, 2, 3))
    post = services.write_post(actor=first, body="Hello")
    services.reply_to_post(post=post, actor=make_user(Role.SALES_OWNER), body="Hi")
    keys = set(Answer.objects.values_list("pk", flat=True))

    assert mix_pulse.call() == 2 + 6 + 1
    assert keys.isdisjoint(Answer.objects.values_list("pk", flat=True))
    assert sorted(Answer.objects.values_list("question__key", "score")) == [
        ("cooperation", 1),
        ("cooperation", 3),
        ("shared_goals", 2),
        ("shared_goals", 4),
        ("trust_numbers", 3),
        ("trust_numbers", 5),
    ]
    assert sorted(Participation.objects.values_list("person_id", flat=True)) == sorted(
        [first.pk, second.pk]
    )
    assert list(Reply.objects.values_list("post_id", "body")) == [(post.pk, "Hi")]
    assert list(Post.objects.values_list("pk", "body")) == [(post.pk, "Hello")]


def test_the_mix_job_is_scheduled():
    assert "truce.pulse.tasks.mix_pulse" in settings.TRUCE_PERIODIC_JOBS
