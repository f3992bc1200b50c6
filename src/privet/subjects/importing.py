"""Reading subscriber files (CSV or JSON) into validated records, with a clear error per bad row."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from privet.subjects.records import SubscriberRecord
from privet.subjects.service import RowError

MAX_ROWS = 1_000_000


def parse_rows(rows: list[Any]) -> tuple[list[SubscriberRecord], list[RowError]]:
    """Validate every row; return the good records and an error for each problem of each bad row."""
    records: list[SubscriberRecord] = []
    errors: list[RowError] = []
    for index, raw in enumerate(rows, start=1):
        if not isinstance(raw, dict):
            errors.append(RowError(index, "", "a row must be an object of named fields"))
            continue
        cleaned = {k: v for k, v in raw.items() if not (isinstance(v, str) and v.strip() == "")}
        try:
            records.append(SubscriberRecord.model_validate(cleaned))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                if err["type"] == "extra_forbidden":
                    message = "unknown field"
                errors.append(RowError(index, field, message))
    return records, errors


def read_file(path: Path) -> list[Any]:
    """Rows from a .csv or .json file (a JSON list, or an object with a `records` list)."""
    text = path.read_text(encoding="utf-8-sig")
    suffix = path.suffix.lower()
    if suffix == ".json":
        data = json.loads(text)
        rows = data.get("records") if isinstance(data, dict) else data
        if not isinstance(rows, list):
            raise ValueError("a JSON import is a list of records, or an object with a 'records' list")
    elif suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        raise ValueError(f"cannot import '{suffix or path.name}': use a .csv or .json file")
    if len(rows) > MAX_ROWS:
        raise ValueError(f"{len(rows)} rows is more than the {MAX_ROWS} one import may hold; split the file")
    return rows
