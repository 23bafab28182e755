"""An output folder of ``generate`` or ``synthesize`` (any format, several related tables) as typed tables
with their keys, in load order (parents before children).

Files: ``<table>.<ext>`` or numbered parts ``<table>.part-00001.<ext>``, optionally ``.gz``/``.zst``, for
csv, json, jsonl, parquet, avro and sql (Doppel's own scripts: run into an in-memory SQLite database and
read back, keys and all). ``metadata.json`` is not a table.

Types: typed sources (Parquet, Avro, JSON numbers) keep theirs. A text column becomes integer, decimal
(every value with the same number of decimals) or date (ISO) only when every value reads back to exactly
the same text; everything else stays text, so nothing is changed on the way into a target.

Keys, first found wins per table: ``keys`` given by the caller; the metadata (generate records each table's
primary and foreign keys, synthesize its relationships ``child.col -> parent.col``; a run's ``export`` folder
has it in ``../synthesise/``); a SQL script's
``PRIMARY KEY``/``FOREIGN KEY``; else inferred (a primary key: a column without nulls whose values are at
least 90% distinct, preferring unique and id-like names; a foreign key: a column named after another
table's key whose values are at least 90% found there). A foreign key with values found in no parent row
(edge cases injected on purpose) orders the tables but gets no constraint.
"""

from __future__ import annotations

import gzip
import io
import json
import re
import sqlite3
import tempfile
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from tools.errors import DoppelError
from tools.targets.base import ColumnInfo, ColumnKind, ForeignKey, TablePlan

METADATA = "metadata.json"
FORMATS = ("csv", "jsonl", "json", "parquet", "avro", "sql")
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd"}
_PART = re.compile(r"^(?P<table>.+)\.part-\d+$")
_INT = r"^-?(0|[1-9][0-9]{0,17})$"
_DEC = r"^-?(0|[1-9][0-9]{0,27})\.[0-9]{1,9}$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
ID_WORDS = ("id", "key", "code", "ref", "number", "no", "num", "uuid", "guid")
NEAR_UNIQUE = 0.9
INCLUSION = 0.9


@dataclass
class TableData:
    plan: TablePlan
    table: pa.Table
    files: list[Path] = field(default_factory=list)


@dataclass
class Dataset:
    """The tables of an output folder, in load order, with where their keys came from."""

    folder: Path
    tables: dict[str, TableData]
    order: list[str]
    keys_from: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def ordered(self) -> list[TableData]:
        return [self.tables[name] for name in self.order]


