"""Schema-driven capabilities: validate a schema, list generators, generate data from a schema."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from tools.capability.registry import capability
from tools.errors import DoppelError, Issue
from tools.export.base import NEUTRALISE_FORMULAS, Compression, Dialect, ExportFormat
from tools.progress import ProgressCallback
from tools.workspace import in_workspace

if TYPE_CHECKING:
    from tools.schema.model import SchemaSpec


class ValidateSchemaRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_file: Path = Field(description="schema file: Doppel YAML/JSON or JSON Schema")


class ValidateSchemaResult(BaseModel):
    valid: bool
    name: str | None = None
    version: int | None = None
    tables: dict[str, int] = Field(default_factory=dict, description="table -> rows in the schema")
    issues: list[Issue] = Field(default_factory=list, description="every error and conflict, each with its path")


@capability("synthetic_data")
def validate_schema(request: ValidateSchemaRequest, progress: ProgressCallback | None = None) -> ValidateSchemaResult:
    """Check a Doppel schema and report every error and edge-case conflict at once, each with its path.

    Invalid schemas are a normal answer here (valid=false with issues), not an error."""
    from tools.errors import SchemaError
    from tools.schema.loading import load_schema

    try:
        spec, _ = load_schema(request.schema_file)
    except SchemaError as exc:
        return ValidateSchemaResult(valid=False, issues=exc.issues or [Issue(path="", message=str(exc))])
    tables = {name: table.rows for name, table in spec.tables.items()}
    return ValidateSchemaResult(valid=True, name=spec.name, version=spec.version, tables=tables)


class GeneratorInfo(BaseModel):
    type: str
    parameters: list[str]
    description: str


class ListGeneratorsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ListGeneratorsResult(BaseModel):
    generators: list[GeneratorInfo]


@capability("synthetic_data")
def list_generators(request: ListGeneratorsRequest, progress: ProgressCallback | None = None) -> ListGeneratorsResult:
    """List every generator type a schema field can use (built-in and plug-ins), with its parameters."""
    from tools.generators.registry import registry

    return ListGeneratorsResult(
        generators=[
            GeneratorInfo(
                type=name,
                parameters=[f.alias or n for n, f in gen.params_model.model_fields.items()],
                description=gen.description,
            )
            for name, gen in sorted(registry().items())
        ]
    )


class GenerateDataRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_file: Path = Field(description="schema file: Doppel YAML/JSON or JSON Schema")
    rows: int | None = Field(None, ge=0, description="exactly this many rows in every table (overrides the schema)")
    table_rows: dict[str, Annotated[int, Field(ge=0)]] | None = Field(
        None,
        description='rows of the tables named, e.g. {"customers": 500}; the other tables keep the schema\'s rows '
        "(or rows, when given), their references drawn from the rows generated",
    )
    seed: str | None = Field(None, description="an integer or any text; random and recorded when left out")
    seed_from: Path | None = Field(None, description="reuse the seed stored in an earlier metadata.json")
    format: ExportFormat | None = Field(None, description="csv (default), json, jsonl, sql, parquet or avro")
    out: Path | None = Field(None, description="output folder (default out/<schema name>)")
    dialect: Dialect | None = Field(None, description="SQL dialect (default postgres)")
    compression: Compression | None = None
    chunk_rows: int | None = Field(None, gt=0, description="split each table into parts of this many rows")
    append: Path | None = Field(None, description="add rows to this earlier output folder, continuing its seed stream")
    tags: bool = Field(True, description="keep the _anomalies column that tags injected edge cases")
    neutralise_formulas: bool = Field(True, description=NEUTRALISE_FORMULAS)
    workers: int | None = Field(None, ge=1, description="threads generating in parallel (default: CPU count)")


class GenerateDataResult(BaseModel):
    schema_name: str
    schema_version: int
    out: Path
    metadata_path: Path
    seed: int
    rows: dict[str, int]
    files: dict[str, list[str]]
    warnings: list[str]
    seconds: float


def _with_table_rows(spec: SchemaSpec, table_rows: dict[str, int], rows: int | None) -> SchemaSpec:
    """``spec`` with the rows of the named tables set (and ``rows`` for the others, when given)."""
    unknown = sorted(set(table_rows) - set(spec.tables))
    if unknown:
        raise DoppelError(
            f"table_rows: schema {spec.name} has no table {', '.join(unknown)} (tables: {', '.join(spec.tables)})"
        )
    tables = {
        name: table.model_copy(update={"rows": table_rows.get(name, table.rows if rows is None else rows)})
        for name, table in spec.tables.items()
    }
    return spec.model_copy(update={"tables": tables})


@capability("synthetic_data", long_running=True)
def generate_data(request: GenerateDataRequest, progress: ProgressCallback | None = None) -> GenerateDataResult:
    """Generate every table of a schema into a folder (one file per table plus metadata.json), seeded.

    The same seed, schema and options give byte-identical files; with ``append`` the rows continue an
    earlier output (sequences continue, no primary key repeats) in its format."""
    from tools.engine.runner import GenerateOptions, generate, read_metadata, seed_from_metadata
    from tools.export.base import ExportOptions
    from tools.folders import check_output_folder
    from tools.schema.loading import load_schema

    if request.append and request.out and request.out.resolve() != request.append.resolve():
        raise DoppelError("--append and --out name different folders; give one of them")
    if request.append is not None:
        check_output_folder(request.append, "--append")
    elif request.out is not None:
        check_output_folder(request.out)
    rows = request.rows
    if request.table_rows:  # the rows generated per table are checked against value spaces by the engine
        spec, digest = load_schema(request.schema_file)
        spec, rows = _with_table_rows(spec, request.table_rows, rows), None
    else:
        spec, digest = load_schema(request.schema_file, rows)
    warnings: list[str] = []
    seed = request.seed
    if request.seed_from is not None:
        if seed is not None:
            raise DoppelError("--seed and --seed-from: give one of them")
        seed = str(seed_from_metadata(request.seed_from, spec, digest, warnings))
    stored = dict(read_metadata(request.append)["options"]) if request.append else {}
    export = ExportOptions(
        format=request.format or stored.get("format") or "csv",
        dialect=request.dialect or stored.get("dialect") or "postgres",
        compression=request.compression or stored.get("compression"),
        chunk_rows=request.chunk_rows or stored.get("chunk_rows"),
        neutralise_formulas=request.neutralise_formulas,
    )
    options = GenerateOptions(
        out=request.append or request.out or in_workspace(Path("out") / spec.name),
        rows=rows,
        seed=seed,
        export=export,
        tags=request.tags if request.append is None or not request.tags else bool(stored.get("tags", True)),
        workers=request.workers or os.cpu_count() or 1,
        append=request.append is not None,
    )
    result = generate(spec, digest, options, progress)
    return GenerateDataResult(
        **result.model_dump(exclude={"warnings"}),
        schema_name=spec.name,
        schema_version=spec.version,
        warnings=warnings + result.warnings,
    )
