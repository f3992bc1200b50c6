"""The console's policy page: every loaded version's notice, what changed between versions, the promise list.

A privacy officer answering "what did we promise on the day this data was collected?" needs the
notice of that version, not only the current one, and the reviewer of a new version needs the
same classified diff that `privet policy diff` prints, material changes first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from privet.access.permissions import Permission
from privet.api.deps import RuntimeDep
from privet.policy.diff import Change, diff_packs
from privet.policy.model import PolicyPack
from privet.policy.promises import load_promises, promises_path, status_counts
from privet.runtime import Runtime
from privet.web.common import notice_body, page
from privet.web.staff import ConsoleCookie, context, require, signed_in, signin_redirect

router = APIRouter(prefix="/console", tags=["console pages"], include_in_schema=False)


def versions(runtime: Runtime) -> list[PolicyPack]:
    """Every loaded version of the pack, oldest first; the one in force is last."""
    return [*sorted(runtime.history, key=lambda p: p.pack.effective), runtime.pack]


def _changes(chosen: PolicyPack, all_versions: list[PolicyPack]) -> tuple[PolicyPack | None, list[Change]]:
    earlier = [p for p in all_versions if p.pack.effective < chosen.pack.effective]
    if not earlier:
        return None, []
    previous = earlier[-1]
    return previous, diff_packs(previous, chosen)


@router.get("/policy", response_class=HTMLResponse, response_model=None)
def policy(
    request: Request,
    runtime: RuntimeDep,
    version: Annotated[str | None, Query(max_length=40)] = None,
    session: ConsoleCookie = None,
) -> Response:
    staff = signed_in(runtime, session)
    if staff is None:
        return signin_redirect()
    require(staff, Permission.POLICY_READ)
    loaded = versions(runtime)
    chosen = runtime.pack if version is None else next((p for p in loaded if p.pack.version == version), None)
    if chosen is None:
        raise HTTPException(404, f"version {version} is not loaded; loaded: {', '.join(p.pack.version for p in loaded)}")
    previous, changes = _changes(chosen, loaded)
    promises: dict[str, int] = {}
    promise_rows: list[Any] = []
    pack_path: Path | None = getattr(request.app.state, "policy_path", None)
    if chosen is runtime.pack and pack_path is not None and promises_path(Path(pack_path)).exists():
        plist, _, _ = load_promises(promises_path(Path(pack_path)))
        if plist is not None:
            promises = status_counts(plist)
            promise_rows = plist.promises
    return page(
        "console/policy.html",
        **context(
            runtime,
            staff,
            chosen=chosen,
            versions=loaded,
            previous=previous,
            changes=changes,
            notice=notice_body(chosen),
            promises=promises,
            promise_rows=promise_rows,
        ),
    )
