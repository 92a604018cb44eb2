"""Anonymous posts and the leaders' public replies."""

import pytest

from truce.errors import DomainError, PermissionDenied
from truce.identity.models import Role
from truce.ledger.models import Event
from truce.pulse import selectors, services
from truce.pulse.models import Post, Reply


def test_a_post_keeps_its_text_and_the_day_only(rep, today):
    events = Event.objects.count()
    post = services.write_post(actor=rep, body="  Marketing never hears back.  ")
    stored = Post.objects.get()
    assert (stored.pk, stored.body, stored.posted_on) == (
        post.pk,
        "Marketing never hears back.",
        today,
    )
    assert [f.name for f in Post._meta.concrete_fields] == ["id", "body", "posted_on"]
    assert Event.objects.count() == events


def test_posts_of_one_day_are_rewritten_but_keep_their_keys(rep, marketer):
    first = services.write_post(actor=rep, body="One")
    second = services.write_post(actor=marketer, body="Two")
    assert sorted(Post.objects.values_list("pk", "body")) == sorted(
        [(first.pk, "One"), (second.pk, "Two")]
    )


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_an_empty_or_huge_post_is_refused(rep, body):
    with pytest.raises(DomainError) as refused:
        services.write_post(actor=rep, body=body)
    assert refused.value.field == "body"
    assert Post.objects.count() == 0


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MARKETING_OWNER, Role.SALES_OWNER])
def test_leaders_answer_in_public(make_user, rep, role):
    leader = make_user(role, first_name="Lee", last_name="Leader")
    post = services.write_post(actor=rep, body="Why the new bonus?")
    reply = services.reply_to_post(post=post, actor=leader, body="Let us talk on Monday.")
    assert list(Reply.objects.values_list("post_id", "author_id", "body")) == [
        (post.pk, leader.pk, "Let us talk on Monday.")
    ]
    event = Event.objects.get(kind="pulse.replied")
    assert (event.actor_id, event.subject_id, event.payload["post_id"]) == (
        leader.pk,
        reply.pk,
        str(post.pk),
    )


@pytest.mark.parametrize("role", [Role.SALES_REP, Role.MARKETER, Role.VIEWER])
def test_others_may_not_answer_a_post(make_user, rep, role):
    post = services.write_post(actor=rep, body="Why the new bonus?")
    with pytest.raises(PermissionDenied):
        services.reply_to_post(post=post, actor=make_user(role), body="Me too")
    assert Reply.objects.count() == 0
    assert not Event.objects.filter(kind="pulse.replied").exists()


def test_a_missing_post_is_not_found(rep):
    for post_id in ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]:
        with pytest.raises(DomainError) as refused:
            selectors.get_post(user=rep, post_id=post_id)
        assert refused.value.code == "not_found"


def test_an_inactive_user_may_not_post(make_user):
    gone = make_user(Role.SALES_REP)
    gone.is_active = False
    with pytest.raises(PermissionDenied):
        services.write_post(actor=gone, body="Hello")
    assert Post.objects.count() == 0


def test_a_later_post_of_the_day_keeps_the_replies_of_earlier_ones(rep, make_user):
    owner = make_user(Role.SALES_OWNER)
    first = services.write_post(actor=rep, body="One")
    services.reply_to_post(post=first, actor=owner, body="Answer")
    services.write_post(actor=rep, body="Two")
    assert list(Reply.objects.values_list("post_id", "post__body", "body")) == [
        (first.pk, "One", "Answer")
    ]
