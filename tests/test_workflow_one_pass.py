"""One pass over the sample: a run reads it once, classifies it once, profiles it once, and synthesis uses
the classification the user approved (not a fresh one made again with another seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from agents.workflow import api, samples
from agents.workflow.config import RunConfig
from tests.workflow_support import settings_in, tiny_sample
from tools.settings import Settings


class Counts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import tools.profile.profiler as profiler
        import tools.sensitive.classify as classify

        self.classified = 0
        self.profiled = 0
        self.reads_before = samples.reads
        real_classify, real_profile = classify.classify_tables, profiler.profile_tables

        def counting_classify(*args: Any, **kwargs: Any) -> Any:
            self.classified += 1
            return real_classify(*args, **kwargs)

        def counting_profile(tables: Any, *args: Any, **kwargs: Any) -> Any:
            cached = [t.frame for entry in samples._CACHE.values() for t in entry.tables]
            if any(t.frame is frame for t in tables for frame in cached):  # the whole sample, as read
                self.profiled += 1
            return real_profile(tables, *args, **kwargs)

        monkeypatch.setattr(classify, "classify_tables", counting_classify)
        monkeypatch.setattr(profiler, "profile_tables", counting_profile)

    @property
    def reads(self) -> int:
        return samples.reads - self.reads_before


def _config(tmp_path: Path) -> RunConfig:
    return RunConfig(name="tiny", data=[tiny_sample(tmp_path)], seed=5, rows=60, approvals=["after:classify"])


def test_a_run_reads_classifies_and_profiles_the_sample_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings: Settings = settings_in(tmp_path / "home")
    counts = Counts(monkeypatch)
    paused = api.start_run(_config(tmp_path), settings=settings)
    assert paused.state == "paused_approval"
    api.approve(paused.run_id, "approve", settings=settings)
    done = api.resume_run(paused.run_id, settings=settings)
    assert done.state == "completed"
    assert counts.reads == 1  # ingest's reading, shared by profile, classify, synthesise and evaluate
    assert counts.classified == 1  # the profile stage's; classify reviews it, synthesis uses the approved one
    assert counts.profiled == 1  # the profile stage's (evaluate profiles the training part it compares)


def test_synthesis_uses_the_approved_role_and_profiles_again_only_then(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings: Settings = settings_in(tmp_path / "home")
    counts = Counts(monkeypatch)
    paused = api.start_run(_config(tmp_path), settings=settings)
    api.approve(paused.run_id, "change", {"customers.plan": {"role": "identifier"}}, settings=settings)
    done = api.resume_run(paused.run_id, settings=settings)
    assert done.state == "completed"
    assert counts.classified == 1 and counts.profiled == 2  # with a changed role the sample is profiled again
    written = pd.read_csv(done.artifacts_dir / "synthesise" / "customers.csv")
    sample = pd.read_csv(tmp_path / "customers.csv")
    # an identifier is replaced: none of the sample's plan labels survives
    assert not set(written["plan"].dropna()) & set(sample["plan"])
