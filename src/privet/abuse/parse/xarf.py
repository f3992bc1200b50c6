"""X-ARF reports in JSON: version 4 (`xarf_version`) and the legacy version 3 (`Version: "3"`).

A JSON document that is neither is refused, as is one nested too deeply to read; a report that
is structurally X-ARF but lacks an address or time is kept and sent to review, because the
complaint may still be real.
"""

from __future__ import annotations

import json
from typing import Any

from privet.abuse.addresses import clean_ip
from privet.abuse.kinds import violation_from_report
from privet.abuse.parse.model import ParsedNotice, Refused
from privet.abuse.timeparse import parse_time


def load_json(data: bytes | str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except RecursionError:
        raise Refused("the JSON is nested too deeply to read") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise Refused(f"the JSON cannot be read: {str(exc)[:200]}") from None
    if not isinstance(value, dict):
        raise Refused("a JSON report must be an object")
    return value


def is_xarf(value: dict[str, Any]) -> bool:
    return "xarf_version" in value or str(value.get("Version", "")).startswith("3") or "ReporterInfo" in value


def parse_xarf(data: bytes | str) -> ParsedNotice:
    value = load_json(data)
    if "xarf_version" in value:
        return _v4(value)
    if str(value.get("Version", "")).startswith("3") or "ReporterInfo" in value:
        return _v3(value)
    raise Refused("the JSON is not an X-ARF report (no xarf_version, no Version 3)")


def _str(value: Any, limit: int = 500) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _port(value: Any) -> int | None:
    try:
        port = int(str(value))
    except (TypeError, ValueError):
        return None
    return port if 0 < port <= 65535 else None


def _when(notice: ParsedNotice, *candidates: Any) -> None:
    for raw in candidates:
        found = parse_time(_str(raw, 80))
        if found:
            notice.event_at, notice.time_assumed_utc = found.at, found.assumed_utc
            return


def _finish(notice: ParsedNotice, raw_ip: Any) -> ParsedNotice:
    if raw_ip is not None and notice.source_ip is None:
        notice.flag(f"the source {_str(raw_ip, 60)!r} is not an IP address")
    elif raw_ip is None and notice.material_url is None:
        notice.flag("the report names no source address")
    if notice.event_at is None:
        notice.flag("the report gives no time privet can read")
    if notice.violation is None:
        notice.flag("the report's category is not one privet knows")
    return notice


def _v4(value: dict[str, Any]) -> ParsedNotice:
    reporter, sender = _obj(value.get("reporter")), _obj(value.get("sender"))
    notice = ParsedNotice(format="xarf4")
    notice.violation = violation_from_report(_str(value.get("type")), _str(value.get("category")))
    notice.sender_case_id = _str(value.get("report_id"), 200)
    notice.complainant = _str(value.get("rights_holder")) or _str(reporter.get("org"))
    notice.complainant_email = _str(reporter.get("contact"), 320) or _str(sender.get("contact"), 320)
    notice.reply_to = _str(sender.get("contact"), 320) or notice.complainant_email
    raw_ip = value.get("source_identifier")
    notice.source_ip = clean_ip(_str(raw_ip, 60))
    notice.source_port = _port(value.get("source_port"))
    _when(notice, value.get("timestamp"), value.get("first_seen"))
    notice.work_title = _str(value.get("work_title"))
    url = _str(value.get("url") or value.get("infringing_url"), 2000)
    notice.material_url = url if url and "://" in url else None
    swarm = _obj(value.get("swarm_info"))
    notice.material = _str(swarm.get("info_hash")) or url
    notice.letter = "\n".join(t for t in (_str(value.get("description"), 20000), _str(value.get("statement"), 20000)) if t)
    notice.details = {
        k: v
        for k, v in {
            "category": _str(value.get("category")),
            "type": _str(value.get("type")),
            "xarf_version": _str(value.get("xarf_version")),
            "protocol": _str(value.get("p2p_protocol")),
            "info_hash": _str(swarm.get("info_hash")),
            "evidence_items": len(value["evidence"]) if isinstance(value.get("evidence"), list) else None,
            "reporter": _str(reporter.get("org")),
        }.items()
        if v is not None
    }
    return _finish(notice, raw_ip)


def _v3(value: dict[str, Any]) -> ParsedNotice:
    info, behalf, report = _obj(value.get("ReporterInfo")), _obj(value.get("OnBehalfOf")), _obj(value.get("Report"))
    notice = ParsedNotice(format="xarf3")
    notice.violation = violation_from_report(_str(report.get("ReportType")), _str(report.get("ReportClass")))
    notice.sender_case_id = _str(report.get("ReportID") or value.get("ReportID"), 200)
    notice.complainant = _str(behalf.get("ComplainantOrg")) or _str(info.get("ReporterOrg"))
    notice.complainant_email = _str(behalf.get("ComplainantContactEmail"), 320) or _str(info.get("ReporterOrgEmail"), 320)
    notice.complainant_phone = _str(behalf.get("ComplainantContactPhone"))
    notice.reply_to = _str(info.get("ReporterOrgEmail"), 320) or notice.complainant_email
    raw_ip = report.get("SourceIp")
    notice.source_ip = clean_ip(_str(raw_ip, 60))
    notice.source_port = _port(report.get("SourcePort"))
    _when(notice, report.get("Date"), report.get("FirstSeen"))
    notice.work_title = _str(report.get("InfringedMaterial"))
    url = _str(report.get("SourceUrl"), 2000)
    notice.material_url = url if url and "://" in url else None
    file_hash = _obj(report.get("FileHash"))
    notice.material = "; ".join(p for p in (_str(report.get("FileName")), _str(file_hash.get("HashValue")), url) if p) or None
    notice.letter = _str(report.get("Comment") or report.get("Description"), 20000) or ""
    notice.details = {
        k: v
        for k, v in {
            "report_type": _str(report.get("ReportType")),
            "report_class": _str(report.get("ReportClass")),
            "material_type": _str(report.get("MaterialType")),
            "file_name": _str(report.get("FileName")),
            "court_order": _str(report.get("CourtOrder"), 2000),
            "reporter": _str(info.get("ReporterOrg")),
        }.items()
        if v is not None
    }
    return _finish(notice, raw_ip)
