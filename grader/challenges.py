"""Challenges on disk: find them, read and validate their manifests.

A challenge is a folder ``challenges/<id>/`` (see ``docs/authoring.md``).
The folder of challenges is, in order: ``$GRADER_CHALLENGES``, the copy
packaged inside an installed wheel, or ``challenges/`` beside this package in
a source checkout.
"""

from __future__ import annotations

import difflib
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ChallengeError, UnknownChallenge
from .submission import tree_hash

DIFFICULTIES = ("easy", "medium", "hard")
#: Placeholders a challenge's ``[env]`` values may use: a fresh random secret per run,
#: and the run's writable folder (each sandbox substitutes its own path).
SECRET_PLACEHOLDER = "{secret}"
DATA_PLACEHOLDER = "{data}"
#: Why a mutant may be declared equivalent (``class`` in ``[[mutation.equivalent]]``, docs/mutation.md):
#: every request gets the same answer; the change runs only for input no client can produce; it
#: restates what Flask/Werkzeug does by itself; only a test the grader cannot afford would see it.
EQUIVALENCE_CLASSES = ("same-behaviour", "unreachable", "framework-duplicate", "cost")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
_PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Limits:
    """Time and resource limits for one grading run (seconds, MiB)."""

    start_timeout: float = 10.0
    test_timeout: float = 5.0
    run_timeout: float = 60.0
    memory_mb: int = 256
    cpus: float = 1.0
    pids: int = 64


@dataclass(frozen=True)
class Server:
    """``[server]``: serve the app from a process in both modes, with ``workers`` gunicorn workers."""

    workers: int = 1


@dataclass(frozen=True)
class EquivalentMutant:
    """A mutant of the reference solution no statement-faithful test can kill, and why."""

    mutant: str
    reason: str
    #: one of :data:`EQUIVALENCE_CLASSES` (``class`` in the manifest)
    category: str


def draw_env(template: dict[str, str]) -> dict[str, str]:
    """``[env]`` for one run: each ``{secret}`` a fresh random value (a pooled pair draws its own)."""
    return {
        name: value.replace(SECRET_PLACEHOLDER, secrets.token_hex(16)) for name, value in template.items()
    }


@dataclass(frozen=True)
class Challenge:
    """One challenge folder with its validated manifest."""

    id: str
    title: str
    difficulty: str
    version: str
    points: float
    root: Path
    limits: Limits = field(default_factory=Limits)
    equivalent_mutants: tuple[EquivalentMutant, ...] = ()
    #: what the challenge is about (``grader list``), e.g. "routing", "sessions"
    topic: str = ""
    #: environment variables the grader gives the app, as written in ``[env]``
    env: tuple[tuple[str, str], ...] = ()
    #: ``[server]``: the app always runs in a server process (local mode too), with this many workers
    server: Server | None = None

    def run_env(self) -> dict[str, str]:
        """The app's environment for one run: each ``{secret}`` a fresh random value."""
        return draw_env(dict(self.env))

    @property
    def statement(self) -> Path:
        return self.root / "README.md"

    @property
    def stub_dir(self) -> Path:
        return self.root / "stub"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solution"

    @property
    def public_tests(self) -> Path:
        return self.root / "tests" / "public"

    @property
    def hidden_tests(self) -> Path:
        return self.root / "tests" / "hidden"

    def fingerprint(self) -> str:
        """A content hash of the whole challenge folder (manifest, suites, stub)."""
        return tree_hash(self.root)


def challenges_root() -> Path:
    """The folder holding every challenge."""
    configured = os.environ.get("GRADER_CHALLENGES")
    if configured:
        return Path(configured).resolve()
    packaged = _PACKAGE / "_data" / "challenges"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / "challenges"


def _require(data: dict[str, object], key: str, kind: type, where: Path) -> object:
    value = data.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise ChallengeError(f"{where}: `{key}` must be a {kind.__name__}")
    return value


def _limits(raw: object, where: Path) -> Limits:
    if raw is None:
        return Limits()
    if not isinstance(raw, dict):
        raise ChallengeError(f"{where}: [limits] must be a table")
    known = set(Limits.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise ChallengeError(f"{where}: unknown limit(s) {', '.join(sorted(unknown))}")
    values: dict[str, float | int] = {}
    for key, value in raw.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            raise ChallengeError(f"{where}: limit `{key}` must be a positive number")
        values[key] = value
    return Limits(**values)  # type: ignore[arg-type]


def _env(raw: object, where: Path) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise ChallengeError(f"{where}: [env] must be a table")
    for name, value in raw.items():
        if not _ENV_NAME.fullmatch(name) or not isinstance(value, str):
            raise ChallengeError(f"{where}: [env] {name} must be an UPPER_CASE name with a string value")
        if name.startswith(("GRADER_", "PYTHON")) or name == "UPLOAD_FOLDER":
            raise ChallengeError(f"{where}: [env] {name} is reserved by the grader")
    return tuple(sorted(raw.items()))


def _server(raw: object, where: Path) -> Server | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"workers"}:
        raise ChallengeError(f"{where}: [server] takes only `workers`")
    workers = raw.get("workers", 1)
    if not isinstance(workers, int) or isinstance(workers, bool) or not 1 <= workers <= 8:
        raise ChallengeError(f"{where}: [server] workers must be an integer from 1 to 8")
    return Server(workers=workers)


