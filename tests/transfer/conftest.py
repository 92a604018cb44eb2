"""Fixtures for the import pages and API: files written in tmp_path, an owner who may import."""

import pytest
from django.conf import settings

from truce.identity.models import Role

from .processes import own_database  # noqa: F401  (a fixture for the modules here)

HUBSPOT_LEADS = (
    "Record ID,Email,First Name,Create Date,Lifecycle Stage\n"
    "L1,ada@example.com,Ada,2018-03-14,\n"
    "L2,not-an-email,Bob,2018-03-15,\n"
    "L3,cy@example.com,Cy,2018-03-16,\n"
)


@pytest.fixture
def import_owner(make_user):
    return make_user(Role.MARKETING_OWNER, username="mo")


@pytest.fixture
def import_file(tmp_path):
    def write(text: str | bytes = HUBSPOT_LEADS, name: str = "leads.csv") -> str:
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)

    return write


@pytest.fixture
def import_uploads_dir():
    """The folder uploads land in; a test asserts it gains nothing on a refusal."""
    folder = settings.DATA_DIR / "imports" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
