"""Plain-language answers from tool results: how the offline model talks about what a tool returned.

One function per tool that has something specific to say; anything else gets a short generic summary.
Answers quote only what the results hold (counts, column names, entity types, paths, scores), never a
data value, so they are as safe to show as the results themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

OFFLINE_NOTE = "(offline model: deterministic rules, no network)"

HELP = f"""I am Doppel's assistant {OFFLINE_NOTE}. I understand requests like:
- "profile playbooks/samples/telecom_customers.csv" (statistics, patterns, quality issues)
- "classify playbooks/samples/hospital_patients.csv" (which columns are sensitive, and why)
- "synthesize 2000 rows from playbooks/samples/bank_transactions.csv as parquet"
- "evaluate real.csv synthetic.csv" (quality, diagnostics, privacy report)
- "generate 500 customers from examples/shop.yaml as parquet", "validate examples/shop.yaml"
- "run the telecom workflow" (add "approve all" to skip the approval points), "status", "list runs"
- "approve", "abort", "retry", "skip", "resume run 1a2b3c4d"
- "why was msisdn marked sensitive?", "which generators are there?"
Connect a real model (Bedrock or another provider) in doppel.toml for free-form conversation."""


# arguments naming files a tool reads: every answer says which files it used, as resolved
FILE_ARGUMENTS = ("schema_file", "data", "real", "synthetic", "config", "report", "sensitivity", "overrides",
                  "rules_file", "constraints_file", "seed_from")  # fmt: skip


def answer(tool: str, result: Any, arguments: dict[str, Any] | None = None, note: str | None = None) -> str:
    """What to tell the user about ``result`` (parsed JSON, or text) from ``tool`` called with ``arguments``:
    the files it used, ``note`` (e.g. a file name matched loosely), then the result."""
    return "\n".join(line for line in (_files_used(arguments or {}), note, _result(tool, result, arguments)) if line)


def _result(tool: str, result: Any, arguments: dict[str, Any] | None) -> str:
    if not isinstance(result, dict):
        return str(result).strip() or f"{tool} finished."
    summarise = SUMMARIES.get(tool)
    try:
        text = summarise(result) if summarise else _generic(tool, result)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _generic(tool, result)
    if tool == "generate_data" and arguments and arguments.get("table_rows"):
        text += "\n" + _table_rows(arguments["table_rows"], result)
    return text


def failure(tool: str, message: str, note: str | None = None) -> str:
    return "\n".join(line for line in (note, f"That did not work ({tool}): {message}") if line)


def _files_used(arguments: dict[str, Any]) -> str:
    files: list[str] = []
    for key in FILE_ARGUMENTS:
        value = arguments.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and (key != "config" or "." in item.rsplit("/", 1)[-1]):
                files.append(item)
    if not files:
        return ""
    return f"File used: {files[0]}" if len(files) == 1 else f"Files used: {', '.join(files)}"


def _table_rows(asked: dict[str, int], result: dict[str, Any]) -> str:
    """What "N <table>" meant: the tables named got N rows; the others kept their schema's rows."""
    named = ", ".join(f"{table}: {n:,}" for table, n in asked.items())
    others = ", ".join(f"{table}: {n:,}" for table, n in result["rows"].items() if table not in asked)
    if not others:
        return f"Rows as asked ({named})."
    return (
        f"Rows as asked for {named}; the other tables keep the schema's rows ({others}), "
        "and their references point at the rows generated."
    )


def _generic(tool: str, result: dict[str, Any]) -> str:
    simple = {k: v for k, v in result.items() if isinstance(v, str | int | float | bool) and v is not None}
    shown = ", ".join(f"{k}: {v}" for k, v in list(simple.items())[:8])
    return f"{tool} finished. {shown}".strip()


