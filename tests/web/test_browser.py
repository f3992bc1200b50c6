"""End to end in headless Chromium (Debian's chromium, driven by Playwright) against a real server on 127.0.0.1.

Skipped, with the reason, where the browser or the playwright package is absent. Screenshots of
the main pages go to artifacts/web/ (gitignored).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from privet.decide.engine import Request
from privet.decide.service import decide_for_person
from privet.runtime import Runtime
from privet.store.db import make_engine, session_factory
from privet.store.migrate import upgrade
from tests.conftest import POLICIES, ROOT, add_person, make_runtime
from tests.web.conftest import session_for, token_for, web_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = ROOT / "artifacts" / "web"
SMS_MARKETING = Request(("user.contact.phone_number",), "marketing.communications.sms", "first-party", "sms")

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="end-to-end tests need the playwright package (pip install playwright==1.65.2)"
)
if not CHROMIUM.exists() and shutil.which("chromium") is None:
    pytest.skip("end-to-end tests need Chromium (apt-get install -y chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Runtime]]:
    import uvicorn

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('web') / 'privet.db'}")
    upgrade(engine)
    runtime = make_runtime(engine, session_factory(engine), POLICIES / "000-metronet")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(web_app(runtime), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            pytest.fail("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", runtime
    server.should_exit = True
    thread.join(timeout=5)
    engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as pw:
        executable = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
        chromium = pw.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield chromium
        chromium.close()


def _shot(page: Any, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page, timeout=10_000)


def test_a_subscriber_changes_a_choice_and_the_decision_point_sees_it(served: tuple[str, Runtime], browser: Any) -> None:
    base, runtime = served
    person = add_person(runtime, phones=["(316) 555-0177"], services=["broadband", "voice"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{base}/privacy")
    _shot(page, "privacy-notice-phone")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.goto(f"{base}/privacy/session/{session_for(runtime, person)}")
    assert page.url.endswith("/privacy/choices")
    with runtime.uow("test") as uow:
        assert decide_for_person(uow, runtime.decider, person, SMS_MARKETING).allowed is False
    page.locator("fieldset", has_text=runtime.pack.choice("marketing-sms").name).get_by_label("Allow", exact=True).check()  # type: ignore[union-attr]
    page.get_by_role("button", name="Save my choices").click()
    page.wait_for_url("**/privacy/choices?done=saved")
    assert page.get_by_role("status").first.inner_text() == "Your choices were saved."
    _shot(page, "privacy-choices-phone")
    with runtime.uow("test") as uow:
        assert decide_for_person(uow, runtime.decider, person, SMS_MARKETING).allowed is True
    page.goto(f"{base}/privacy/request")
    _shot(page, "privacy-request-phone")
    context.close()


def test_a_gpc_browser_sees_the_opt_out_honoured(served: tuple[str, Runtime], browser: Any) -> None:
    base, runtime = served
    context = browser.new_context(extra_http_headers={"Sec-GPC": "1"})
    page = context.new_page()
    page.goto(f"{base}/privacy")
    assert "Opt-Out Request Honored" in page.get_by_role("status").first.inner_text()
    person = add_person(runtime, service_state="CA", billing_state="CA")
    page.goto(f"{base}/privacy/session/{session_for(runtime, person)}")
    assert "Opt-Out Request Honored" in page.content()
    _shot(page, "privacy-gpc")
    context.close()
    plain = browser.new_context().new_page()
    plain.goto(f"{base}/privacy")
    assert "Opt-Out Request Honored" not in plain.content()
    plain.context.close()


def test_console_pages_in_a_browser(served: tuple[str, Runtime], browser: Any) -> None:
    base, runtime = served
    person = add_person(runtime, services=["broadband"])
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{base}/console")
    assert page.url.endswith("/console/signin")
    page.get_by_label("API token").fill(token_for(runtime, "privacy_officer"))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/console")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Today")
    cookie = next(c for c in context.cookies() if c["name"] == "privet_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    _shot(page, "console-today")
    page.get_by_role("link", name="Subscribers").click()
    page.get_by_label("Person id").fill(str(person))
    page.get_by_role("button", name="Open").click()
    page.wait_for_url(f"**/console/subjects/{person}")
    assert page.get_by_role("heading", name="Current choices").is_visible()
    _shot(page, "console-subscriber")
    page.get_by_role("link", name="Policy").click()
    assert page.get_by_role("heading", name="Promise list").is_visible()
    _shot(page, "console-policy")
    context.close()
