"""Naming a person in a request: by privet's id, or by any identity they might give."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from privet.store.uow import UnitOfWork
from privet.subjects.identities import IdentityKind
from privet.subjects.service import SubjectError, find_person, get_person


class IdentityRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: IdentityKind
    value: str = Field(min_length=1, max_length=320)


class PersonRef(BaseModel):
    """Either `person_id` or `identity`, not both."""

    model_config = ConfigDict(extra="forbid")
    person_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    identity: IdentityRef | None = None

    @model_validator(mode="after")
    def _one_of(self) -> PersonRef:
        if (self.person_id is None) == (self.identity is None):
            raise ValueError("name the person by exactly one of person_id or identity")
        return self


def resolve(uow: UnitOfWork, ref: PersonRef) -> int:
    if ref.person_id is not None:
        return get_person(uow, ref.person_id).id
    assert ref.identity is not None
    person = find_person(uow, ref.identity.kind, ref.identity.value)
    if person is None:
        raise SubjectError(f"no person has the {ref.identity.kind.value} given")
    return person.id