def _profile(r: dict[str, Any]) -> str:
    tables = "; ".join(f"{t['name']}: {t['rows']:,} rows x {t['columns']} columns" for t in r["tables"])
    lines = [f"Profiled {len(r['tables'])} table(s): {tables}."]
    if r.get("sensitive_columns"):
        lines.append(f"{len(r['sensitive_columns'])} sensitive column(s) are kept as statistics only.")
    issues = r.get("top_issues") or []
    if issues:
        top = ", ".join(f"{i['kind']} in {i['where']} ({i['rate']:.1%})" for i in issues[:5])
        lines.append(f"Top quality issues: {top}.")
    if r.get("foreign_keys"):
        lines.append(f"Foreign keys: {', '.join(r['foreign_keys'])}.")
    lines.append(f"Full profile: {r['out']}")
    return "\n".join(lines)


def _role(c: dict[str, Any]) -> str:
    """``; `` and a column's privacy role in words, with its flag: "; sensitive attribute (GDPR art. 9)"."""
    from tools.sensitive.policy import describe_role

    return f"; {describe_role(c['role'], c.get('flag'))}" if c.get("role") else ""


def _classify(r: dict[str, Any]) -> str:
    sensitive = [c for c in r["columns"] if c["sensitive"]]
    lines = [f"{r['sensitive']} of {r['total']} columns are sensitive:"]
    lines += [
        f"- {c['column']}: {c['entity']} ({c['confidence']:.0%}), {c['strategy']}{_role(c)}" for c in sensitive[:25]
    ]
    if len(sensitive) > 25:
        lines.append(f"- ... and {len(sensitive) - 25} more")
    lines.append(f"Evidence for every column: {r['out']} (ask 'why was COLUMN marked sensitive?')")
    return "\n".join(lines)


def _generate(r: dict[str, Any]) -> str:
    rows = ", ".join(f"{table}: {n:,}" for table, n in r["rows"].items())
    return f"Generated {r['schema_name']} (seed {r['seed']}) in {r['seconds']:.1f}s: {rows} rows. Files in {r['out']}."


def _synthesize(r: dict[str, Any]) -> str:
    tables = ", ".join(f"{t['table']}: {t['rows']:,} rows" for t in r["tables"])
    leak = r["leakage"]
    verdict = "passed" if leak["passed"] else "FAILED"
    lines = [
        f"Synthesised with {r['model']} (seed {r['seed']}): {tables}. Files in {r['out']}.",
        f"No-copy check {verdict}: {leak['remaining_row_matches']} copied rows and "
        f"{leak['remaining_value_matches']} production values of sensitive columns in the output.",
    ]
    outside = [q for q in r.get("quality") or [] if not q["within_tolerance"]]
    if r.get("quality"):
        kept = len(r["quality"]) - len(outside)
        lines.append(f"Quality-issue rates replicated: {kept} of {len(r['quality'])} within tolerance.")
    return "\n".join(lines)


def _evaluate(r: dict[str, Any]) -> str:
    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.1%}"

    lines = [
        f"Quality {pct(r.get('quality_score'))}, diagnostics {pct(r.get('diagnostic_score'))}, "
        f"privacy: {r.get('privacy_verdict') or 'n/a'}."
    ]
    if r.get("html_path"):
        lines.append(f"Report: {r['html_path']}")
    return "\n".join(lines)


def _validate(r: dict[str, Any]) -> str:
    if r["valid"]:
        tables = ", ".join(f"{t} ({n:,} rows)" for t, n in r["tables"].items())
        return f"The schema {r.get('name')} is valid: {tables}."
    issues = "\n".join(f"- {i['path']}: {i['message']}" for i in r["issues"])
    return f"The schema has {len(r['issues'])} problem(s):\n{issues}"


def _generators(r: dict[str, Any]) -> str:
    names = ", ".join(g["type"] for g in r["generators"])
    return f"{len(r['generators'])} generators: {names}."


def _explain(r: dict[str, Any]) -> str:
    return str(r["explanation"])


