"""The pulse pages: board, post, reply, survey, results."""

import pytest
from django.urls import reverse

from truce.identity.models import Role
from truce.pulse import services
from truce.pulse.models import Answer, Participation, Post, Reply

from .conftest import scores


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_the_nav_links_to_the_pulse(signed_in, rep):
    page = signed_in(rep).get("/pulse/")
    assert page.status_code == 200
    link = f'href="{reverse("pulse:board")}" aria-current="page">Team pulse'
    assert link in page.content.decode()


def test_write_a_post_from_the_board(signed_in, rep):
    client = signed_in(rep)
    response = client.post("/pulse/posts/", {"body": "Leads pile up on Fridays."}, follow=True)
    assert "Posted anonymously." in response.content.decode()
    assert list(Post.objects.values_list("body", flat=True)) == ["Leads pile up on Fridays."]
    assert "Leads pile up on Fridays." in response.content.decode()
    assert "rep" not in response.content.decode().split("Posts</h2>")[1].split("</ol>")[0]


def test_an_empty_post_is_refused_on_the_page(signed_in, rep):
    response = signed_in(rep).post("/pulse/posts/", {"body": "  "})
    assert response.status_code == 400
    assert Post.objects.count() == 0


def test_leaders_see_the_reply_form_and_reps_do_not(signed_in, rep, make_user):
    post = services.write_post(actor=rep, body="Why?")
    assert "Answer publicly" not in signed_in(rep).get("/pulse/").content.decode()
    owner = make_user(Role.MARKETING_OWNER, first_name="Mona", last_name="Marsh")
    client = signed_in(owner)
    assert "Answer publicly" in client.get("/pulse/").content.decode()
    response = client.post(f"/pulse/posts/{post.pk}/replies/", {"body": "Because."})
    assert response.status_code == 302
    assert response["Location"] == f"/pulse/#post-{post.pk}"
    assert "Mona Marsh" in client.get("/pulse/").content.decode()


def test_a_rep_posting_a_reply_is_forbidden(signed_in, rep):
    post = services.write_post(actor=rep, body="Why?")
    response = signed_in(rep).post(f"/pulse/posts/{post.pk}/replies/", {"body": "Me"})
    assert response.status_code == 403
    assert Reply.objects.count() == 0


def test_the_board_costs_the_same_queries_for_many_posts(
    signed_in, rep, make_user, django_assert_num_queries
):
    owner = make_user(Role.SALES_OWNER)
    for n in range(6):
        post = services.write_post(actor=rep, body=f"Post {n}")
        services.reply_to_post(post=post, actor=owner, body=f"Reply {n}")
    client = signed_in(rep)
    # session, user, posts, replies with authors
    with django_assert_num_queries(4):
        assert client.get("/pulse/").status_code == 200


def test_answer_the_survey_on_the_page(signed_in, rep, open_round):
    client = signed_in(rep)
    page = client.get("/pulse/survey/").content.decode()
    assert "How well do marketing and sales work together?" in page
    response = client.post("/pulse/survey/", scores(4, 3, 2), follow=True)
    text = response.content.decode()
    assert "Your answers were recorded without your name." in text
    assert "You have answered this round." in text
    assert (Participation.objects.count(), Answer.objects.count()) == (1, 3)
    again = client.post("/pulse/survey/", scores(1, 1, 1), follow=True)
    assert "You already answered this round." in again.content.decode()
    assert Answer.objects.count() == 3


def test_a_missing_answer_is_shown_on_the_field(signed_in, rep, open_round):
    response = signed_in(rep).post("/pulse/survey/", {"cooperation": "4"})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert Participation.objects.count() == 0


def test_no_round_open_and_a_leader_opens_one(signed_in, rep, make_user):
    assert "No survey round is open." in signed_in(rep).get("/pulse/survey/").content.decode()
    assert signed_in(rep).post("/pulse/survey/open/").status_code == 403
    client = signed_in(make_user(Role.SALES_OWNER))
    response = client.post("/pulse/survey/open/", follow=True)
    assert "How clear are the goals both teams share?" in response.content.decode()


def test_results_page_shows_means_or_not_enough(signed_in, rep, past_round, fill, people):
    client = signed_in(rep)
    fill(past_round, [(p, (4, 4, 2)) for p in people(4)])
    assert "Not enough answers (fewer than 5)" in client.get("/pulse/results/").content.decode()
    fill(past_round, [(p, (5, 4, 2)) for p in people(1)])
    page = client.get("/pulse/results/").content.decode()
    assert "Not enough answers" not in page
    # (4*4 + 5) / 5 = 4.20
    assert '<td class="num">4.20</td>' in page
    assert '<td class="num">4.00</td>' in page
    assert '<td class="num">2.00</td>' in page
    assert 'id="pulse-trend-data"' in page


def test_the_results_page_costs_the_same_queries_for_many_rounds(
    signed_in, rep, fill, people, today, django_assert_num_queries
):
    from datetime import timedelta

    crowd = people(5)
    day = today.replace(day=1)
    for _ in range(4):
        day = day - timedelta(days=1)
        round_, _ = services.open_round(actor=None, today=day)
        fill(round_, [(p, (3, 3, 3)) for p in crowd])
        day = day.replace(day=1)
    client = signed_in(rep)
    # session, user, rounds, their questions, participation counts, answer counts
    with django_assert_num_queries(6):
        assert client.get("/pulse/results/").status_code == 200
