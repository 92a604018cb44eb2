"""Whatever JSON a payload holds, the database hands back something that hashes the same."""

from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from truce.ledger import services as ledger
from truce.ledger.selectors import verify_chain
from truce.people.normalise import domain_key, email_key

json_scalars = (
    st.floats(allow_nan=False, allow_infinity=False)
    | st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=20)
)
payloads = st.dictionaries(
    st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=8),
    st.recursive(
        json_scalars,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(
                st.text(max_size=5).filter(lambda s: "\x00" not in s), inner, max_size=3
            )
        ),
        max_leaves=8,
    ),
    max_size=5,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=payloads)
def test_any_json_payload_survives_the_database_and_verifies(db, payload):
    with transaction.atomic():
        ledger.append(kind="prop", subject_type="thing", subject_id=1, payload=payload)

    assert verify_chain().ok


local = st.text(st.sampled_from("abcXYZ019._+-"), min_size=1, max_size=10).filter(
    lambda s: not s.startswith(".") and not s.endswith(".") and ".." not in s
)


@given(user=local, pad_left=st.text(" \t", max_size=3), pad_right=st.text(" \t", max_size=3))
def test_email_key_ignores_case_and_surrounding_space(user, pad_left, pad_right):
    email = f"{user}@Example.COM"

    assert email_key(f"{pad_left}{email}{pad_right}") == email_key(email.swapcase())
    assert email_key(email) == email.lower()


@given(
    label=st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True),
    scheme=st.sampled_from(["", "http://", "https://"]),
    www=st.booleans(),
    path=st.sampled_from(["", "/", "/pricing?x=1"]),
)
def test_domain_key_is_the_same_for_every_way_of_writing_a_site(label, scheme, www, path):
    written = f"{scheme}{'www.' if www else ''}{label.upper()}.com{path}"

    assert domain_key(written) == f"{label}.com"
    assert domain_key(domain_key(written)) == f"{label}.com"
