"""`POST /v1/audiences`: for a campaign, who may be reached, how many are denied and why.

The answer is the one `POST /v1/decisions` would give for each stored person, computed for
everyone at once by the database (`privet.decide.bulk`). Counts and ids come from one read
transaction (REPEATABLE READ on PostgreSQL), so the ids are exactly the people counted as
eligible; on SQLite that transaction, like every privet transaction there, begins IMMEDIATE and
so holds the write lock while the store is scanned. GPC is a signal of a person's own request, so an audience, made by staff, has none.

Response: `application/json` with the counts; with `include_ids: true`, `application/x-ndjson`:
the first line is the same counts object, then one line `{"person_id": N}` per eligible person,
ascending. The request and its counts are audited as `audience.computed` (the ids are not).
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from privet.access.permissions import Permission
from privet.access.tokens import Principal
from privet.api.deps import RuntimeDep, require
from privet.decide.api import checked_use
from privet.decide.bulk import compute_audience, record_audience
from privet.decide.engine import UnknownRecipient
from privet.store.db import utcnow

router = APIRouter(prefix="/v1", tags=["audiences"])
Key = Annotated[str, Field(pattern=r"^[a-z0-9_]+(\.[a-z0-9_]+)*$", max_length=200)]
NDJSON = "application/x-ndjson"
LINES_PER_CHUNK = 10_000
EARLIEST, LATEST = 1900, 2200  # ages and notice windows are counted back from the moment


class AudienceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[Key] = Field(min_length=1, max_length=50)
    purpose: Key
    recipient: str = Field(min_length=1, max_length=120, description="a recipient id of the pack, or a kind it has one of")
    channel: str | None = Field(default=None, max_length=40)
    at: datetime | None = Field(default=None, description="when the campaign would run (default now); timezone required")
    include_ids: bool = Field(default=False, description="stream the eligible ids as NDJSON after the counts")

    @field_validator("at")
    @classmethod
    def _plausible(cls, value: datetime | None) -> datetime | None:
        if value is not None and not EARLIEST <= value.year <= LATEST:
            raise ValueError(f"give a moment between the years {EARLIEST} and {LATEST}")
        return value


class AudienceView(BaseModel):
    total: int = Field(description="people in the store")
    eligible: int = Field(description="people the campaign may reach")
    denied: int
    denied_by_reason: dict[str, int] = Field(description="people denied, by the first reason that denies (source:rule)")
    policy_version: str
    at: datetime
    signatures: int = Field(description="distinct combinations of the facts the campaign depends on")
    decisions: int = Field(description="decisions the policy made to answer for all of them")


def _ndjson(head: dict[str, Any], ids: array[int]) -> Iterator[bytes]:
    yield (json.dumps(head) + "\n").encode()
    for start in range(0, len(ids), LINES_PER_CHUNK):
        yield "".join(f'{{"person_id":{i}}}\n' for i in ids[start : start + LINES_PER_CHUNK]).encode()


@router.post(
    "/audiences",
    response_model=AudienceView,
    responses={200: {"content": {NDJSON: {"schema": {"type": "string", "description": "counts, then one id per line"}}}}},
)
def audience(
    body: AudienceBody,
    runtime: RuntimeDep,
    who: Annotated[Principal, Depends(require(Permission.AUDIENCES_CREATE))],
) -> Any:
    """Count who a campaign may reach and why the others are denied; optionally stream the eligible ids."""
    use = checked_use(body, runtime.pack)
    at = body.at or utcnow()
    try:
        summary, ids = compute_audience(runtime.engine, runtime.decider, use, at, with_ids=body.include_ids)
    except UnknownRecipient as exc:
        raise HTTPException(422, str(exc)) from None
    with runtime.uow(who.actor) as uow:
        record_audience(uow, use, at, summary, include_ids=body.include_ids)
    view = AudienceView.model_validate(summary)
    if not body.include_ids:
        return view
    return StreamingResponse(_ndjson(view.model_dump(mode="json"), ids), media_type=NDJSON)
