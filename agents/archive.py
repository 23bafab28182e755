"""Past runs: search them, open one (its artifacts and key numbers), export one as a shareable zip.

The zip holds every stage folder of the run (``artifacts/<stage>/...``), its events (JSONL), its audit
records, its configuration, its status and costs, and ``manifest.json`` with the sha256 and size of
every other member. It never holds the production sample: the run folder has only statistics and
hashes of it (ingest records hashes), and any artifact whose bytes equal an input file is refused.
The zip is written beside its destination and renamed into place, so a reader never sees half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agents.events import STAGES
from agents.state import audit, store
from agents.state.db import session
from agents.state.models import Run
from agents.workflow.artifacts import TMP_PREFIX, sha256_file
from agents.workflow.status import RunStatus, status_of
from tools.errors import DoppelError
from tools.settings import Settings

MANIFEST = "manifest.json"
SKIP_NAMES = (".lock",)


def _text_of(run: Run) -> list[str]:
    config = run.config or {}
    return [run.id, run.name, str(config.get("description") or ""), run.state, run.user]


def search_runs(
    settings: Settings,
    text: str | None = None,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    state: str | None = None,
    limit: int = 50,
) -> list[RunStatus]:
    """Newest first: runs whose id, name, description, state, user or creation date (``2026-01``,
    ``2026-01-31``) contain ``text``, created in ``[since, until)``, in ``state``."""
    needle = (text or "").strip().lower()
    with session(settings) as s:
        found = []
        for run in store.find_runs(s, None, 1_000_000):
            if since is not None and run.created_at < since:
                continue
            if until is not None and run.created_at >= until:
                continue
            if state is not None and run.state != state:
                continue
            fields = [*_text_of(run), run.created_at.strftime("%Y-%m-%d %H:%M:%S")]
            if needle and not any(needle in f.lower() for f in fields):
                continue
            found.append(status_of(s, run, settings))
            if len(found) >= limit:
                break
        return found


class ArtifactFile(BaseModel):
    path: str = Field(description="relative to the run folder, e.g. export/customers.csv")
    bytes: int
    sha256: str | None = None


class RunOverview(BaseModel):
    """One run opened: its status, every artifact, the numbers worth seeing first, where the report is."""

    status: RunStatus
    description: str | None
    files: list[ArtifactFile]
    numbers: dict[str, Any]
    report: Path | None = Field(None, description="report.html (evaluate) or report.md, when there is one")


def open_run(settings: Settings, run_id: str) -> RunOverview:
    with session(settings) as s:
        run = store.get_run(s, run_id)
        status = status_of(s, run, settings)
        checkpoints = store.checkpoints(s, run.id)
    files = [
        ArtifactFile(path=f"{stage}/{rel}", bytes=int(entry.get("bytes", 0)), sha256=entry.get("sha256"))
        for stage in STAGES
        if stage in checkpoints
        for rel, entry in (checkpoints[stage].outputs or {}).items()
    ]
    numbers: dict[str, Any] = {"seed": run.seed, "seconds": round(sum(s.seconds for s in status.stages), 3)}
    for stage, prefix in (("ingest", "sample"), ("synthesise", "made")):
        if stage in checkpoints:
            for key, value in (checkpoints[stage].counts or {}).items():
                if key in ("rows", "tables", "columns") and value:
                    numbers[f"{prefix} {key}"] = value
    report_json = status.artifacts_dir / "report" / "report.json"
    if report_json.is_file():
        scores = json.loads(report_json.read_text(encoding="utf-8")).get("scores") or {}
        numbers |= {k.replace("_", " "): v for k, v in scores.items() if v is not None}
    from agents.costs.runs import stored_total

    if (cost := stored_total(settings, run.id)) is not None:
        numbers["cost"] = f"${cost['total']:.6f}"
        if cost["estimate"] is not None:
            numbers["estimate"] = f"${cost['estimate']:.6f}"
    report = next(
        (p for p in (status.artifacts_dir / "evaluate" / "report.html", status.artifacts_dir / "report" / "report.md")
         if p.is_file()),
        None,
    )  # fmt: skip
    return RunOverview(
        status=status, description=(run.config or {}).get("description"), files=files, numbers=numbers, report=report
    )


class ExportResult(BaseModel):
    path: Path
    members: dict[str, dict[str, Any]] = Field(description="member -> {sha256, bytes}, the manifest left out")
    bytes: int


def export_run(settings: Settings, run_id: str, out: Path | None = None) -> ExportResult:
    """One zip with everything about the run (see the module docstring); ``out`` defaults to
    ``<run id>.zip`` in the working directory."""
    with session(settings) as s:
        run = store.get_run(s, run_id)
        status = status_of(s, run, settings)
        events = [r.event for r in store.events(s, run.id)]
        config = dict(run.config or {})
    out = Path(out) if out is not None else Path.cwd() / f"{run.id}.zip"
    if out.is_dir():
        out = out / f"{run.id}.zip"
    if out.suffix.lower() != ".zip":
        raise DoppelError(f"--out {out}: the archive is a .zip file")
    run_dir = status.artifacts_dir
    artifacts = _artifact_files(run_dir)
    _refuse_inputs(run_dir, artifacts)

    documents: dict[str, bytes] = {
        "run.json": _json_bytes(status.model_dump(mode="json") | {"seed": run.seed, "user": run.user}),
        "config.json": _json_bytes(config),
        "events.jsonl": "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events).encode("utf-8"),
        "audit.json": audit.render(audit.query(settings, audit.AuditFilter(run_id=run.id)), "json").encode("utf-8"),
    }
    costs = _costs(settings, run.id)
    if costs is not None:
        documents["costs.json"] = _json_bytes(costs)
    members: dict[str, dict[str, Any]] = {}
    stamp = run.created_at.timetuple()[:6]
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, data in documents.items():
                zf.writestr(zipfile.ZipInfo(name, date_time=stamp), data, compress_type=zipfile.ZIP_DEFLATED)
                members[name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
            for rel, path in artifacts:
                name = f"artifacts/{rel}"
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(path, "rb") as src, zf.open(info, "w") as dst:
                    digest, size = hashlib.sha256(), 0
                    while block := src.read(1 << 20):
                        digest.update(block)
                        dst.write(block)
                        size += len(block)
                members[name] = {"sha256": digest.hexdigest(), "bytes": size}
            manifest = {
                "format": "doppel-run-archive",
                "version": 1,
                "run_id": run.id,
                "name": run.name,
                "state": run.state,
                "created_at": run.created_at.isoformat(),
                "members": members,
            }
            zf.writestr(zipfile.ZipInfo(MANIFEST, date_time=stamp), _json_bytes(manifest), zipfile.ZIP_DEFLATED)
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DoppelError(f"{out}: cannot write the archive: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return ExportResult(path=out, members=members, bytes=out.stat().st_size)


def _artifact_files(run_dir: Path) -> list[tuple[str, Path]]:
    """Every file in every stage folder, run-relative; no temp folders, locks or links out of the run."""
    if not run_dir.is_dir():
        return []
    files = []
    for stage in STAGES:
        folder = run_dir / stage
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_symlink() or not path.is_file() or path.name in SKIP_NAMES:
                continue
            if any(part.startswith(TMP_PREFIX) for part in path.relative_to(run_dir).parts):
                continue
            files.append((path.relative_to(run_dir).as_posix(), path))
    return files


def _refuse_inputs(run_dir: Path, artifacts: list[tuple[str, Path]]) -> None:
    """A DoppelError when an artifact is a byte copy of a production input (by the hashes ingest kept)."""
    manifest = run_dir / "ingest" / "manifest.json"
    if not manifest.is_file():
        return
    inputs = json.loads(manifest.read_text(encoding="utf-8")).get("inputs", [])
    sizes = {int(i.get("bytes", -1)) for i in inputs}
    hashes = {i.get("sha256") for i in inputs}
    copies = [rel for rel, path in artifacts if path.stat().st_size in sizes and sha256_file(path) in hashes]
    if copies:
        raise DoppelError(
            f"run folder {run_dir}: refusing to export: {', '.join(copies)} is a copy of a production input"
        )


def _costs(settings: Settings, run_id: str) -> dict[str, Any] | None:
    from agents.costs.runs import comparison

    try:
        return comparison(settings, run_id).model_dump(mode="json")
    except (DoppelError, OSError, ValueError):
        return None


def _json_bytes(document: Any) -> bytes:
    return (json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n").encode("utf-8")


def verify_archive(path: Path) -> list[str]:
    """Members whose sha256 or size differs from the manifest, or that the manifest misses (empty: intact)."""
    problems = []
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(MANIFEST))["members"]
        names = [n for n in zf.namelist() if n != MANIFEST]
        for name in names:
            data = zf.read(name)
            entry = manifest.get(name)
            if entry is None:
                problems.append(f"{name}: not in the manifest")
            elif entry["sha256"] != hashlib.sha256(data).hexdigest() or entry["bytes"] != len(data):
                problems.append(f"{name}: differs from the manifest")
        problems += [f"{name}: missing" for name in manifest if name not in names]
    return problems
