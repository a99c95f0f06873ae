"""Sign-in for the web UI: users with scrypt password hashes, from a users file or the environment.

A password is never stored: `assistant users add NAME` writes `scrypt$N$r$p$salt$hash` into the users
file (`<store>/users.json`, ASSISTANT_USERS_FILE), and ASSISTANT_USERS takes the same hashes
("alice:scrypt$…:admin;bob:scrypt$…"), e.g. from `assistant users hash`. The UI needs sign-in whenever
users exist, and refuses to leave loopback without them.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..errors import InputError

_N, _R, _P = 2 ** 14, 8, 1  # scrypt cost: ~50 ms and 16 MB per check on these cores
ROLES = ("admin", "user")
_NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")


@dataclass(frozen=True)
class User:
    name: str
    hash: str
    role: str = "user"


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise InputError("The password is shorter than 8 characters; choose a longer one")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "$".join(["scrypt", str(_N), str(_R), str(_P), _b64(salt), _b64(digest)])


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        expected = base64.urlsafe_b64decode(digest + "==")
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.urlsafe_b64decode(salt + "=="),
                             n=int(n), r=int(r), p=int(p), dklen=len(expected), maxmem=64 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def users_path(settings: Settings) -> Path:
    return settings.users_file or (settings.store_dir / "users.json")


def load_users(settings: Settings) -> dict[str, User]:
    """Every user from the users file and ASSISTANT_USERS (the environment wins on a shared name)."""
    path = users_path(settings)
    try:
        users = {row["name"]: User(row["name"], row["hash"], row.get("role", "user")) for row in _rows(path)}
    except (KeyError, TypeError) as exc:
        raise _invalid(path, exc) from exc
    for entry in filter(None, (e.strip() for e in settings.users.split(";"))):
        name, _, rest = entry.partition(":")
        digest, _, role = rest.partition(":")
        if not name or not digest.startswith("scrypt$"):
            raise InputError(f"ASSISTANT_USERS has an entry that is not NAME:HASH[:admin] ({name or entry[:20]!r}); "
                             "make each hash with `assistant users hash` — plain passwords are not accepted")
        users[name] = User(name, digest, "admin" if role == "admin" else "user")
    return users


def save_user(settings: Settings, name: str, password: str, role: str = "user") -> Path:
    """Add or replace a user in the users file (mode 600); returns its path."""
    if not name or set(name) - _NAME_OK:
        raise InputError(f"{name!r} is not a usable user name; use letters, digits and . _ - @")
    if role not in ROLES:
        raise InputError(f"role must be one of {', '.join(ROLES)}")
    path = users_path(settings)
    rows = [r for r in _rows(path) if r["name"] != name]
    rows.append({"name": name, "hash": hash_password(password), "role": role})
    _write(path, rows)
    return path


def delete_user(settings: Settings, name: str) -> bool:
    path = users_path(settings)
    if not path.is_file():
        return False
    rows = _rows(path)
    kept = [r for r in rows if r["name"] != name]
    _write(path, kept)
    return len(kept) < len(rows)


def _rows(path: Path) -> list[dict]:
    """The users file's rows ([] when there is none); InputError naming the file when it is not JSON."""
    if not path.is_file():
        return []
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise _invalid(path, exc) from exc


def _invalid(path: Path, exc: Exception) -> InputError:
    return InputError(f"The users file {path} is not valid ({exc}); fix it or recreate it with "
                      "`assistant users add NAME`")


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as out:
        json.dump(rows, out, ensure_ascii=False, indent=1)
    os.replace(tmp, path)


class Authenticator:
    """Gradio's auth callable, and who may add or remove articles."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.users = load_users(settings)

    def __bool__(self) -> bool:
        return bool(self.users)

    def __call__(self, name: str, password: str) -> bool:
        user = self.users.get(name)
        if user is None:  # the same work either way: no timing hint that a name exists
            check_password(password, _DUMMY)
            return False
        return check_password(password, user.hash)

    def may_manage(self, name: str | None) -> bool:
        """Add or remove articles: anyone without sign-in (loopback), else by ASSISTANT_UPLOAD_ROLE."""
        if not self.users:
            return True
        user = self.users.get(name or "")
        return user is not None and (self.settings.upload_role == "user" or user.role == "admin")


_DUMMY = "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$" + "A" * 43


def is_loopback(host: str) -> bool:
    """Whether the UI bound to host is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback
                       for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


class PageNeedsSignIn:
    """ASGI middleware: the page itself answers 401 to someone not signed in. Its body is still Gradio's
    sign-in form (a config with no components and no data), which the browser shows; every other route
    (config, API, queue, uploads, files) already answers 401/403 on its own."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope.get("type") != "http" or scope.get("method") != "GET" or scope.get("path", "") not in ("/", ""):
            return await self.app(scope, receive, send)
        gradio_app = scope.get("app")
        if getattr(gradio_app, "auth", None) is None or _signed_in(scope, gradio_app):
            return await self.app(scope, receive, send)

        async def unauthorized(message):
            if message["type"] == "http.response.start":
                message = {**message, "status": 401}
            await send(message)

        return await self.app(scope, receive, unauthorized)


def _signed_in(scope, gradio_app) -> bool:
    from http.cookies import SimpleCookie

    cookies = SimpleCookie()
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            cookies.load(value.decode("latin-1"))
    cookie_id = getattr(gradio_app, "cookie_id", "")
    tokens = getattr(gradio_app, "tokens", {})
    return any(name in cookies and cookies[name].value in tokens
               for name in (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}"))
