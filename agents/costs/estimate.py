"""An estimate before a run: its shape (tables x rows x columns, free-text fields) times assumed rates.

Schema runs read the schema; sample runs peek at the first rows of each file and count the rest by
lines (CSV, JSONL) or read it (Parquet, JSON, Excel), so an estimate is quick even on a large sample.
Free text made by a model is counted from schema fields of type ``llm_text`` (sample runs: 0, as
what is free text is only known after classification); the offline model uses no tokens.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, Field

from agents.costs.model import CostReport, PriceTable, StageUsage
from agents.costs.pricing import price
from agents.workflow.config import RunConfig, check_inputs, config_source_paths
from tools.settings import Settings

LLM_TEXT = "llm_text"
PEEK_ROWS = 1000
LINE_FORMATS = ("csv", "jsonl")


class TableShape(BaseModel):
    name: str
    sample_rows: int = Field(0, description="rows read from the sample (0 for a schema run)")
    rows: int = Field(description="rows the run makes")
    columns: int
    llm_fields: int = Field(0, description="fields whose text a model writes")


class RunShape(BaseModel):
    tables: list[TableShape]
    input_files: int
    input_bytes: int

    @property
    def cells_in(self) -> int:
        return sum(t.sample_rows * t.columns for t in self.tables)

    @property
    def cells_out(self) -> int:
        return sum(t.rows * t.columns for t in self.tables)

    @property
    def columns(self) -> int:
        return sum(t.columns for t in self.tables)

    @property
    def llm_values(self) -> int:
        return sum(t.rows * t.llm_fields for t in self.tables)


def shape_of(config: RunConfig) -> RunShape:
    """Tables, rows and columns the run will read and make (inputs must exist: a user error if not)."""
    check_inputs(config)
    files = config_source_paths(config)
    tables = _schema_tables(config) if config.schema_file is not None else _sample_tables(config)
    return RunShape(tables=tables, input_files=len(files), input_bytes=sum(p.stat().st_size for p in files))


def _schema_tables(config: RunConfig) -> list[TableShape]:
    from tools.schema.loading import load_schema

    assert config.schema_file is not None
    spec, _ = load_schema(config.schema_file)
    return [
        TableShape(
            name=name,
            rows=config.rows if config.rows is not None else table.rows,
            columns=len(table.fields),
            llm_fields=sum(1 for f in table.fields.values() if f.type == LLM_TEXT),
        )
        for name, table in spec.tables.items()
    ]


def _sample_tables(config: RunConfig) -> list[TableShape]:
    from tools.ingest.readers import read_sample, read_samples

    cap = min(config.sample_rows or PEEK_ROWS, PEEK_ROWS)
    peeked = read_samples(config.data, max_rows=cap)
    counts: dict[str, int] = {}
    for t in peeked:
        if len(t.frame) < cap or (config.sample_rows is not None and config.sample_rows <= cap):
            counts[t.name] = len(t.frame)
        elif t.source.format in LINE_FORMATS:
            header = 1 if t.source.format == "csv" and t.source.has_header else 0
            counts[t.name] = max(len(t.frame), _lines(t.source.path) - header)
        else:
            whole = {w.name: len(w.frame) for w in read_sample(t.source.path)}
            counts[t.name] = whole.get(t.name, len(t.frame))
        if config.sample_rows is not None:
            counts[t.name] = min(counts[t.name], config.sample_rows)
    first = counts[peeked[0].name] if peeked else 0
    shapes = []
    for t in peeked:
        made = counts[t.name]
        if config.rows is not None:
            made = config.rows if t is peeked[0] else round(counts[t.name] * config.rows / max(first, 1))
        shapes.append(TableShape(name=t.name, sample_rows=counts[t.name], rows=made, columns=len(t.frame.columns)))
    return shapes


def _lines(path: Path) -> int:
    """Records in a text file by its newlines (a quoted newline counts too: fine for an estimate)."""
    count, last = 0, b"\n"
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (last != b"\n")


def stage_usage(
    config: RunConfig, shape: RunShape, prices: PriceTable, provider: str, batch: int = 1
) -> list[StageUsage]:
    """What each stage that applies to ``config`` is expected to use."""
    from agents.workflow.stages import SPECS

    a = prices.assumptions
    n_tables, columns = len(shape.tables), shape.columns
    cells_in, cells_out = shape.cells_in, shape.cells_out
    made_bytes = int(cells_out * a.bytes_per_cell)
    per_column = a.bytes_per_column * columns
    # stage -> (cells it works through, files it writes, bytes it writes)
    work: dict[str, tuple[int, int, int]] = {
        "ingest": (cells_in, 1, 200 + 150 * shape.input_files + 20 * columns),
        "profile": (cells_in, 1, per_column),
        "classify": (cells_in, 1, per_column),
        "synthesise": (cells_in + cells_out, n_tables + 1, made_bytes + per_column),
        "evaluate": (cells_in + cells_out, 2, a.report_bytes + per_column),
        "export": (cells_out, n_tables, made_bytes),
        "report": (0, 2, 2000 + 100 * n_tables),
    }
    usage = []
    for stage, spec in SPECS.items():
        if spec.skip_if(config) is not None:
            continue
        cells, files, size = work.get(stage, (0, 0, 0))
        timing = a.stages.get(stage)
        seconds = timing.base + timing.per_million_cells * cells / 1e6 if timing else 0.0
        u = StageUsage(stage=stage, agent=spec.agent, seconds=seconds, files=files, bytes=size)
        if stage == "synthesise" and provider != "offline" and shape.llm_values:
            u.input_tokens, u.output_tokens = llm_tokens(shape.llm_values, prices, batch)
        usage.append(u)
    return usage


def llm_tokens(values: int, prices: PriceTable, per_request: int) -> tuple[int, int]:
    """Input and output tokens to write ``values`` texts, ``per_request`` values per Bedrock request."""
    a = prices.assumptions
    requests = math.ceil(values / per_request)
    return (
        requests * a.llm_prompt_tokens + values * a.llm_input_tokens_per_value,
        values * a.llm_output_tokens_per_value,
    )


def estimate(config: RunConfig, settings: Settings, prices: PriceTable) -> CostReport:
    """The run's expected cost with the model and provider ``settings`` name."""
    shape = shape_of(config)
    provider, model_id = settings.model.provider, settings.model.model_id
    notes = [
        f"{len(shape.tables)} table(s), {shape.cells_out:,} cells to make"
        + (f" from {shape.cells_in:,} sample cells" if shape.cells_in else ""),
    ]
    if shape.llm_values:
        notes.append(
            f"{shape.llm_values:,} free-text values by a model"
            + (" (offline model: no tokens)" if provider == "offline" else "")
        )
    batch = llm_batch(settings, prices)
    usage = stage_usage(config, shape, prices, provider, batch)
    return price(usage, prices, kind="estimate", provider=provider, model_id=model_id, notes=notes, llm_batch=batch)


def llm_batch(settings: Settings, prices: PriceTable) -> int:
    """Values per model request: the model settings' ``batch_size`` when there is one."""
    return int(getattr(settings.model, "batch_size", None) or prices.assumptions.llm_values_per_request)