def read_dataset(folder: Path, *, metadata: Path | None = None, keys: dict[str, list[str]] | None = None) -> Dataset:
    """Read every table of ``folder`` (see the module docstring); ``metadata`` defaults to the folder's."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DoppelError(f"{folder}: no such folder (give the output folder of `doppel generate` or `synthesize`)")
    groups = _group(folder)
    if not groups:
        raise DoppelError(f"{folder}: holds no table files ({', '.join(FORMATS)}, optionally .gz or .zst)")
    tables: dict[str, pa.Table] = {}
    declared: dict[str, tuple[list[str], list[ForeignKey]]] = {}
    files: dict[str, list[Path]] = {}
    for name, paths in sorted(groups.items()):
        fmt = _format(paths[0])
        if fmt == "sql":
            for table_name, (table, pk, fks) in _read_sql(paths).items():
                tables[table_name] = table
                declared[table_name] = (pk, fks)
                files[table_name] = paths
            continue
        parts = [_read_file(p, fmt) for p in paths]
        try:
            tables[name] = pa.concat_tables(parts, promote_options="permissive") if len(parts) > 1 else parts[0]
        except pa.ArrowInvalid as exc:
            raise DoppelError(f"{paths[0]}: part files of table '{name}' do not match ({exc})") from None
        files[name] = paths
    tables = {name: _typed(table) for name, table in tables.items()}
    meta_path = metadata if metadata is not None else folder / METADATA
    if metadata is None and not meta_path.is_file() and folder.name == "export":
        meta_path = folder.parent / "synthesise" / METADATA  # a run's export: its synthesis recorded the keys
    meta = _metadata(meta_path)
    plans, keys_from, warnings = _keys(tables, declared, meta, keys or {})
    order = _order(plans)
    data = {}
    for name in order:
        table = _parents_first(tables[name], plans[name])
        data[name] = TableData(replace(plans[name], rows=table.num_rows), table, files.get(name, []))
    return Dataset(folder, data, order, keys_from, warnings)


# ------------------------------------------------------------------ files


def _split_name(path: Path) -> tuple[str, str, str | None]:
    """(table, format, compression) of a file name; format '' when it is not a table file."""
    name = path.name
    compression = None
    for suffix, kind in COMPRESSIONS.items():
        if name.endswith(suffix):
            compression, name = kind, name[: -len(suffix)]
    stem, _, ext = name.rpartition(".")
    if ext.lower() not in FORMATS or not stem:
        return "", "", None
    found = _PART.match(stem)
    return (found["table"] if found else stem), ext.lower(), compression


def _group(folder: Path) -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        if path.name == METADATA:
            continue
        table, fmt, _ = _split_name(path)
        if fmt:
            groups.setdefault(table, []).append(path)
    for table, paths in groups.items():
        kinds = {_split_name(p)[1:] for p in paths}
        if len(kinds) > 1:
            raise DoppelError(f"{paths[0].parent}: table '{table}' is in several formats; keep one")
    return groups


def _format(path: Path) -> str:
    return _split_name(path)[1]


def _bytes(path: Path) -> bytes:
    compression = _split_name(path)[2]
    data = path.read_bytes()
    if compression == "gzip":
        return gzip.decompress(data)
    if compression == "zstd":
        import zstandard

        return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True).read()
    return data


def _read_file(path: Path, fmt: str) -> pa.Table:
    try:
        data = _bytes(path)
        if fmt == "csv":
            return _read_csv(data, path)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            return _plain(pq.read_table(io.BytesIO(data)))
        if fmt == "avro":
            import fastavro

            return _from_records(list(fastavro.reader(io.BytesIO(data))), path)
        text = data.decode("utf-8-sig")
        if fmt == "json":
            records = json.loads(text, parse_float=Decimal) if text.strip() else []
        else:
            records = [json.loads(line, parse_float=Decimal) for line in text.splitlines() if line.strip()]
        if not isinstance(records, list):
            raise DoppelError(f"{path}: a JSON table file holds an array of objects")
        return _from_records(records, path)
    except DoppelError:
        raise
    except (OSError, ValueError, EOFError, pa.ArrowException) as exc:
        raise DoppelError(f"{path}: cannot read as {fmt} ({type(exc).__name__}: {str(exc)[:120]})") from None


def _read_csv(data: bytes, path: Path) -> pa.Table:
    """As the export wrote it: text cells, a bare empty field null (``""`` an empty string)."""
    from tools.export.convert import read_csv_as_text

    if _split_name(path)[2] is None:
        return read_csv_as_text(path, keep_nulls=True)
    with tempfile.TemporaryDirectory(prefix="doppel-read-") as folder:
        plain = Path(folder) / "table.csv"
        plain.write_bytes(data)
        return read_csv_as_text(plain, keep_nulls=True)


def _from_records(records: list[Any], path: Path) -> pa.Table:
    if not all(isinstance(r, dict) for r in records):
        raise DoppelError(f"{path}: every record must be an object")
    names = list(dict.fromkeys(k for r in records for k in r))
    columns = {}
    for name in names:
        values = [_cell(r.get(name)) for r in records]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types: as text
            columns[name] = pa.array([None if v is None else str(v) for v in values], pa.string())
    return _plain(pa.table(columns) if columns else pa.table({}))


def _cell(value: Any) -> Any:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _plain(table: pa.Table) -> pa.Table:
    """Nested and dictionary columns as plain values (nested as JSON text)."""
    columns = []
    for column in table.columns:
        kind = column.type
        if pa.types.is_dictionary(kind):
            column = column.cast(kind.value_type)
        elif pa.types.is_nested(kind):
            column = pa.chunked_array(
                [pa.array([None if v is None else json.dumps(v, default=str) for v in column.to_pylist()], pa.string())]
            )
        elif pa.types.is_large_string(kind):
            column = column.cast(pa.string())
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _read_sql(paths: list[Path]) -> dict[str, tuple[pa.Table, list[str], list[ForeignKey]]]:
    """Doppel's SQL scripts, run into an in-memory SQLite database; tables with their declared keys."""
    db = sqlite3.connect(":memory:")
    try:
        for path in paths:
            script = _bytes(path).decode("utf-8")
            try:
                db.executescript(_sqlite_dialect(script))
            except sqlite3.Error as exc:
                raise DoppelError(
                    f"{path}: cannot read this SQL script ({exc}); export as csv, parquet, json or avro to load it"
                ) from None
        found: dict[str, tuple[pa.Table, list[str], list[ForeignKey]]] = {}
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        for name in names:
            info = db.execute(f'PRAGMA table_info("{name}")').fetchall()
            columns = [r[1] for r in info]
            pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
            fk_rows = db.execute(f'PRAGMA foreign_key_list("{name}")').fetchall()
            fks: dict[int, list[Any]] = {}
            for row in fk_rows:
                fks.setdefault(row[0], []).append(row)
            foreign = [
                ForeignKey(tuple(r[3] for r in rows), rows[0][2], tuple(r[4] for r in rows)) for rows in fks.values()
            ]
            cursor = db.execute(f'SELECT * FROM "{name}"')
            rows = cursor.fetchall()
            types = [str(r[2]).upper() for r in info]
            table = pa.table({c: _sql_column([r[i] for r in rows], types[i]) for i, c in enumerate(columns)})
            found[name] = (_plain(table), pk, foreign)
        return found
    finally:
        db.close()


