"""The broker's signed envelopes, replay guard and key loading (grader/executors/signing.py)."""

from __future__ import annotations

import copy
import hmac
import json
import threading
from pathlib import Path

import pytest

from grader.errors import UsageError
from grader.executors import signing

KEY = b"k" * 40
OTHER = b"o" * 40
NOW = 1_800_000_000.0


def _sealed(body: dict[str, object] | None = None, ttl: float = 60) -> dict[str, object]:
    return signing.seal(KEY, "job", body or {"job": "s01", "sandbox": "docker", "n": 1.5}, ttl, now=NOW)


def test_a_sealed_message_opens_with_its_body_nonce_and_expiry() -> None:
    message = _sealed()
    opened = signing.unseal(KEY, message, "job", now=NOW + 59)
    assert opened.body == {"job": "s01", "sandbox": "docker", "n": 1.5}
    assert opened.nonce == message["nonce"] and opened.expires == int(NOW + 60)


def test_the_signature_survives_json_and_any_key_order() -> None:
    message = _sealed({"b": [1, {"z": "é", "a": None}], "a": True})
    travelled = json.loads(json.dumps(message, indent=3))
    reordered = dict(reversed(list(travelled.items())))
    reordered["body"] = dict(reversed(list(travelled["body"].items())))
    assert signing.unseal(KEY, reordered, "job", now=NOW).body == message["body"]


def test_canonical_json_is_sorted_compact_ascii() -> None:
    assert signing.canonical({"b": 1, "a": ["é", 2.5]}) == b'{"a":["\\u00e9",2.5],"b":1}'
    with pytest.raises(ValueError):
        signing.canonical({"a": float("nan")})


@pytest.mark.parametrize(
    "tamper",
    [
        lambda m: m["body"].update(sandbox="local"),
        lambda m: m["body"].update(extra="x"),
        lambda m: m["body"].pop("n"),
        lambda m: m.update(expires=m["expires"] + 3600),
        lambda m: m.update(nonce="0" * 32),
        lambda m: m.update(purpose="result"),
        lambda m: m.update(mac=m["mac"][:-1] + ("0" if m["mac"][-1] != "0" else "1")),
    ],
    ids=["field", "added-field", "removed-field", "expiry", "nonce", "purpose", "mac"],
)
def test_any_tampering_is_refused_as_forged(tamper: object) -> None:
    message = copy.deepcopy(_sealed())
    tamper(message)  # type: ignore[operator]
    with pytest.raises(signing.Forged, match="does not match the broker key"):
        signing.unseal(KEY, message, "job", now=NOW)


@pytest.mark.parametrize(
    "message",
    [
        None,
        [],
        "job",
        {"job": "s01", "sandbox": "local"},  # a plain JSON job, no envelope
        {"purpose": "job", "nonce": "0" * 32, "expires": 2**40, "body": {}},  # no mac
        {"purpose": "job", "nonce": "0" * 32, "expires": 2**40, "body": {}, "mac": "not hex"},
    ],
    ids=["none", "list", "string", "plain-job", "no-mac", "bad-mac"],
)
def test_unsigned_messages_are_refused_as_forged(message: object) -> None:
    with pytest.raises(signing.Forged):
        signing.unseal(KEY, message, "job", now=NOW)


def test_a_message_signed_with_another_key_is_forged() -> None:
    message = signing.seal(OTHER, "job", {"job": "s01"}, 60, now=NOW)
    with pytest.raises(signing.Forged, match="another key"):
        signing.unseal(KEY, message, "job", now=NOW)


def test_a_message_for_another_purpose_is_refused() -> None:
    result = signing.seal(KEY, "result", {"job": "s01"}, 60, now=NOW)
    with pytest.raises(signing.Forged, match="not a 'job'"):
        signing.unseal(KEY, result, "job", now=NOW)


