"""What the retention sweep needs from a dataset: a small interface any connector can satisfy.

A dataset is one collection of records (a table, a mailbox store, a log index) that holds some
data categories about people or accounts. The sweep asks it three things: which records hold
these categories and passed this trigger before that moment, which records belong to these
subjects (for erasure), and to apply an action (delete, de-identify, lock, release for reuse) to
some of them. It never reads the records' contents, so a connector can be a SQL table
(`sql.SqlTable`), privet's own tables (`store.StoreTable`), or the declared datasets of
data-subject requests, as long as it implements `Dataset`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

ACTIONS = ("delete", "deidentify", "lock", "release_for_reuse")


class DatasetError(ValueError):
    """A dataset declaration or operation that cannot work, naming the dataset and the problem."""


@dataclass(frozen=True)
class Record:
    """One record as the sweep sees it: who it is about, what it holds, when things happened to it.

    `person_ref` is the provider's own id for the person (privet's `Person.external_id`);
    `person_id` is privet's id when the dataset knows it. `times` maps a trigger (`collection`,
    `disconnection`, `last_activity`, `purpose_fulfilled`, `account_closure`, `request_closed`) to
    when it happened, for the triggers the dataset records.
    """

    dataset: str
    key: str
    categories: frozenset[str]
    person_ref: str | None = None
    person_id: int | None = None
    account_number: str | None = None
    times: Mapping[str, datetime] = field(default_factory=dict)


class Dataset(Protocol):
    """A collection of records the retention sweep can find, and act on, by category and time."""

    @property
    def name(self) -> str: ...

    @property
    def categories(self) -> frozenset[str]:
        """Every data category the dataset's records hold."""
        ...

    @property
    def purposes(self) -> frozenset[str]:
        """The purposes the data is kept for; empty when undeclared (purpose-specific rules then skip it)."""
        ...

    @property
    def record_type(self) -> str | None:
        """A record type with a legal minimum (`minimums.RECORD_TYPES`), if the records are one."""
        ...

    @property
    def triggers(self) -> frozenset[str]:
        """The triggers whose time each record carries."""
        ...

    def due(self, trigger: str, before: datetime, *, action: str, categories: frozenset[str]) -> Iterator[Record]:
        """Records whose `trigger` happened before `before` that `action` on `categories` has not yet been applied to."""
        ...

    def of_subjects(
        self, *, person_refs: Collection[str], account_numbers: Collection[str], action: str, categories: frozenset[str]
    ) -> Iterator[Record]:
        """Records about any of these people or accounts that `action` on `categories` has not yet been applied to."""
        ...

    def apply(self, action: str, records: Sequence[Record], categories: frozenset[str]) -> int:
        """Apply `action` to these records for `categories`; returns how many changed. Atomic per call."""
        ...