def _sql_column(values: list[Any], declared: str) -> pa.Array:
    """One column of a script's table, typed as declared (SQLite keeps booleans as 0/1, decimals as floats)."""
    values = [v.hex() if isinstance(v, bytes) else v for v in values]
    if declared.startswith("BOOL"):
        return pa.array([None if v is None else bool(v) for v in values], pa.bool_())
    scale = re.match(r"^(?:NUMERIC|DECIMAL)\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)", declared)
    if scale and all(isinstance(v, int | float) or v is None for v in values):
        precision, digits = int(scale[1]), int(scale[2])
        quantum = Decimal(1).scaleb(-digits)
        decimals = [None if v is None else Decimal(repr(v)).quantize(quantum) for v in values]
        return pa.array(decimals, pa.decimal128(precision, digits))
    if all(isinstance(v, str) or v is None for v in values):
        return pa.array(values, pa.string())
    return pa.array(values)


_MYSQL_ESCAPES = {"0": "\0", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "b": "\b"}


def _sqlite_dialect(script: str) -> str:
    """A PostgreSQL or MySQL script of Doppel's as SQLite reads it (types SQLite ignores, quoting it accepts)."""
    script = re.sub(r"(?im)^\s*(SET|BEGIN|COMMIT|START TRANSACTION)\b[^;\n]*;", "", script)
    script = re.sub(r"\)\s*ENGINE=[^;]*;", ");", script)
    if re.search(r"(?m)^-- Doppel export of table .* for mysql", script):

        def unescape(found: re.Match[str]) -> str:
            text = re.sub(r"\\(.)", lambda m: _MYSQL_ESCAPES.get(m[1], m[1]), found[1].replace("''", "'"))
            return "'" + text.replace("'", "''") + "'"

        return re.sub(r"'((?:[^'\\]|\\.|'')*)'", unescape, script)
    return re.sub(r"E'((?:[^']|'')*)'", r"'\1'", script)


# ------------------------------------------------------------------ types


