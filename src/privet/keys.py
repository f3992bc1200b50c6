"""The server secret that signs links (one-click unsubscribe, privacy-center sessions).

Taken from $PRIVET_SECRET_KEY; otherwise from the key file named by $PRIVET_SECRET_FILE
(default `privet.secret` in the working folder), created with 32 random bytes and mode 0600 on
first use. It is never stored in the database.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path

DEFAULT_FILE = "privet.secret"


@lru_cache(maxsize=4)
def _load(env_key: str | None, path: str) -> bytes:
    if env_key:
        return env_key.encode("utf-8")
    file = Path(path)
    if file.exists():
        return file.read_bytes().strip()
    key = secrets.token_urlsafe(32).encode("ascii")
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key)
    return key


def secret_key() -> bytes:
    return _load(os.environ.get("PRIVET_SECRET_KEY"), os.environ.get("PRIVET_SECRET_FILE", DEFAULT_FILE))