def _equivalent_mutants(raw: object, where: Path) -> tuple[EquivalentMutant, ...]:
    """``[[mutation.equivalent]]`` entries: each a ``mutant`` id, its ``class`` and a one-line ``reason``."""
    if raw is None:
        return ()
    if not isinstance(raw, dict) or set(raw) - {"equivalent"}:
        raise ChallengeError(f"{where}: [mutation] may only hold [[mutation.equivalent]] entries")
    entries = raw.get("equivalent", [])
    if not isinstance(entries, list):
        raise ChallengeError(f"{where}: mutation.equivalent must be an array of tables")
    found: list[EquivalentMutant] = []
    for entry in entries:
        if not isinstance(entry, dict) or set(entry) != {"mutant", "class", "reason"}:
            raise ChallengeError(
                f"{where}: each [[mutation.equivalent]] needs exactly `mutant`, `class` and `reason`"
                + (f" (found {', '.join(sorted(entry))})" if isinstance(entry, dict) else "")
            )
        mutant, category, reason = entry["mutant"], entry["class"], entry["reason"]
        if not isinstance(mutant, str) or not mutant.strip():
            raise ChallengeError(f"{where}: mutation.equivalent `mutant` must be a mutant id")
        if category not in EQUIVALENCE_CLASSES:
            raise ChallengeError(
                f"{where}: equivalent mutant {mutant} has class {category!r}: use one of "
                f"{', '.join(EQUIVALENCE_CLASSES)} (docs/mutation.md; 'the statement leaves it open' "
                "is no class: sharpen the statement and test it)"
            )
        if not isinstance(reason, str) or not reason.strip() or "\n" in reason.strip():
            raise ChallengeError(f"{where}: the reason for equivalent mutant {mutant} must be one line")
        if any(e.mutant == mutant for e in found):
            raise ChallengeError(f"{where}: equivalent mutant {mutant} is declared twice")
        found.append(EquivalentMutant(mutant, reason.strip(), category))
    return tuple(found)


def load_challenge(root: Path, *, starter_kit: bool = False, named_by_folder: bool = True) -> Challenge:
    """Read and validate ``root/challenge.toml``.

    ``starter_kit``: ``root`` is the copy a candidate downloaded with an
    invitation (:mod:`grader.service.kit`), which holds the statement and the
    public tests only: the hidden tests and the solution are not required.

    ``named_by_folder=False`` is for a folder whose name the grader chose
    (the service stores a team's private challenge under a generated name,
    never one a client sent), so its id is not compared with the folder's.
    """
    manifest = root / "challenge.toml"
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChallengeError(f"{root}: no challenge.toml") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ChallengeError(f"{manifest}: not valid TOML ({exc})") from None
    challenge_id = str(_require(data, "id", str, manifest))
    if named_by_folder and challenge_id != root.name:
        raise ChallengeError(f"{manifest}: id {challenge_id!r} differs from its folder {root.name!r}")
    difficulty = str(_require(data, "difficulty", str, manifest))
    if difficulty not in DIFFICULTIES:
        raise ChallengeError(f"{manifest}: difficulty must be one of {', '.join(DIFFICULTIES)}")
    points = data.get("points")
    if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
        raise ChallengeError(f"{manifest}: `points` must be a positive number")
    challenge = Challenge(
        id=challenge_id,
        title=str(_require(data, "title", str, manifest)),
        difficulty=difficulty,
        version=str(_require(data, "version", str, manifest)),
        points=float(points),
        root=root.resolve(),
        limits=_limits(data.get("limits"), manifest),
        env=_env(data.get("env"), manifest),
        topic=str(_require(data, "topic", str, manifest)) if "topic" in data else "",
        server=_server(data.get("server"), manifest),
        equivalent_mutants=_equivalent_mutants(data.get("mutation"), manifest),
    )
    required = (
        (challenge.statement, challenge.public_tests)
        if starter_kit
        else (
            challenge.statement,
            challenge.stub_dir,
            challenge.hidden_tests,
            challenge.public_tests,
            challenge.solution_dir,
        )
    )
    for needed in required:
        if not needed.exists():
            raise ChallengeError(f"{root}: missing {needed.relative_to(root)}")
    return challenge


def challenge_folders(root: Path | None = None) -> list[Path]:
    """Every folder holding a ``challenge.toml``, loaded or not (``grader verify`` checks each)."""
    base = root or challenges_root()
    if not base.is_dir():
        raise ChallengeError(f"no challenges folder at {base}", hint="set GRADER_CHALLENGES")
    return [p for p in sorted(base.iterdir()) if (p / "challenge.toml").is_file()]


def list_challenges(root: Path | None = None) -> list[Challenge]:
    """Every challenge, sorted by difficulty then id."""
    base = root or challenges_root()
    if not base.is_dir():
        raise ChallengeError(f"no challenges folder at {base}", hint="set GRADER_CHALLENGES")
    found = [load_challenge(p) for p in sorted(base.iterdir()) if (p / "challenge.toml").is_file()]
    return sorted(found, key=lambda c: (DIFFICULTIES.index(c.difficulty), c.id))


def get_challenge(challenge_id: str, root: Path | None = None) -> Challenge:
    """The challenge with that id, or :class:`UnknownChallenge` with suggestions."""
    base = root or challenges_root()
    folder = base / challenge_id
    if "/" not in challenge_id and (folder / "challenge.toml").is_file():
        return load_challenge(folder)
    known = [p.name for p in base.iterdir() if (p / "challenge.toml").is_file()] if base.is_dir() else []
    close = difflib.get_close_matches(challenge_id, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "run `grader list` to see them"
    raise UnknownChallenge(f"unknown challenge {challenge_id!r}", hint=hint)