def test_expired_only_for_authentic_messages() -> None:
    message = _sealed(ttl=10)
    with pytest.raises(signing.Expired, match="expired at"):
        signing.unseal(KEY, message, "job", now=NOW + 11)
    message["body"]["job"] = "s02"  # type: ignore[index]
    with pytest.raises(signing.Forged):  # a forgery is never reported as merely expired
        signing.unseal(KEY, message, "job", now=NOW + 11)


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(signing.hmac, "compare_digest", spy)
    message = _sealed()
    signing.unseal(KEY, message, "job", now=NOW)
    assert calls and calls[0][1] == message["mac"]


def test_every_message_gets_a_fresh_random_nonce() -> None:
    nonces = {signing.seal(KEY, "job", {}, 60)["nonce"] for _ in range(500)}
    assert len(nonces) == 500 and all(signing.NONCE.fullmatch(str(n)) for n in nonces)


def test_the_replay_guard_accepts_a_nonce_once_until_it_expires() -> None:
    guard = signing.ReplayGuard()
    first = signing.unseal(KEY, _sealed(ttl=10), "job", now=NOW)
    other = signing.unseal(KEY, _sealed(ttl=1000), "job", now=NOW)
    assert guard.first_time(first, now=NOW) and guard.first_time(other, now=NOW)
    assert not guard.first_time(first, now=NOW + 5)
    assert not guard.first_time(other, now=NOW + 5)
    guard.first_time(signing.unseal(KEY, _sealed(ttl=2000), "job", now=NOW), now=NOW + 100)  # purges
    assert len(guard) == 2  # the expired nonce was forgotten (its message can no longer be opened)


def test_the_replay_guard_lets_one_of_many_threads_through() -> None:
    guard = signing.ReplayGuard()
    opened = signing.unseal(KEY, _sealed(), "job", now=NOW)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def take() -> None:
        barrier.wait()
        results.append(guard.first_time(opened, now=NOW))

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(results) == [False] * 7 + [True]


def test_the_key_comes_from_the_environment() -> None:
    assert signing.load_key(None, {"GRADER_BROKER_KEY": "  " + "a" * 40 + "\n"}) == b"a" * 40


@pytest.mark.parametrize("environ", [{}, {"GRADER_BROKER_KEY": "   "}], ids=["unset", "blank"])
def test_no_key_says_how_to_provide_one(environ: dict[str, str]) -> None:
    with pytest.raises(UsageError) as caught:
        signing.load_key(None, environ)
    line = caught.value.format()
    assert caught.value.exit_code == 2 and "\n" not in line
    assert line.startswith("no broker key: set GRADER_BROKER_KEY or pass --broker-key-file FILE")


def test_a_short_key_is_refused() -> None:
    with pytest.raises(UsageError, match="shorter than 32 characters"):
        signing.load_key(None, {"GRADER_BROKER_KEY": "password"})


def test_a_key_file_wins_over_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "key"
    path.write_text("f" * 64 + "\n")
    path.chmod(0o600)
    assert signing.load_key(path, {"GRADER_BROKER_KEY": "e" * 64}) == b"f" * 64
    path.chmod(0o640)  # shared with the workers' group, read-only
    assert signing.load_key(path, {}) == b"f" * 64


@pytest.mark.parametrize(
    "mode", [0o644, 0o604, 0o660, 0o602], ids=["world-r", "other-r", "group-w", "other-w"]
)
def test_a_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "key"
    path.write_text("f" * 64)
    path.chmod(mode)
    with pytest.raises(UsageError) as caught:
        signing.load_key(path, {})
    assert f"open to others (mode {mode:04o}): chmod 600 " in caught.value.format()


def test_a_missing_or_odd_key_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the broker key file .*No such file"):
        signing.load_key(tmp_path / "absent", {})
    folder = tmp_path / "folder"
    folder.mkdir(mode=0o700)
    with pytest.raises(UsageError, match="not a regular file|cannot read"):
        signing.load_key(folder, {})
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff" * 40)
    binary.chmod(0o600)
    with pytest.raises(UsageError, match="not text"):
        signing.load_key(binary, {})
