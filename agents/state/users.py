"""Who may use the UI and the HTTP APIs: users with a role, a scrypt password hash and hashed API keys.

Roles, each including the one before: ``viewer`` (browse runs and reports), ``engineer`` (start and
approve runs), ``admin`` (users and configuration). A password is never stored, only
``scrypt$n$r$p$salt$hash``; an API key (``dpl_...``) is shown once and stored as its sha256.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlmodel import col, select

from agents.state.db import session
from agents.state.models import ApiKey, User
from tools.errors import DoppelError
from tools.settings import Settings

Role = Literal["viewer", "engineer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "engineer", "admin")
Permission = Literal["browse", "run", "admin"]
_NEEDS: dict[Permission, Role] = {"browse": "viewer", "run": "engineer", "admin": "admin"}
KEY_PREFIX = "dpl_"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
MIN_PASSWORD = 8


class UserInfo(BaseModel):
    name: str
    role: Role
    created_at: datetime
    keys: list[str] = []
    must_change: bool = False


def allowed(role: str, permission: Permission) -> bool:
    """Whether ``role`` may do ``permission`` (an unknown role may do nothing)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(_NEEDS[permission])


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p), dklen=32)
    return hmac.compare_digest(got.hex(), digest)


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _role(role: str) -> Role:
    if role not in ROLES:
        raise DoppelError(f"role: '{role}' is not one of {', '.join(ROLES)}")
    return role


def add_user(settings: Settings, name: str, role: str, password: str, *, must_change: bool = False) -> UserInfo:
    if not name or len(name) > 100 or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
        raise DoppelError(f"user '{name}': a name is 1-100 letters, digits, '_', '-' or '.'")
    _role(role)
    if len(password) < MIN_PASSWORD:
        raise DoppelError(f"password: at least {MIN_PASSWORD} characters")
    with session(settings) as s:
        if s.get(User, name) is not None:
            raise DoppelError(f"user '{name}': already exists (`doppel users remove {name}` first)")
        user = User(name=name, role=_role(role), password_hash=hash_password(password), must_change=must_change)
        s.add(user)
        return UserInfo(name=name, role=user.role, created_at=user.created_at, must_change=must_change)


def authenticate(settings: Settings, name: str, password: str) -> UserInfo | None:
    """The user when the password matches; None otherwise (an unknown name costs the same hashing)."""
    with session(settings) as s:
        user = s.get(User, name)
    stored = user.password_hash if user is not None else hash_password(secrets.token_hex(8))
    if not check_password(password, stored) or user is None:
        return None
    return UserInfo(name=user.name, role=user.role, created_at=user.created_at, must_change=user.must_change)


def set_password(settings: Settings, name: str, password: str) -> None:
    """A new password for ``name`` (a one-time password is thereby replaced)."""
    if len(password) < MIN_PASSWORD:
        raise DoppelError(f"password: at least {MIN_PASSWORD} characters")
    with session(settings) as s:
        user = s.get(User, name)
        if user is None:
            raise DoppelError(f"user '{name}': no such user (`doppel users list`)")
        user.password_hash, user.must_change = hash_password(password), False
        s.add(user)


def issue_key(settings: Settings, name: str) -> str:
    """A new API key for ``name`` (returned once; only its hash is kept)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with session(settings) as s:
        if s.get(User, name) is None:
            raise DoppelError(f"user '{name}': no such user (`doppel users list`)")
        s.add(ApiKey(user=name, prefix=key[:10], key_hash=_key_hash(key)))
    return key


def user_of_key(settings: Settings, key: str) -> UserInfo | None:
    """The user an API key belongs to, or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    with session(settings) as s:
        row = s.exec(select(ApiKey).where(ApiKey.key_hash == _key_hash(key))).first()
        user = s.get(User, row.user) if row is not None else None
    if user is None:
        return None
    return UserInfo(name=user.name, role=user.role, created_at=user.created_at)


def list_users(settings: Settings) -> list[UserInfo]:
    with session(settings) as s:
        users = s.exec(select(User).order_by(col(User.name))).all()
        keys = s.exec(select(ApiKey)).all()
    return [
        UserInfo(
            name=u.name,
            role=u.role,
            created_at=u.created_at,
            keys=[k.prefix + "..." for k in keys if k.user == u.name],
            must_change=u.must_change,
        )
        for u in users
    ]


def remove_user(settings: Settings, name: str) -> None:
    with session(settings) as s:
        user = s.get(User, name)
        if user is None:
            raise DoppelError(f"user '{name}': no such user (`doppel users list`)")
        for key in s.exec(select(ApiKey).where(ApiKey.user == name)).all():
            s.delete(key)
        s.flush()
        s.delete(user)


def has_users(settings: Settings) -> bool:
    with session(settings) as s:
        return s.exec(select(User).limit(1)).first() is not None


def ensure_admin(settings: Settings, name: str = "admin") -> str | None:
    """On first start with no users: create ``name`` as admin with a generated one-time password and return
    it (to be printed once); None when users exist."""
    if has_users(settings):
        return None
    password = secrets.token_urlsafe(12)
    add_user(settings, name, "admin", password, must_change=True)
    return password
