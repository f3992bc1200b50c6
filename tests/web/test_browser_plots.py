"""The plots page and the Today deadlines in headless Chromium, with screenshots in artifacts/web/.

Reuses the real server and browser of `test_browser.py` (skipped the same way, with the reason,
where Chromium or Playwright is missing). Checks what a unit test cannot: the server-drawn SVG
renders under the console's Content-Security-Policy (no inline styles), charts are exposed as
images with names, and each data table opens from its <details>.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from privet.runtime import Runtime
from tests.conftest import add_person
from tests.web.conftest import token_for
from tests.web.test_browser import _shot, browser, served

__all__ = ["browser", "served"]  # fixtures, imported so pytest finds them here


def _some_data(runtime: Runtime) -> None:
    from privet.abuse.tables import AbuseNotice
    from privet.consent import ledger
    from privet.cpni import breaches
    from privet.legal import holds

    person = add_person(runtime, services=["broadband"])
    with runtime.uow("test") as uow:
        now = uow.now()
        for i, kind in enumerate(("spam", "spam", "copyright", "phishing", "spam", "copyright")):
            uow.session.add(
                AbuseNotice(
                    received_at=now - timedelta(days=5 * i),
                    channel="api",
                    sha256=uuid.uuid4().hex * 2,
                    size=1,
                    format="text",
                    status="routed",
                    kind=kind,
                    confidence=1.0,
                    facts={},
                )
            )
        choice = next(c for c in runtime.pack.choices if "web_form" in c.channels)
        ledger.record_choice(uow, runtime.pack, person_id=person, choice_id=choice.id, value=True, channel="web_form")
        breaches.record_breach(
            uow,
            discovered_on=now.date() - timedelta(days=3),
            determined_on=now.date() - timedelta(days=2),
            description="A store rep disclosed call records to a pretexter",
            data_description="call detail records",
            circumstances="in-store pretexting",
            person_ids=[person],
            rule="2007",
        )
        holds.place_hold(uow, kind="litigation", reason="pending suit", person_id=person, ends_at=now + timedelta(days=12))


def test_plots_and_today_in_a_browser(served: tuple[str, Runtime], browser: Any) -> None:
    base, runtime = served
    _some_data(runtime)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{base}/console/signin")
    page.get_by_label("API token").fill(token_for(runtime, "privacy_officer"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")

    deadlines = page.get_by_role("heading", name="Deadlines: breaches, restorations, holds, certification")
    assert deadlines.is_visible()
    table = page.locator("section", has=deadlines)
    assert "report to USSS, FBI" in table.inner_text() and "Annual CPNI certification" in table.inner_text()
    assert str(table.get_by_role("link", name="Record the report").get_attribute("href")).startswith("/docs#/")
    _shot(page, "console-today-deadlines")

    page.get_by_role("link", name="Plots").click()
    page.wait_for_url(f"{base}/console/plots")
    charts = page.get_by_role("img")
    assert charts.count() == 4
    assert page.get_by_role("img", name="Abuse notices per week, by kind").is_visible()
    box = page.locator("svg#abuse-notices").bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100
    summary = page.get_by_text("Data table: Abuse notices per week, by kind")
    summary.click()
    assert page.locator("details[open] table").first.is_visible()
    _shot(page, "console-plots")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "console-plots-phone")
    assert csp_errors == []
    context.close()