def _run(r: dict[str, Any]) -> str:
    done = [s["stage"] for s in r["stages"] if s["state"] == "completed"]
    skipped = [s["stage"] for s in r["stages"] if s["state"] == "skipped"]
    lines = [f"Run {r['run_id']} ({r['name']}) is {r['state'].replace('_', ' ')}."]
    if done:
        lines.append(f"Completed: {', '.join(done)}.")
    if skipped:
        lines.append(f"Skipped: {', '.join(skipped)}.")
    notes = [f"{s['stage']}: {s['message']}" for s in r["stages"] if s["state"] == "completed" and s.get("message")]
    lines += notes  # e.g. "evaluate: quality 77.6%, diagnostic 97.5%, privacy: low risk"
    if question := r.get("pending_approval"):
        lines.append(f"Waiting for approval: {question['question']} Say 'approve' or 'abort'.")
        columns = (question.get("context") or {}).get("sensitive") or []
        for c in columns[:25]:
            lines.append(f"- {c['column']}: {c['entity']}{_role(c)}" + (f": {c['why']}" if c.get("why") else ""))
        if len(columns) > 25:
            lines.append(f"- ... and {len(columns) - 25} more")
    if failed := r.get("pending_failure"):
        remedy = failed.get("remedy", "")
        lines.append(f"Stage {failed['stage']} failed: {failed['error']}. {remedy} Say 'retry', 'skip' or 'abort'.")
    if r["state"] == "completed":
        lines.append(f"Outputs: {r['artifacts_dir']}")
    return "\n".join(lines)


def _runs(r: dict[str, Any]) -> str:
    runs = r["runs"]
    if not runs:
        return "No runs yet. Try 'run the telecom workflow'."
    lines = [f"{len(runs)} run(s), newest first:"]
    lines += [f"- {x['run_id']} {x['name']}: {x['state'].replace('_', ' ')}" for x in runs[:20]]
    return "\n".join(lines)


def _load(r: dict[str, Any]) -> str:
    """Per target and table what was loaded; stand-ins named as such; the load id to undo it."""
    lines = [f"Load {r['load_id']} of {r['source']}:"]
    for t in r["targets"]:
        target = t["target"]
        kind = f"{target['kind']}, a STAND-IN (local imitation)" if target["stand_in"] else target["kind"]
        state = "ok" if t["ok"] else f"FAILED: {t['error']}"
        lines.append(f"- {target['name']} ({kind}): {state}")
        for table in t["tables"]:
            lines.append(f"  {table['table']}: {table['loaded']} loaded, {table['updated']} updated, "
                         f"{table['rejected']} rejected, {table['retried']} retried")  # fmt: skip
            lines += [f"    rejected {x['count']} x {x['reason']}" for x in table["reasons"][:3]]
    if r.get("notice"):
        lines.append(r["notice"])
    lines.append(f"To remove exactly these rows: unload {r['load_id']}.")
    return "\n".join(lines)


def _unload(r: dict[str, Any]) -> str:
    lines = [f"Unloaded {r['what']}:"]
    for t in r["targets"]:
        removed = ", ".join(f"{k} {v}" for k, v in t["removed"].items()) or "nothing left to remove"
        kind = f"{t['kind']}, stand-in" if t["stand_in"] else t["kind"]
        lines.append(f"- {t['target']} ({kind}): " + (f"removed {removed}" if t["ok"] else f"FAILED: {t['error']}"))
    if r.get("notice"):
        lines.append(r["notice"])
    return "\n".join(lines)


SUMMARIES: dict[str, Callable[[dict[str, Any]], str]] = {
    "load_data": _load,
    "unload_data": _unload,
    "profile_data": _profile,
    "classify_data": _classify,
    "generate_data": _generate,
    "synthesize_data": _synthesize,
    "evaluate_data": _evaluate,
    "validate_schema": _validate,
    "list_generators": _generators,
    "explain_column": _explain,
    "explain_sensitivity": _explain,
    "run_workflow": _run,
    "resume_workflow": _run,
    "run_status": _run,
    "approve_run": _run,
    "answer_failure": _run,
    "list_runs": _runs,
}
