from tests.agreements.conftest import always_open, make_agreement, owners  # noqa: F401
