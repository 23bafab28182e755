"""The labelled sets the classifier is scored on are frozen: their files match the committed checksums,
no commit changes a set and the classifier together, and the sets the classifier was tuned on are
reported as tuned."""

from __future__ import annotations

import subprocess

from tests.sensitivity_set import (
    CLASSIFIER,
    FREEZE_RULE,
    FROZEN,
    ROOT,
    SET_ROLES,
    digests,
    frozen_files,
    recorded_digests,
)

SET_FOLDER = "tests/data/sensitivity/"


def test_the_labelled_sets_are_the_frozen_ones() -> None:
    now, recorded = digests(), recorded_digests()
    changed = sorted(path for path in now.keys() & recorded.keys() if now[path] != recorded[path])
    new, gone = sorted(now.keys() - recorded.keys()), sorted(recorded.keys() - now.keys())
    assert not (changed or new or gone), (
        f"a labelled set changed without its checksums (changed {changed}, new {new}, gone {gone}); {FREEZE_RULE}"
    )
    assert len(recorded) == len(frozen_files()) >= 35  # dev, test, their labels, the samples and theirs


def is_set_file(path: str, frozen: set[str]) -> bool:
    return path.startswith(SET_FOLDER) or path in frozen


def offending_commits(log: str, frozen: set[str]) -> list[str]:
    """Commits of ``git log --format=%x1e%h %s --name-only`` that touch a set and the classifier."""
    offenders = []
    for entry in log.split("\x1e")[1:]:
        subject, *paths = [line for line in entry.splitlines() if line.strip()]
        in_set = [p for p in paths if is_set_file(p, frozen)]
        in_classifier = [p for p in paths if p.startswith(CLASSIFIER)]
        if in_set and in_classifier:
            offenders.append(f"{subject} ({in_set[0]} and {in_classifier[0]})")
    return offenders


def test_offending_commits_are_found_in_a_log() -> None:
    log = (
        "\x1eaaaa1 Labels: two gender columns\ntests/data/sensitivity/labels.yaml\n"
        "\x1ebbbb2 Classifier: ICD-10\ntools/sensitive/patterns.py\n\n"
        "\x1ecccc3 Tuned on the samples\nplaybooks/samples/labels.yaml\ntools/sensitive/names.py\n"
    )
    found = offending_commits(log, {"playbooks/samples/labels.yaml"})
    assert found == ["cccc3 Tuned on the samples (playbooks/samples/labels.yaml and tools/sensitive/names.py)"]


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout


def test_no_commit_changes_a_labelled_set_and_the_classifier_together() -> None:
    """From the commit that froze the sets on (older commits predate the rule): CI runs on a clone with
    its whole history, so this reads git's log rather than trusting a convention."""
    assert (ROOT / ".git").exists(), "this rule is checked on a git clone (the repository's history is needed)"
    shallow = git("rev-parse", "--is-shallow-repository").strip()
    assert shallow == "false", "a shallow clone cannot show every commit: fetch the whole history (fetch-depth: 0)"
    checksums = FROZEN.relative_to(ROOT).as_posix()
    added = git("log", "--diff-filter=A", "--format=%H", "--", checksums).split()
    assert added, f"{checksums} was never committed: commit it on its own first"
    log = git("log", "--no-merges", "--format=%x1e%h %s", "--name-only", f"{added[-1]}^..HEAD")
    assert log.count("\x1e") >= 1  # the freezing commit itself at least
    offenders = offending_commits(log, set(recorded_digests()))
    assert not offenders, f"{FREEZE_RULE}; these commits did both: {offenders}"


def test_sets_tuned_on_are_reported_as_tuned() -> None:
    benchmarks = (ROOT / "BENCHMARKS.md").read_text(encoding="utf-8")
    section = benchmarks[benchmarks.index("## Sensitive-column classification") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line]
    samples = [r for r in rows if "playbooks/samples" in r]
    dev = [r for r in rows if "sensitivity dev" in r]
    assert samples and all("tuned on" in r for r in samples), samples
    assert dev and all("tuned on" in r for r in dev), dev
    held_out = [r for r in rows if "batch 2" in r]
    assert held_out and not any("tuned on" in r for r in held_out), held_out
    assert SET_ROLES["samples"].startswith("tuned on") and SET_ROLES["dev"] == "tuned on"  # what bench prints
