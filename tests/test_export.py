"""Export writers: round trips per format, parts, determinism, compression, append, atomicity."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import fastavro
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_export_fixtures import (
    JSON_FIELDS,
    LONDON,
    ODD_SIZES,
    ROWS,
    SCHEMA,
    batches,
    expected_csv_text,
    export,
    json_value,
    make_options,
    read_avro,
    read_bytes,
    read_csv,
    read_json,
    read_jsonl,
    read_rows,
    table_info,
    tricky_table,
    utc,
)
from tools.export import avro_writer, parquet_writer
from tools.export.base import ExportOptions
from tools.export.formatting import csv_quote, json_string
from tools.export.writers import ExportWriter, open_table_writer

FORMATS = ["csv", "json", "jsonl", "sql", "parquet", "avro"]
TEXT_FORMATS = ["csv", "json", "jsonl", "sql"]


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- round trips -----------------------------------------------------------------------------------


def test_csv_round_trip_csv_module_and_pandas(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="csv"))
    assert path == tmp_path / "people.csv"
    raw = path.read_bytes()
    assert raw.startswith(b"id,name,qty,price,score,active,born,wake,seen_at,paid_at,meta,city,_anomalies\r\n")

    records = read_csv(path)
    assert records[0] == SCHEMA.names
    assert len(records) == ROWS + 1
    pylist = table.to_pylist()
    for row, record in zip(pylist, records[1:], strict=True):
        for field, cell in zip(SCHEMA, record, strict=True):
            value = row[field.name]
            if field.type == pa.float64() and value is not None:
                assert float(cell) == value, field.name
            else:
                assert cell == expected_csv_text(value, field.type), (field.name, value, cell)

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(frame.columns) == SCHEMA.names
    assert frame.values.tolist() == [r for r in records[1:]]


def test_csv_specific_cells(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="csv"))
    text = path.read_bytes().decode("utf-8")
    assert ',"quote "" inside",' in text  # embedded quote doubled, field quoted
    assert ',"line\nfeed",' in text and ',"crlf\r\nend",' in text
    assert ",'=1+2," in text and ",'-5 apples," in text and ",'@SUM(A1)," in text
    assert ",+33 612 345," in text  # a phone number is not a formula
    assert ',"\'\rCR first",' in text and ",'\tTabbed," in text
    assert ",-3," in text  # negative numbers are not neutralised
    assert ",12.50," in text and ",-0.50," in text and ",0.00," in text
    assert ",2024-03-31 00:59:59+00:00," in text and ",2024-03-31 02:00:00+01:00," in text
    assert ",2024-10-27 01:30:00+01:00," in text and ",2024-10-27 01:30:00+00:00," in text
    assert ",2024-07-01 13:00:00.123456+01:00," in text
    assert ',"",' in text  # empty string quoted; nulls are bare empty fields
    assert ",true," in text and ",false," in text


def test_csv_without_neutralisation_keeps_values(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="csv", neutralise_formulas=False))
    records = read_csv(path)
    names = [r[1] for r in records[1:]]
    assert names == ["" if v is None else v for v in table.column("name").to_pylist()]


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_round_trip(tmp_path: Path, fmt: str) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, make_options(fmt))
    assert path.name == f"people.{fmt}"
    rows = read_json(path) if fmt == "json" else read_jsonl(path)
    assert len(rows) == ROWS
    for expected, got in zip(table.to_pylist(), rows, strict=True):
        assert list(got) == SCHEMA.names  # key order = column order
        for name, value in expected.items():
            actual = got[name]
            if value is None:
                assert actual is None, name
            elif name in JSON_FIELDS:
                assert actual == json_value(value), (value, actual)
            elif isinstance(value, bool | str | int) and not isinstance(value, float):
                assert actual == value and type(actual) is type(value), name
            elif isinstance(value, Decimal):
                assert isinstance(actual, Decimal) and str(actual) == str(value), (value, actual)
            elif isinstance(value, float):
                assert float(actual) == value, name
            elif isinstance(value, dt.datetime):
                assert actual == value.isoformat(), (value, actual)  # zone-aware: offset in London time
            else:
                assert actual == value.isoformat(), (name, value, actual)


def test_json_text_details(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="json"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith('[\n{"id":1,"name":"plain",')
    assert text.endswith("}\n]\n")
    assert '"price":12.50,' in text and '"price":-0.50,' in text and '"price":0.00,' in text
    assert '"paid_at":"2024-03-31T02:00:00+01:00"' in text
    assert "漢字 🎉" in text  # no ASCII escaping
    assert '"meta":"not json {"' in text and '"meta":"{\\"c\\": NaN}"' in text
    assert '"meta":{"a": 1, "b": [true, null, "x"]}' in text  # inlined, not a string
    jsonl = export(tmp_path, table, ExportOptions(format="jsonl"))[0].read_text(encoding="utf-8")
    assert len(jsonl.split("\n")) == ROWS + 1  # multi-line JSON text was flattened onto its row


def test_json_non_finite_floats_become_null(tmp_path: Path) -> None:
    schema = pa.schema([("x", pa.float64())])
    table = pa.table({"x": [float("nan"), float("inf"), -float("inf"), 1.5]}, schema=schema)
    info = table_info(schema=schema, primary_key=[])
    [path] = export(tmp_path, table, ExportOptions(format="jsonl"), sizes=[4], info=info)
    assert [r["x"] for r in read_jsonl(path)] == [None, None, None, Decimal("1.5")]


def test_parquet_round_trip(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="parquet"))
    back = pq.read_table(path)
    assert back.schema.equals(SCHEMA, check_metadata=False)  # zone and decimal kept
    assert back.equals(table)
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_avro_round_trip(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="avro"))
    records = read_avro(path)
    assert utc(records) == utc(table.to_pylist())
    with path.open("rb") as fo:
        reader = fastavro.reader(fo)
        schema = reader.writer_schema
        assert reader.codec == "null"
    assert isinstance(schema, dict)
    fields = {f["name"]: f["type"] for f in schema["fields"]}
    assert fields["price"] == [
        "null",
        {"type": "bytes", "logicalType": "decimal", "precision": 18, "scale": 2},
    ]
    assert fields["paid_at"][1]["logicalType"] == "timestamp-micros"
    assert fields["seen_at"][1]["logicalType"] == "local-timestamp-micros"
    assert fields["wake"][1]["logicalType"] == "time-micros"
    assert fields["born"][1]["logicalType"] == "date"
    assert all(t[0] == "null" for t in fields.values())


def test_avro_names_are_sanitised(tmp_path: Path) -> None:
    schema = pa.schema([("order-id", pa.int64()), ("1st", pa.string()), ("order id", pa.int64())])
    table = pa.table({"order-id": [1], "1st": ["a"], "order id": [2]}, schema=schema)
    info = table_info(name="my-table", schema=schema, primary_key=[])
    [path] = export(tmp_path, table, ExportOptions(format="avro"), sizes=[1], info=info)
    with path.open("rb") as fo:
        reader = fastavro.reader(fo)
        schema = reader.writer_schema
        assert isinstance(schema, dict) and schema["name"] == "doppel.my_table"
        assert list(reader) == [{"order_id": 1, "_1st": "a", "order_id_2": 2}]


def test_historic_offset_with_seconds_is_exact(tmp_path: Path) -> None:
    # London was at -00:01:15 (local mean time) in 1800; arrow's %z would drop the 15 seconds.
    schema = pa.schema([("t", pa.timestamp("us", tz=LONDON))])
    micros = int((dt.datetime(1800, 1, 1, tzinfo=dt.UTC) - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)).total_seconds())
    table = pa.table({"t": pa.array([micros * 1_000_000, None], pa.int64()).cast(schema.field("t").type)})
    info = table_info(schema=schema, primary_key=[])
    [path] = export(tmp_path, table, ExportOptions(format="csv"), sizes=[2], info=info)
    assert read_csv(path)[1:] == [["1799-12-31 23:58:45-00:01:15"], [""]]


# --- parts -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_parts_split_at_exact_row_counts(tmp_path: Path, fmt: str) -> None:
    table = tricky_table()
    whole_dir, parts_dir = tmp_path / "whole", tmp_path / "parts"
    whole_dir.mkdir()
    parts_dir.mkdir()
    whole = export(whole_dir, table, make_options(fmt))
    parts = export(parts_dir, table, make_options(fmt, chunk_rows=7))
    assert [p.name for p in parts] == [f"people.part-0000{i}.{fmt}" for i in range(1, 5)]
    assert listing(parts_dir) == [p.name for p in parts]
    if fmt != "sql":
        assert [len(read_rows([p], fmt)) for p in parts] == [7, 7, 7, 4]
    assert read_rows(parts, fmt) == read_rows(whole, fmt)
    if fmt == "csv":  # each part repeats the header; the data lines concatenate to the whole file
        bodies = [read_bytes(p).split(b"\r\n", 1) for p in parts]
        header, whole_body = read_bytes(whole[0]).split(b"\r\n", 1)
        assert all(h == header for h, _ in bodies)
        assert b"".join(b for _, b in bodies) == whole_body
    if fmt == "jsonl":
        assert b"".join(read_bytes(p) for p in parts) == read_bytes(whole[0])
    if fmt == "sql":
        texts = [p.read_text(encoding="utf-8") for p in parts]
        assert texts[0].count("CREATE TABLE") == 1 and all("CREATE TABLE" not in t for t in texts[1:])


def test_parts_with_irregular_batches(tmp_path: Path) -> None:
    table = tricky_table()
    parts = export(tmp_path, table, ExportOptions(format="jsonl", chunk_rows=7), sizes=[12, 1, 1, 11])
    assert [len(read_jsonl(p)) for p in parts] == [7, 7, 7, 4]


def test_parts_zero_rows_give_one_empty_part(tmp_path: Path) -> None:
    writer = open_table_writer(tmp_path, table_info(), ExportOptions(format="csv", chunk_rows=7))
    assert writer.close() == [tmp_path / "people.part-00001.csv"]
    assert read_csv(tmp_path / "people.part-00001.csv") == [SCHEMA.names]


def test_stale_parts_of_a_longer_run_are_removed(tmp_path: Path) -> None:
    table = tricky_table()
    export(tmp_path, table, ExportOptions(format="csv", chunk_rows=5))  # 5 parts
    export(tmp_path, table.slice(0, 10), ExportOptions(format="csv", chunk_rows=5), sizes=[10])
    assert listing(tmp_path) == ["people.part-00001.csv", "people.part-00002.csv"]


# --- determinism and compression ---------------------------------------------------------------


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_bytes_do_not_depend_on_batch_sizes(
    tmp_path: Path, fmt: str, compression: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_writer, "ROW_GROUP_ROWS", 10)  # several row groups from 25 rows
    monkeypatch.setattr(avro_writer, "BLOCK_BYTES", 500)  # several Avro blocks
    table = tricky_table()
    options = make_options(fmt, compression=compression, sql_batch_rows=4)
    outputs = []
    for i, sizes in enumerate([[ROWS], [1] * ROWS, [3, 7, 2, 13], ODD_SIZES]):
        folder = tmp_path / str(i)
        folder.mkdir()
        [path] = export(folder, table, options, sizes=sizes)
        outputs.append(path.read_bytes())
    assert all(o == outputs[0] for o in outputs[1:])
    if fmt == "parquet":
        meta = pq.ParquetFile(path).metadata
        assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [10, 10, 5]


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_compressed_text_decompresses_to_plain_bytes(tmp_path: Path, fmt: str, compression: str) -> None:
    table = tricky_table()
    plain_dir, packed_dir = tmp_path / "plain", tmp_path / "packed"
    plain_dir.mkdir()
    packed_dir.mkdir()
    [plain] = export(plain_dir, table, make_options(fmt))
    [packed] = export(packed_dir, table, make_options(fmt, compression=compression))
    suffix = ".gz" if compression == "gzip" else ".zst"
    assert packed.name == plain.name + suffix
    assert read_bytes(packed) == plain.read_bytes()
    raw = packed.read_bytes()
    if compression == "gzip":
        assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\0\0\0\0"  # mtime 0
        assert raw[3] & 0x08 == 0  # no file name stored
        assert gzip.decompress(raw) == plain.read_bytes()
    else:
        assert raw[:4] == b"\x28\xb5\x2f\xfd"


@pytest.mark.parametrize("compression,codec", [(None, "SNAPPY"), ("gzip", "GZIP"), ("zstd", "ZSTD")])
def test_parquet_codecs(tmp_path: Path, compression: str | None, codec: str) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, make_options("parquet", compression=compression))
    assert path.name == "people.parquet"
    assert pq.ParquetFile(path).metadata.row_group(0).column(1).compression == codec
    assert pq.read_table(path).equals(table)


@pytest.mark.parametrize("compression,codec", [(None, "null"), ("gzip", "deflate"), ("zstd", "zstandard")])
def test_avro_codecs(tmp_path: Path, compression: str | None, codec: str) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, make_options("avro", compression=compression))
    assert path.name == "people.avro"
    with path.open("rb") as fo:
        reader = fastavro.reader(fo)
        assert reader.codec == codec
        assert utc(list(reader)) == utc(table.to_pylist())


# --- append ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("compression", [None, "gzip", "zstd"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_append_adds_rows(tmp_path: Path, fmt: str, compression: str | None) -> None:
    table = tricky_table()
    options = make_options(fmt, compression=compression)
    whole_dir = tmp_path / "whole"
    whole_dir.mkdir()
    whole = export(whole_dir, table, options)
    [first] = export(tmp_path, table.slice(0, 10), options, sizes=[3, 7])
    [again] = export(tmp_path, table.slice(10), options, sizes=[8, 7], append=True)
    assert again == first
    assert listing(tmp_path) == sorted(["whole", first.name])
    assert read_rows([first], fmt) == read_rows(whole, fmt)
    if fmt == "csv":
        assert read_csv(first).count(SCHEMA.names) == 1
    if fmt == "sql":
        assert read_bytes(first).count(b"CREATE TABLE") == 1
    if fmt in ("json", "parquet") or (fmt in ("csv", "jsonl") and compression is None):
        assert first.read_bytes() == whole[0].read_bytes()  # a rewrite / plain concatenation is exact


def test_append_to_missing_file_creates_it(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="csv"), append=True)
    assert read_csv(path)[0] == SCHEMA.names and len(read_csv(path)) == ROWS + 1


def test_append_with_nothing_to_add_leaves_file(tmp_path: Path) -> None:
    table = tricky_table()
    [path] = export(tmp_path, table, ExportOptions(format="json"))
    before = path.read_bytes()
    writer = open_table_writer(tmp_path, table_info(), ExportOptions(format="json"), append=True)
    assert writer.close() == []
    assert path.read_bytes() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_append_parts_continue_numbering(tmp_path: Path, fmt: str) -> None:
    table = tricky_table()
    options = make_options(fmt, chunk_rows=7)
    first = export(tmp_path, table.slice(0, 10), options, sizes=[10])
    more = export(tmp_path, table.slice(10), options, sizes=[15], append=True)
    assert [p.name for p in first] == [f"people.part-0000{i}.{fmt}" for i in (1, 2)]
    assert [p.name for p in more] == [f"people.part-0000{i}.{fmt}" for i in (3, 4, 5)]
    whole_dir = tmp_path / "whole"
    whole_dir.mkdir()
    assert read_rows(first + more, fmt) == read_rows(export(whole_dir, table, make_options(fmt)), fmt)


def test_append_refuses_a_different_csv_header(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("other,columns\r\n1,2\r\n")
    writer = open_table_writer(tmp_path, table_info(), ExportOptions(format="csv"), append=True)
    with pytest.raises(ValueError, match="header differs"):
        writer.write(batches(tricky_table(), [ROWS])[0])
    writer.abort()
    assert listing(tmp_path) == ["people.csv"]


@pytest.mark.parametrize("fmt", ["parquet", "avro"])
def test_append_refuses_a_different_schema(tmp_path: Path, fmt: str) -> None:
    table = tricky_table()
    export(tmp_path, table.select(["id", "name"]), make_options(fmt), sizes=[ROWS])
    writer = open_table_writer(tmp_path, table_info(), make_options(fmt), append=True)
    with pytest.raises(ValueError, match="schema differs"):
        writer.write(batches(table, [ROWS])[0])
    writer.abort()
    assert listing(tmp_path) == [f"people.{fmt}"]


# --- atomicity --------------------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_rows", [None, 7])
@pytest.mark.parametrize("fmt", FORMATS)
def test_abort_leaves_nothing(tmp_path: Path, fmt: str, chunk_rows: int | None) -> None:
    options = make_options(fmt, chunk_rows=chunk_rows, compression="gzip")
    writer = open_table_writer(tmp_path, table_info(), options)
    for batch in batches(tricky_table(), [10, 10, 5]):
        writer.write(batch)
    assert not [n for n in listing(tmp_path) if not n.startswith(".")]  # nothing under a final name yet
    assert listing(tmp_path)  # but temporary files exist
    writer.abort()
    assert listing(tmp_path) == []
    with pytest.raises(RuntimeError):
        writer.write(batches(tricky_table(), [ROWS])[0])


@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_midway_leaves_nothing_and_keeps_old_file(tmp_path: Path, fmt: str) -> None:
    table = tricky_table()
    options = make_options(fmt)
    [path] = export(tmp_path, table.slice(0, 5), options, sizes=[5])
    before = path.read_bytes()

    def failing_stream() -> Any:
        yield from batches(table, [10, 10, 5])[:2]
        raise RuntimeError("generator failed")

    for append in (False, True):
        with (
            pytest.raises(RuntimeError, match="generator failed"),
            ExportWriter(tmp_path, table_info(), options, append=append) as writer,
        ):
            for batch in failing_stream():
                writer.write(batch)
        assert listing(tmp_path) == [path.name]
        assert path.read_bytes() == before


def test_schema_mismatch_is_rejected(tmp_path: Path) -> None:
    writer = open_table_writer(tmp_path, table_info(), ExportOptions(format="csv"))
    with pytest.raises(ValueError, match="batch schema does not match"):
        writer.write(pa.record_batch({"id": [1]}))
    writer.abort()
    assert listing(tmp_path) == []


def test_bad_inputs_fail_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot be used as a file name"):
        open_table_writer(tmp_path, table_info(name="../escape"), ExportOptions())
    with pytest.raises(FileNotFoundError):
        open_table_writer(tmp_path / "missing", table_info(), ExportOptions())
    odd = pa.schema([("d", pa.duration("s"))])
    with pytest.raises(TypeError, match="unsupported column types: d"):
        open_table_writer(tmp_path, table_info(schema=odd, primary_key=[]), ExportOptions())
    assert listing(tmp_path) == []


def test_files_are_created_with_umask_permissions(tmp_path: Path) -> None:
    [path] = export(tmp_path, tricky_table(), ExportOptions(format="csv"))
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


# --- vectorised helpers against the standard library ---------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8")), min_size=1, max_size=20))
def test_json_string_matches_json_dumps(values: list[str]) -> None:
    got = json_string(pa.array(values, pa.string())).to_pylist()
    assert got == [json.dumps(v, ensure_ascii=False) for v in values]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00")), min_size=1, max_size=20))
def test_csv_quoting_round_trips_through_csv_module(values: list[str]) -> None:
    line = ",".join(csv_quote(pa.array(values, pa.string())).to_pylist()) + "\r\n"
    assert next(csv.reader(io.StringIO(line, newline=""))) == values


def _random_table(rows: int, seed: int) -> pa.Table:
    """Random values over each type's whole range, about 10 % nulls."""
    rng = np.random.default_rng(seed)

    def nulls(arr: pa.Array) -> pa.Array:
        return pc.if_else(pa.array(rng.random(rows) < 0.1), pa.scalar(None, arr.type), arr)

    i64 = np.iinfo(np.int64)
    alphabet = [*"aé漢🎉,\"'\\\n\r\t =+-@", "\x00", "\x7f", "\u2028"]
    texts = ["".join(rng.choice(alphabet, size=rng.integers(0, 12))) for _ in range(rows)]
    unscaled18 = rng.integers(-(10**18) + 1, 10**18, rows)
    big = [
        Decimal(int(v)) * Decimal(10) ** 19 + Decimal(int(w))
        for v, w in zip(unscaled18, rng.integers(0, 10**18, rows), strict=True)
    ]
    return pa.table(
        {
            "i64": nulls(pa.array(rng.integers(i64.min, i64.max, rows, endpoint=True))),
            "i32": nulls(pa.array(rng.integers(-(2**31), 2**31, rows).astype(np.int32))),
            "f64": nulls(pa.array(rng.standard_normal(rows) * 10.0 ** rng.integers(-300, 300, rows))),
            "f32": nulls(pa.array(rng.standard_normal(rows).astype(np.float32))),
            "dec18": nulls(pa.array([Decimal(int(v)).scaleb(-4) for v in unscaled18], pa.decimal128(18, 4))),
            "dec38": nulls(pa.array([d.scaleb(-6) for d in big], pa.decimal128(38, 6))),
            "text": nulls(pa.array(texts)),
            "flag": nulls(pa.array(rng.random(rows) < 0.5)),
            "day": nulls(pa.array(rng.integers(-700_000, 2_900_000, rows).astype(np.int32)).cast(pa.date32())),
            "clock": nulls(pa.array(rng.integers(0, 86_400_000_000, rows)).cast(pa.time64("us"))),
            "naive": nulls(pa.array(rng.integers(-(2**55), 2**55, rows)).cast(pa.timestamp("us"))),
            "zoned": nulls(pa.array(rng.integers(-(2**50), 2**50, rows)).cast(pa.timestamp("us", tz="UTC"))),
        }
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_avro_encoding_of_random_values(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(avro_writer, "BLOCK_BYTES", 2_000)  # many blocks, cut mid-batch
    table = _random_table(3_000, seed)
    info = table_info(schema=table.schema, primary_key=[])
    [path] = export(tmp_path, table, make_options("avro"), sizes=[1, 999, 1000, 1000], info=info)
    with path.open("rb") as fo:
        blocks = list(fastavro.block_reader(fo))
    assert len(blocks) > 10
    assert sum(b.num_records for b in blocks) == 3_000
    assert utc(read_avro(path)) == utc(table.to_pylist())


def test_csv_and_jsonl_of_random_values(tmp_path: Path) -> None:
    table = _random_table(2_000, 3).drop_columns(["f32"])
    info = table_info(schema=table.schema, primary_key=[])
    [csv_path] = export(tmp_path, table, make_options("csv"), sizes=[700, 1300], info=info)
    [jsonl_path] = export(tmp_path, table, make_options("jsonl"), sizes=[1300, 700], info=info)
    expected = table.to_pylist()
    records = read_csv(csv_path)
    assert records[0] == table.column_names and len(records) == 2_001
    for row, record in zip(expected, records[1:], strict=True):
        for field, cell in zip(table.schema, record, strict=True):
            value = row[field.name]
            if isinstance(value, float):
                assert float(cell) == value
            else:
                assert cell == expected_csv_text(value, field.type), (field.name, value, cell)
    for row, got in zip(expected, read_jsonl(jsonl_path), strict=True):
        for name, value in row.items():
            have = got[name]
            if value is None or isinstance(value, bool | int | str):
                assert have == value
            elif isinstance(value, float):
                assert float(have) == value
            elif isinstance(value, Decimal):
                assert str(have) == str(value)
            else:
                assert have == value.isoformat(), (name, value, have)
