"""From what a person or a run configuration names to complete target configurations.

- A name is a ``[targets.NAME]`` of the settings; anything else given on a command line is a URL or a path
  (``tools.targets.config.from_reference``).
- A target written out in a run configuration takes what it leaves out (credentials above all) from the
  settings' target of the same name.
- Relative paths (a SQLite file, a folder) are taken from ``base`` (a run's folder), and inside a call
  served to a chat or an MCP client they must lie in the workspace.
- For unloading, a load's recorded configuration (kept without secrets) gets its credentials from the
  settings again, or from a target given now with the same name or identity.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from tools.errors import DoppelError
from tools.settings import Settings
from tools.targets.config import FolderTarget, SqliteTarget, TargetConfig, config_model, from_reference, merge
from tools.targets.ledger import LoadedTarget
from tools.workspace import current


def is_reference(text: str) -> bool:
    """Whether a --target is a URL or a path (else: a name)."""
    return "://" in text or "/" in text or "\\" in text or text.startswith(".")


def resolve_targets(
    refs: Sequence[str | TargetConfig], settings: Settings, base: Path | None = None
) -> list[TargetConfig]:
    """Complete configurations for ``refs`` (see the module docstring); unknown names are one error."""
    found: list[TargetConfig] = []
    unknown: list[str] = []
    for ref in refs:
        if isinstance(ref, str):
            if ref in settings.targets:
                found.append(settings.targets[ref])
            elif is_reference(ref):
                try:
                    found.append(from_reference(ref))
                except (ValueError, ValidationError) as exc:
                    raise DoppelError(f"--target {ref}: {exc}") from None
            else:
                unknown.append(ref)
        else:
            try:
                found.append(merge(ref, settings.targets.get(ref.label)))
            except ValueError as exc:
                raise DoppelError(str(exc)) from None
    if unknown:
        known = ", ".join(sorted(settings.targets)) or "none configured"
        raise DoppelError(
            f"no target named {', '.join(unknown)} (doppel.toml [targets.NAME]: {known}); or give a URL "
            "(postgresql://..., sqlite:///file.db, https://api..., s3://bucket/prefix) or a folder"
        )
    return [_paths(t, base) for t in found]


def _paths(target: TargetConfig, base: Path | None) -> TargetConfig:
    if not isinstance(target, SqliteTarget | FolderTarget):
        return target
    path = Path(target.path).expanduser()
    if not path.is_absolute() and base is not None:
        path = base / path
    workspace = current()
    if workspace is not None:
        path = workspace.resolve(path, write=True, where=f"target {target.label}")
    return target.model_copy(update={"path": path})


def config_for_unload(loaded: LoadedTarget, settings: Settings, given: Sequence[TargetConfig] = ()) -> TargetConfig:
    """The configuration to unload ``loaded`` with: as recorded, credentials from ``given`` or the settings."""
    try:
        recorded = config_model(loaded.kind).model_validate(loaded.config)
    except (ValueError, ValidationError) as exc:
        raise DoppelError(f"{loaded.path}: the recorded target {loaded.target} is not usable ({exc})") from None
    if getattr(recorded, "stand_in", False):  # where the stand-in listened then is no guide: found again now
        fields = set(type(recorded).model_fields)
        stale: set[str] = {k for k in ("url", "instance_url", "session_id", "ca_bundle") if k in fields}
        recorded = type(recorded).model_validate(
            {**recorded.model_dump(exclude=stale, exclude_unset=True), "name": loaded.target}
        )
    for target in given:
        if target.kind == loaded.kind and (target.label == loaded.target or target.identity() == loaded.identity):
            return merge(recorded, target)
    return merge(recorded, settings.targets.get(loaded.target))


def endpoints_for_tests(
    targets: Sequence[str | TargetConfig], settings: Settings, base: Path | None = None
) -> tuple[str | None, str | None]:
    """(REST base URL, database URL) of a run's targets, for the tests that check what was loaded: the
    first REST target (a stand-in's URL as the running stand-in serves it) and the first SQL or SQLite
    target (a SQLite file taken from ``base`` like the loader takes it; a server URL without its password)."""
    from tools.targets.config import RestTarget, SqliteTarget, SqlTarget
    from tools.targets.standins import running_url

    rest = database = None
    for target in resolve_targets(targets, settings, base):
        if rest is None and isinstance(target, RestTarget):
            rest = target.url or (running_url("rest", settings) if target.stand_in else None)
        elif database is None and isinstance(target, SqliteTarget):
            database = f"sqlite:///{target.path}"
        elif database is None and isinstance(target, SqlTarget):
            database = target.url
    return rest, database
