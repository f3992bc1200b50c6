"""The retention sweep over a provider's real tables and privet's store: periods, holds, legal minimums, audit.

The provider's database is a second SQLite file or a second PostgreSQL schema, with tables each
test creates; privet's database holds the accounts, holds and audit chain.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, Table, select, text

from privet.cpni.tables import Breach, BreachHold
from privet.legal.holds import place_hold, release_hold
from privet.retention.sql import SqlTable
from privet.retention.sweep import erase_subject, sweep
from privet.subjects.service import change_account_status
from privet.subjects.tables import Person
from tests.cpni.support import World
from tests.retention.support import Provider, naive

NOW = datetime.now(UTC)


def account_of(world: World, person_id: int) -> str:
    with world.uow() as uow:
        return uow.session.get_one(Person, person_id).roles[0].account.number


def disconnect(world: World, person_id: int, days_ago: int) -> str:
    number = account_of(world, person_id)
    with world.uow() as uow:
        change_account_status(uow, number, "disconnected", "customer moved away")
        uow.record("test.backdated", None)
    with world.engine.begin() as conn:  # the history row says when it happened
        conn.execute(
            text(
                "UPDATE account_status_changes SET at = :at WHERE reason = 'customer moved away' AND account_id = (SELECT id FROM accounts WHERE number = :n)"
            ),
            {"at": naive(NOW - timedelta(days=days_ago)), "n": number},
        )
    return number


def mail_datasets(prov: Provider) -> tuple[Table, Table, SqlTable, SqlTable]:
    mail, names = prov.mailboxes(), prov.usernames()
    mailboxes = prov.dataset(
        mail,
        columns={"username": "user.account.username", "address": "user.contact.email", "content": "user.telecom.content.email"},
        account_column="account_number",
        times={"collection": "created_at", "purpose_fulfilled": "closed_at"},
        purposes=("essential.service",),
        locked_column="locked_at",
    )
    usernames = prov.dataset(
        names,
        columns={"username": "user.account.username"},
        account_column="account_number",
        released_column="released_at",
        purposes=("essential.service",),
    )
    return mail, names, mailboxes, usernames


def seed_mail(prov: Provider, mail: Table, names: Table, *accounts: str) -> None:
    for i, number in enumerate(accounts):
        prov.rows(
            mail,
            {
                "id": i + 1,
                "account_number": number,
                "username": f"user{i}",
                "address": f"user{i}@metronet.example",
                "content": "mail",
                "created_at": naive(NOW - timedelta(days=900)),
            },
        )
        prov.rows(names, {"id": i + 1, "account_number": number, "username": f"user{i}"})


@pytest.mark.promise("000-P047", "000-P048", "000-P049", "000-P050")
def test_disconnection_locks_the_mailbox_and_releases_the_username_then_routine_deletion_removes_it(
    world: World, provider: Engine
) -> None:
    pack = world.runtime().pack
    gone, stays = world.person(services=["broadband", "email"]), world.person(services=["broadband", "email"])
    prov = Provider(provider)
    mail, names, mailboxes, usernames = mail_datasets(prov)
    gone_number = disconnect(world, gone, days_ago=3)
    seed_mail(prov, mail, names, gone_number, account_of(world, stays))

    plan = sweep(world.uow, pack, [mailboxes, usernames], dry_run=True)
    planned = {(s.rule, s.dataset): s.applied for s in plan.steps}
    assert planned[("username-release", usernames.name)] == 1 and planned[("mailbox-on-disconnection", mailboxes.name)] == 1
    assert prov.read(mail)[1]["locked_at"] is None and prov.read(names)[1]["released_at"] is None  # a dry run changes nothing

    report = sweep(world.uow, pack, [mailboxes, usernames])
    assert report.applied >= 3
    box, name = prov.read(mail), prov.read(names)
    assert (
        box[1]["locked_at"] is not None
        and box[1]["username"] is None
        and box[1]["address"] is None
        and box[1]["content"] == "mail"
    )
    assert name[1]["released_at"] is not None
    assert box[2]["locked_at"] is None and box[2]["username"] == "user1" and name[2]["released_at"] is None
    with world.uow() as uow:
        audited = [
            json.loads(d)
            for d in uow.session.scalars(text("SELECT data FROM audit_entries WHERE action = 'retention.applied'")).all()
        ]
    assert {(a["rule"], a["operation"]) for a in audited if a["dataset"] in (mailboxes.name, usernames.name)} == {
        ("username-release", "release_for_reuse"),
        ("mailbox-on-disconnection", "lock"),
    }
    again = sweep(world.uow, pack, [mailboxes, usernames])
    assert again.applied == 0, again.steps

    # Routine procedures mark the locked mailbox finished: the next sweep deletes it.
    with provider.begin() as conn:
        conn.execute(mail.update().where(mail.c.id == 1).values(closed_at=naive(NOW - timedelta(hours=1))))
    sweep(world.uow, pack, [mailboxes, usernames])
    assert set(prov.read(mail)) == {2}


def test_a_held_record_survives_a_sweep_and_a_deletion_request(world: World, provider: Engine) -> None:
    pack = world.runtime().pack
    held = world.person(services=["broadband", "email"])
    prov = Provider(provider)
    mail, names, mailboxes, usernames = mail_datasets(prov)
    number = disconnect(world, held, days_ago=40)
    seed_mail(prov, mail, names, number)
    with world.uow("legal:pat") as uow:
        hold = place_hold(uow, kind="preservation_2703f", account_number=number, reason="preservation request PR-9 from the FBI")

    report = sweep(world.uow, pack, [mailboxes, usernames])
    step = next(s for s in report.steps if s.rule == "username-release" and s.dataset == usernames.name)
    assert (step.applied, step.held) == (0, 1) and "preservation_2703f hold" in step.examples[0]
    assert prov.read(names)[1]["released_at"] is None and prov.read(mail)[1]["username"] == "user0"
    assert prov.read(mail)[1]["locked_at"] is not None  # locking destroys nothing, so a hold does not stop it

    erased = erase_subject(world.uow, [mailboxes, usernames], held, reason="deletion request R-12")
    assert erased.erased == {} and {k for _, k, _ in erased.kept} == {"1"}
    assert set(prov.read(mail)) == {1} and set(prov.read(names)) == {1}

    with world.uow("legal:pat") as uow:
        release_hold(uow, hold.id, reason="case closed")
    erased = erase_subject(world.uow, [mailboxes, usernames], held, reason="deletion request R-12")
    assert erased.erased == {mailboxes.name: 1, usernames.name: 1} and prov.read(mail) == {}
    with world.uow() as uow:
        reasons = uow.session.scalars(text("SELECT data FROM audit_entries WHERE action = 'retention.erased'")).all()
    assert any("deletion request R-12" in r for r in reasons)


def test_toll_records_are_kept_eighteen_months_even_against_a_deletion_request(world: World, provider: Engine) -> None:
    person = world.person(services=["voice"])
    with world.uow() as uow:
        ref = uow.session.get_one(Person, person).external_id
    prov = Provider(provider)
    calls = prov.records("calls")
    prov.rows(
        calls, {"id": 1, "customer_ref": ref, "detail": "to 316-555-0101, 4 min", "created_at": naive(NOW - timedelta(days=600))}
    )
    prov.rows(
        calls, {"id": 2, "customer_ref": ref, "detail": "to 316-555-0102, 9 min", "created_at": naive(NOW - timedelta(days=90))}
    )
    toll = prov.dataset(
        calls, row_categories=("user.telecom.cpni.call_detail",), person_column="customer_ref", times={"collection": "created_at"}
    )
    erased = erase_subject(world.uow, [toll], person, reason="deletion request R-13")
    assert erased.erased == {toll.name: 1} and set(prov.read(calls)) == {2}
    assert "47 CFR 42.6" in erased.kept[0][2]


@pytest.mark.promise("002-P096", "002-P097")
def test_the_fax_service_keeps_data_only_as_long_as_needed_but_never_below_a_legal_minimum(
    world: World, provider: Engine
) -> None:
    pack = world.runtime("002-metrofax").pack
    prov = Provider(provider)
    faxes, log = prov.records("faxes"), prov.records("request_log")
    prov.rows(
        faxes,
        {
            "id": 1,
            "customer_ref": "F1",
            "detail": "page 1",
            "created_at": naive(NOW - timedelta(days=3)),
            "done_at": naive(NOW - timedelta(days=1)),
        },
        {"id": 2, "customer_ref": "F1", "detail": "page 2", "created_at": naive(NOW - timedelta(days=1)), "done_at": None},
    )
    prov.rows(
        log,
        {
            "id": 1,
            "customer_ref": "F1",
            "detail": "access request",
            "created_at": naive(NOW - timedelta(days=800)),
            "done_at": naive(NOW - timedelta(days=780)),
        },
        {
            "id": 2,
            "customer_ref": "F1",
            "detail": "deletion request",
            "created_at": naive(NOW - timedelta(days=100)),
            "done_at": naive(NOW - timedelta(days=90)),
        },
    )
    fax = prov.dataset(
        faxes,
        row_categories=("user.telecom.content.fax",),
        person_column="customer_ref",
        times={"collection": "created_at", "purpose_fulfilled": "done_at"},
        purposes=("essential.service",),
    )
    requests = prov.dataset(
        log,
        columns={"detail": "user.contact.email"},
        row_categories=(),
        person_column="customer_ref",
        times={"collection": "created_at", "purpose_fulfilled": "done_at"},
        record_type="privacy_requests",
    )
    report = sweep(world.uow, pack, [fax, requests])
    assert set(prov.read(faxes)) == {2}  # delivered fax gone once its purpose is met; the one still in use stays
    assert set(prov.read(log)) == {2}  # request records stay 24 months (11 CCR 7101) whatever the pack says
    kept = next(s for s in report.steps if s.dataset == requests.name and s.rule == "general")
    assert kept.kept == 1 and "11 CCR 7101" in kept.examples[0]
    assert ("payment-data", "no declared dataset holds its categories") in report.manual  # listed, never silently skipped


@pytest.mark.promise("002-P031")
def test_a_childs_data_is_erased_when_found(world: World, provider: Engine) -> None:
    pack = world.runtime("002-metrofax").pack
    child = world.person("002-metrofax", age_band="under_13")
    adult = world.person("002-metrofax", age_band="adult")
    with world.uow() as uow:
        child_ref, adult_ref = (uow.session.get_one(Person, p).external_id for p in (child, adult))
    prov = Provider(provider)
    faxes = prov.records("faxes")
    prov.rows(
        faxes,
        {"id": 1, "customer_ref": child_ref, "detail": "drawing", "created_at": naive(NOW)},
        {"id": 2, "customer_ref": adult_ref, "detail": "invoice", "created_at": naive(NOW)},
    )
    fax = prov.dataset(
        faxes,
        row_categories=("user.telecom.content.fax",),
        person_column="customer_ref",
        times={"collection": "created_at"},
        purposes=("essential.service",),
    )
    report = sweep(world.uow, pack, [fax])
    assert set(prov.read(faxes)) == {2}
    assert any(s.rule == "statements.children_found" and s.applied == 1 for s in report.steps)


def test_privet_keeps_its_own_breach_records_two_years_then_deletes_them(world: World) -> None:
    pack = world.runtime().pack
    with world.uow() as uow:
        old = Breach(
            rule="2007",
            discovered_on=(NOW - timedelta(days=1200)).date(),
            determined_on=(NOW - timedelta(days=1200)).date(),
            description="d",
            data_description="x",
            circumstances="c",
            intentional=True,
            person_ids=[],
            created_at=NOW - timedelta(days=1200),
            created_by="t",
            closed_at=NOW - timedelta(days=800),
            customers_notified=0,
        )
        recent = Breach(
            rule="2007",
            discovered_on=(NOW - timedelta(days=400)).date(),
            determined_on=(NOW - timedelta(days=400)).date(),
            description="d",
            data_description="x",
            circumstances="c",
            intentional=True,
            person_ids=[],
            created_at=NOW - timedelta(days=400),
            created_by="t",
            closed_at=NOW - timedelta(days=300),
            customers_notified=0,
        )
        uow.session.add_all([old, recent])
        uow.session.flush()
        uow.session.add(
            BreachHold(
                breach_id=old.id,
                kind="initial",
                agency="FBI",
                directed_on=old.determined_on,
                until=old.determined_on,
                reference="l",
                created_at=NOW,
            )
        )
    sweep(world.uow, pack, [])
    with world.uow() as uow:
        left = set(uow.session.scalars(select(Breach.id).where(Breach.id.in_([old.id, recent.id]))))
        assert left == {recent.id}
        assert not uow.session.scalars(select(BreachHold).where(BreachHold.breach_id == old.id)).all()