def _typed(table: pa.Table) -> pa.Table:
    """Text columns as integer, decimal or date where every value reads back to the same text."""
    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type):
            column = _infer(column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def _infer(column: pa.ChunkedArray) -> pa.ChunkedArray:
    present = pc.drop_null(column)
    if len(present) == 0:
        return column
    if pc.all(pc.match_substring_regex(present, _INT)).as_py():
        return column.cast(pa.int64())
    if pc.all(pc.match_substring_regex(present, _DEC)).as_py():
        scales = pc.unique(pc.subtract(pc.utf8_length(present), pc.add(pc.find_substring(present, "."), 1)))
        if len(scales) == 1:
            scale = int(scales[0].as_py())
            precision = int(pc.max(pc.utf8_length(present)).as_py())
            try:
                return column.cast(pa.decimal128(max(precision, scale + 1), scale))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return column
    if pc.all(pc.match_substring_regex(present, _DATE)).as_py():
        try:
            return column.cast(pa.date32())
        except pa.ArrowInvalid:
            return column
    return column


def column_kind(kind: pa.DataType) -> tuple[ColumnKind, int | None]:
    if pa.types.is_integer(kind):
        return "integer", None
    if pa.types.is_floating(kind):
        return "float", None
    if pa.types.is_decimal(kind):
        return "decimal", kind.scale
    if pa.types.is_boolean(kind):
        return "boolean", None
    if pa.types.is_date(kind):
        return "date", None
    if pa.types.is_timestamp(kind):
        return "datetime", None
    return "text", None


def _columns(table: pa.Table) -> tuple[ColumnInfo, ...]:
    infos = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind, scale = column_kind(column.type)
        longest = 0
        if kind == "text" and len(column):
            longest = int(pc.max(pc.utf8_length(column.cast(pa.string()))).as_py() or 0)
        elif kind != "text":
            longest = 40
        infos.append(ColumnInfo(name, kind, scale, longest))
    return tuple(infos)


# ------------------------------------------------------------------ keys


def _metadata(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _declared_by_metadata(meta: dict[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[ForeignKey]], str]:
    """Primary and foreign keys a metadata.json records: generate's ``keys``, synthesize's relationships."""
    pks: dict[str, list[str]] = {}
    fks: dict[str, list[ForeignKey]] = {}
    keys = meta.get("keys")
    if isinstance(keys, dict):
        for table, entry in keys.items():
            if not isinstance(entry, dict):
                continue
            if entry.get("primary_key"):
                pks[table] = [str(c) for c in entry["primary_key"]]
            for fk in entry.get("foreign_keys") or []:
                fks.setdefault(table, []).append(
                    ForeignKey((fk["field"],), fk["ref_table"], (fk["ref_field"],), bool(fk.get("enforce", True)))
                )
        return pks, fks, "metadata.json (the schema's keys)"
    for text in meta.get("relationships") or []:
        found = re.match(r"^\s*([^.\s]+)\.(\S+)\s*->\s*([^.\s]+)\.(\S+)\s*$", str(text))
        if found:
            child, column, parent, key = found.groups()
            fks.setdefault(child, []).append(ForeignKey((column,), parent, (key,)))
            pks.setdefault(parent, [key])
    return pks, fks, "metadata.json (relationships)"


def _keys(
    tables: dict[str, pa.Table],
    declared: dict[str, tuple[list[str], list[ForeignKey]]],
    meta: dict[str, Any],
    given: dict[str, list[str]],
) -> tuple[dict[str, TablePlan], dict[str, str], list[str]]:
    meta_pks, meta_fks, meta_source = _declared_by_metadata(meta)
    unknown = [t for t in given if t not in tables]
    if unknown:
        raise DoppelError(f"keys given for {', '.join(unknown)}: no such table (tables: {', '.join(tables)})")
    pks: dict[str, list[str]] = {}
    source: dict[str, str] = {}
    for name, table in tables.items():
        for where, candidate in (
            ("given", given.get(name)),
            (meta_source, meta_pks.get(name)),
            ("the SQL script", declared.get(name, ([], []))[0]),
        ):
            if candidate:
                missing = [c for c in candidate if c not in table.column_names]
                if missing:
                    raise DoppelError(f"table {name}: key column(s) {', '.join(missing)} ({where}) are not in it")
                pks[name], source[name] = list(candidate), where
                break
        else:
            inferred = _infer_pk(table)
            if inferred:
                pks[name], source[name] = [inferred], "inferred"
    fks: dict[str, list[ForeignKey]] = {}
    for name in tables:
        listed = meta_fks.get(name) or declared.get(name, ([], []))[1]
        fks[name] = [fk for fk in listed if fk.parent in tables]
    if not any(fks.values()):
        fks = _infer_fks(tables, pks)
    warnings = []
    plans = {}
    for name, table in tables.items():
        checked = []
        for fk in fks.get(name, []):
            if any(c not in table.column_names for c in fk.columns) or any(
                c not in tables[fk.parent].column_names for c in fk.parent_columns
            ):
                warnings.append(f"{fk.describe(name)}: a column is missing; not used")
                continue
            inclusion = _inclusion(table, fk, tables[fk.parent])
            if inclusion < 1.0:
                warnings.append(
                    f"{fk.describe(name)}: {1 - inclusion:.1%} of values have no parent row (edge cases): "
                    "loaded without a foreign key constraint"
                )
            checked.append(replace(fk, enforce=fk.enforce and inclusion == 1.0))
        plans[name] = TablePlan(name, _columns(table), tuple(pks.get(name, [])), tuple(checked))
    return plans, source, warnings


def _id_like(name: str) -> bool:
    tokens = [t for t in re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()) if t]
    return bool(tokens) and tokens[-1] in ID_WORDS


def _infer_pk(table: pa.Table) -> str | None:
    rows = table.num_rows
    if rows == 0:
        return None
    best: tuple[int, int, int, str] | None = None
    for position, (name, column) in enumerate(zip(table.column_names, table.columns, strict=True)):
        kind, _ = column_kind(column.type)
        if column.null_count or kind not in ("integer", "text"):
            continue
        distinct = len(pc.unique(column))
        unique = distinct == rows
        if distinct < NEAR_UNIQUE * rows or not (_id_like(name) or (unique and position == 0)):
            continue
        rank = (0 if unique else 1, 0 if _id_like(name) else 1, position, name)
        best = rank if best is None or rank < best else best
    return best[3] if best else None


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def _infer_fks(tables: dict[str, pa.Table], pks: dict[str, list[str]]) -> dict[str, list[ForeignKey]]:
    found: dict[str, list[ForeignKey]] = {}
    for child, table in tables.items():
        for column in table.column_names:
            if [column] == pks.get(child):
                continue
            for parent, key in pks.items():
                if len(key) != 1:
                    continue
                stem = _singular(parent).lower()
                names = {f"{stem}_{key[0]}".lower(), f"{stem}_id", f"{parent.lower()}_{key[0]}".lower()}
                if parent != child:
                    names.add(key[0].lower())
                else:
                    names = {f"parent_{key[0]}".lower(), f"parent_{stem}_id", "parent_id"}
                if column.lower() not in names:
                    continue
                fk = ForeignKey((column,), parent, (key[0],))
                if column_kind(table[column].type)[0] != column_kind(tables[parent][key[0]].type)[0]:
                    continue
                if _inclusion(table, fk, tables[parent]) >= INCLUSION:
                    found.setdefault(child, []).append(fk)
                    break
    return found


def _inclusion(child: pa.Table, fk: ForeignKey, parent: pa.Table) -> float:
    """The share of the child's present values (first key column) found in the parent's key."""
    values = pc.drop_null(child[fk.columns[0]])
    if len(values) == 0:
        return 1.0
    keys = parent[fk.parent_columns[0]]
    try:
        found = pc.is_in(values, value_set=pc.unique(keys.cast(values.type)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return 0.0
    return float(pc.sum(found).as_py() or 0) / len(values)


def _order(plans: dict[str, TablePlan]) -> list[str]:
    """Parents before children (self references aside); a cycle is an error naming its tables."""
    waiting = {name: {fk.parent for fk in plan.foreign_keys if fk.parent != name} for name, plan in plans.items()}
    order: list[str] = []
    while waiting:
        ready = sorted(name for name, parents in waiting.items() if not parents - set(order))
        if not ready:
            raise DoppelError(
                f"tables {', '.join(sorted(waiting))} reference each other in a cycle: no order loads parents first"
            )
        order += ready
        for name in ready:
            del waiting[name]
    return order


def _parents_first(table: pa.Table, plan: TablePlan) -> pa.Table:
    """Rows of a self-referencing table ordered so each row's parent comes before it."""
    self_fk = next((fk for fk in plan.foreign_keys if fk.parent == plan.name and len(fk.columns) == 1), None)
    if self_fk is None or table.num_rows == 0:
        return table
    keys = table[self_fk.parent_columns[0]].to_pylist()
    parents = table[self_fk.columns[0]].to_pylist()
    position = {k: i for i, k in enumerate(keys)}
    placed: set[int] = set()
    order: list[int] = []
    level = [i for i, p in enumerate(parents) if p is None or p not in position or position[p] == i]
    children: dict[int, list[int]] = {}
    for i, p in enumerate(parents):
        if p is not None and p in position and position[p] != i:
            children.setdefault(position[p], []).append(i)
    while level:
        order += level
        placed.update(level)
        level = [c for i in level for c in children.get(i, []) if c not in placed]
    if len(order) < table.num_rows:  # a cycle among rows: the rest keep their order
        order += [i for i in range(table.num_rows) if i not in placed]
    return table.take(pa.array(order))
