"""Each login gets a nonce the server keeps in the user's set of live nonces; logout discards it."""

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field

from flask import Blueprint, abort, request, session

auth = Blueprint("auth", __name__)
NAME = re.compile(r"\A[a-z0-9_]{3,32}\Z")


@dataclass
class Account:
    salt: bytes
    digest: bytes
    nonces: set = field(default_factory=set)


ACCOUNTS: dict[str, Account] = {}


def digest(password: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 5_000)


def check(account: Account, password) -> bool:
    return isinstance(password, str) and hmac.compare_digest(digest(password, account.salt), account.digest)


def json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, "expected a JSON object")
    return data


def strong(password) -> bool:
    return isinstance(password, str) and len(password) >= 8


def current() -> tuple[str, Account]:
    name = session.get("name")
    account = ACCOUNTS.get(name) if isinstance(name, str) else None
    if account is None or session.get("nonce") not in account.nonces:
        abort(401, "not logged in")
    return name, account


@auth.post("/register")
def register():
    data = json_object()
    name, password = data.get("username"), data.get("password")
    if not isinstance(name, str) or not NAME.match(name) or not strong(password):
        abort(400, "username: 3-32 of a-z 0-9 _, password: 8+ characters")
    if name in ACCOUNTS:
        abort(409, "username already registered")
    salt = os.urandom(16)
    ACCOUNTS[name] = Account(salt, digest(password, salt))
    return {"username": name}, 201


@auth.post("/login")
def login():
    data = request.get_json(silent=True)
    data = data if isinstance(data, dict) else {}
    name = data.get("username")
    account = ACCOUNTS.get(name) if isinstance(name, str) else None
    if account is None or not check(account, data.get("password")):
        abort(401, "login failed")
    nonce = secrets.token_hex(16)
    account.nonces.add(nonce)
    session.clear()
    session.update(name=name, nonce=nonce)
    return {"username": name}


@auth.get("/me")
def me():
    name, _ = current()
    return {"username": name}


@auth.post("/logout")
def logout():
    _, account = current()
    account.nonces.discard(session.get("nonce"))
    session.clear()
    return "", 204


@auth.post("/password")
def password():
    _, account = current()
    data = json_object()
    if not check(account, data.get("old")):
        abort(401, "wrong password")
    if not strong(data.get("new")):
        abort(400, "the new password needs 8 characters or more")
    account.salt = os.urandom(16)
    account.digest = digest(data["new"], account.salt)
    account.nonces = {session.get("nonce")}  # other sessions end, this one stays
    return "", 204
