"""Who may edit when the preview is shared on a network: users, passwords, sessions, slowing down guessing.

On 127.0.0.1 only the person at the computer can reach the preview, so editing needs no sign-in. On any
other address every editing page and API request needs a signed-in user. Users live in
``.handbook/users.json`` under the content root: outside ``roles/`` and ``content/`` (never read by a build,
never published), in a folder whose own ``.gitignore`` keeps it out of git. Passwords are hashed with
Argon2id (argon2-cffi); a session is a signed, HttpOnly, SameSite=Strict cookie whose key lives only as
long as the server does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import threading
import time
from pathlib import Path

USERS_FOLDER = ".handbook"
USERS_FILE = f"{USERS_FOLDER}/users.json"
COOKIE = "handbook_session"
SESSION_SECONDS = 12 * 3600
MAX_FAILURES = 5  # wrong passwords per address (or per name) within FAILURE_WINDOW before 429
FAILURE_WINDOW = 600.0


class UserError(Exception):
    """One line for `handbook user add` (exit 2)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


def _read(root: Path) -> dict:
    path = root / USERS_FILE
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data.get("users", {}) if isinstance(data, dict) else {}


def add_user(root: Path, name: str, password: str) -> bool:
    """Create ``name`` or set its password; True when the user is new."""
    name = " ".join(name.split())
    if not name or len(name) > 40:
        raise UserError("用户名应有 1 到 40 个字，如 handbook user add 张三")
    if len(password) < 8:
        raise UserError("密码至少要有 8 个字符，请换一个更长的密码")
    folder = root / USERS_FOLDER
    folder.mkdir(exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# 编辑器的用户和密码（散列）：不进 git，也不发布\n*\n", encoding="utf-8")
    users = _read(root)
    new = name not in users
    users[name] = {"hash": _hasher().hash(password)}
    text = json.dumps({"users": users}, ensure_ascii=False, indent=2) + "\n"
    tmp = folder / f".users.{os.getpid()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, root / USERS_FILE)
    return new


class Gate:
    """Sign-in, sessions and the count of wrong passwords for one running preview."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._key = secrets.token_bytes(32)
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def wait_seconds(self, *keys: str) -> int:
        """Seconds until another try is allowed (0: now), after too many wrong passwords."""
        now = time.monotonic()
        with self._lock:
            waits = []
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < FAILURE_WINDOW]
                self._failures[key] = recent
                if len(recent) >= MAX_FAILURES:
                    waits.append(int(FAILURE_WINDOW - (now - recent[0])) + 1)
            return max(waits, default=0)

    def check(self, name: str, password: str, *keys: str) -> bool:
        users = _read(self.root)
        stored = users.get(name, {}).get("hash") if isinstance(users.get(name), dict) else None
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            ok = stored is not None and _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            ok = False
        if stored is None:  # as slow as a real check: the answer's time does not tell which names exist
            _hasher().hash(password)
        if not ok:
            with self._lock:
                for key in keys:
                    self._failures.setdefault(key, []).append(time.monotonic())
        return ok

    def cookie(self, name: str) -> str:
        expires = int(time.time()) + SESSION_SECONDS
        payload = base64.urlsafe_b64encode(name.encode("utf-8")).decode("ascii") + f".{expires}"
        value = f"{payload}.{self._sign(payload)}"
        return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECONDS}"

    def user(self, cookie_header: str | None) -> str | None:
        """The signed-in user of a request's Cookie header, or None."""
        for part in (cookie_header or "").split(";"):
            key, _, value = part.strip().partition("=")
            if key != COOKIE:
                continue
            payload, _, signature = value.rpartition(".")
            if not hmac.compare_digest(signature, self._sign(payload)):
                return None
            encoded, _, expires = payload.rpartition(".")
            if not expires.isdigit() or int(expires) < time.time():
                return None
            name = base64.urlsafe_b64decode(encoded.encode("ascii")).decode("utf-8")
            return name if name in _read(self.root) else None
        return None

    def _sign(self, payload: str) -> str:
        return hmac.new(self._key, payload.encode("utf-8"), hashlib.sha256).hexdigest()


def logout_cookie() -> str:
    return f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
