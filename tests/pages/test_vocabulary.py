from django.utils.html import escape

from truce.funnel.services import vocabulary
from truce.identity.models import Role


def test_vocabulary_lists_stages_with_their_definitions(viewer_client, stage):
    response = viewer_client.get("/vocabulary/")
    html = response.content.decode()
    assert response.status_code == 200
    connecting = html[html.index('<tr id="stage-connecting">') :]
    connecting = connecting[: connecting.index("</tr>")]
    assert "<td>Sales</td>" in connecting
    assert "<td>Sales has reached the buyer in a two-way conversation.</td>" in connecting
    for criterion in stage("connecting").entry_criteria:
        assert (
            f"<li>{escape(criterion['name'])}<br><code>{escape(criterion['rule'])}</code></li>"
            in connecting
        )
    assert "<td>14 days</td>" in connecting
    assert '<li>Product overview deck <span class="muted">(deck)</span></li>' in connecting
    assert '<td><span class="muted">No limit</span></td>' in html[html.index("stage-customer") :]


def test_vocabulary_lists_reasons_by_kind(viewer_client, db):
    html = viewer_client.get("/vocabulary/").content.decode()
    for heading in ["Lost", "Rejected by sales", "Recycled to nurture", "Disqualified"]:
        assert f"<h3>{heading}</h3>" in html
    recycled = html[html.index("<h3>Recycled to nurture</h3>") :]
    recycled = recycled[: recycled.index("</ul>")]
    assert '<li>Not ready to buy yet <code class="muted">not_ready</code></li>' in recycled
    assert "Price too high" not in recycled


def test_glossary_shows_current_version_history_and_approvers(viewer_client, make_user, admin_user):
    mo = make_user(Role.MARKETING_OWNER, username="mo", first_name="Mia", last_name="Marketing")
    so = make_user(Role.SALES_OWNER, username="so", first_name="Sam", last_name="Sales")
    first = vocabulary.propose_term_version(
        term_key="touch", name="Touch", definition="Any contact with a lead.", actor=mo
    )
    vocabulary.approve_term_version(version=first, actor=mo)
    second = vocabulary.propose_term_version(
        term_key="touch", name="Touch", definition="Any interaction with a lead.", actor=mo
    )
    vocabulary.approve_term_version(version=second, actor=mo)
    vocabulary.approve_term_version(version=second, actor=so)
    html = viewer_client.get("/vocabulary/").content.decode()
    term = html[html.index('id="term-touch"') :]
    term = term[: term.index("</article>")]
    assert "<p>Any interaction with a lead.</p>" in term
    assert f"Version {second.version}, approved by Mia Marketing, Sam Sales." in term
    assert "<p>Any contact with a lead.</p>" in term  # in the history
    assert term.index(f"<strong>Version {second.version}</strong>") < term.index(
        f"<strong>Version {first.version}</strong>"
    )
    assert "proposed by Mia Marketing" in term
