"""Schemas shared by every router: the error shape, small references and the merge body."""

from typing import Annotated, Any

from ninja import Header, Schema
from pydantic import ConfigDict, Field

MAX_ID = 2**63 - 1

# Every id a client sends: out-of-range numbers are a 422 here, not a database overflow.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Input(Schema):
    """Every request body refuses fields it does not know, so a typo is an error, not a no-op."""

    model_config = ConfigDict(extra="forbid")


class ErrorItem(Schema):
    code: str
    field: str | None
    message: str


class ErrorOut(ErrorItem):
    errors: list[ErrorItem]


class CompanyRef(Schema):
    id: int
    name: str
    domain: str | None


class ContactRef(Schema):
    id: int
    email: str
    name: str


class MergeIn(Input):
    duplicate_id: Id = Field(description="The record folded into the one in the path.")


IdempotencyKey = Annotated[
    str | None,
    Header(
        None,
        alias="Idempotency-Key",
        max_length=255,
        description="Send the same key to retry a create safely: the first answer is replayed.",
    ),
]

ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def company_ref(company: Any) -> dict[str, Any] | None:
    if company is None:
        return None
    return {"id": company.pk, "name": company.name, "domain": company.domain}
