"""`privet cpni certify` writes the officer's certificate and statement from privet's records (64.2009(e))."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from typer.testing import CliRunner

from privet.cpni import breaches, campaigns, complaints
from privet.cpni.cli import app
from tests.conftest import POLICIES
from tests.cpni.support import Desk, World

PACK = str(POLICIES / "000-metronet")


def _records_in_2024(world: World) -> None:
    world.clock.now = datetime(2024, 5, 6, 10, tzinfo=UTC)
    person = world.person(services=["voice"])
    desk = Desk(world)
    desk.set(person, "password", "spring-lilac-31", service_initiation=True)
    desk.attempt(person, "cert-call-1", secret="spring-lilac-31")
    desk.attempt(person, "cert-call-2", secret="wrong-one-000")
    with world.uow("marketing:ana") as uow:
        campaigns.record_campaign(
            uow,
            name="Voicemail upgrade 2024",
            description="d",
            cpni_used=["user.telecom.cpni.service_configuration"],
            products_offered=["visual voicemail"],
            purpose="essential.service.cpni_within_category",
        )
    with world.uow() as uow:
        complaints.record_complaint(
            uow, received_on=date(2024, 3, 2), category="improper_disclosure", summary="bill sent to ex-spouse"
        )
        complaints.record_complaint(
            uow, received_on=date(2024, 5, 1), category="online_access", summary="account viewed by sibling"
        )
        complaints.record_broker_action(
            uow, taken_on=date(2024, 4, 1), broker="Callrecords4u", action="cease-and-desist letter and FCC complaint"
        )
        b = breaches.record_breach(
            uow,
            discovered_on=date(2024, 4, 29),
            determined_on=date(2024, 4, 30),
            description="pretexting",
            data_description="call detail of 3 lines",
            circumstances="caller posed as the customer",
        )
        breaches.record_report(uow, b.id, reported_on=date(2024, 5, 2), reference="CRF-2024-7")


def test_certify_writes_the_certificate_and_statement_from_the_years_records(world: World, tmp_path: Path) -> None:
    _records_in_2024(world)
    url = world.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(
        app,
        [
            "certify",
            "--year",
            "2024",
            "--officer",
            "Dana Whitfield",
            "--title",
            "Chief Compliance Officer",
            "--out",
            str(tmp_path),
            "--db",
            url,
            "--policy",
            PACK,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "due 2025-03-01" in result.output
    md = (tmp_path / "cpni-certification-2024.md").read_text()
    assert "EB Docket No. 06-36" in md and "March 1, 2025" in md
    assert "I, Dana Whitfield, certify that I am an officer of Metronet" in md
    assert "taken the following actions against data brokers in the past year: 1" in md
    assert "Callrecords4u: cease-and-desist letter" in md
    assert "received 2 customer complaints" in md
    assert "Improper disclosure to individuals not authorized to receive the information: 1." in md
    assert "Improper access to online information by individuals not authorized to view it: 1." in md
    assert "Additional approval for CPNI (opt-in" in md  # how approval is obtained, from the pack
    assert re.search(r"inbound call: 1 authentications failed", md) and re.search(r"inbound call: 1 authentications passed", md)
    assert "Voicemail upgrade 2024" in md
    assert "determined 2024-04-30: call detail of 3 lines; reported to law enforcement on 2024-05-02" in md

    pdf = (tmp_path / "cpni-certification-2024.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    offset = int(pdf[pdf.rindex(b"startxref") + 9 :].split()[0])
    assert pdf[offset : offset + 4] == b"xref"
    assert b"(I, Dana Whitfield, certify that I am an officer of Metronet" in pdf or b"Dana Whitfield" in pdf
    assert pdf.count(b"/Type /Page ") >= 2


def test_certify_refuses_a_year_not_yet_over_and_bad_options(world: World, tmp_path: Path) -> None:
    url = world.engine.url.render_as_string(hide_password=False)
    this_year = str(datetime.now(UTC).year)
    for args in (["--year", this_year], ["--year", "2024", "--format", "docx"]):
        result = CliRunner().invoke(
            app, ["certify", *args, "--officer", "A", "--title", "B", "--out", str(tmp_path), "--db", url, "--policy", PACK]
        )
        assert result.exit_code == 2 and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []
