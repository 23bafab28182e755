"""Avro object-container output through fastavro, with a schema generated from the arrow schema.

Every field is a nullable union ``["null", T]`` with default null. Logical types: decimal (bytes,
precision/scale from the column), date, time-micros, timestamp-micros for zoned timestamps (an instant;
Avro has no zone, so the zone name is kept in the field's ``doppel.timezone`` property) and
local-timestamp-micros for naive ones. Record and field names are sanitised to Avro's name rules.
Records are encoded column-at-a-time with numpy (Avro's binary encoding is simple: zig-zag varints,
little-endian floats, length-prefixed bytes) and fastavro writes the container: header, codec and
sync markers, given whole blocks. Temporal values are the integers arrow already holds.

Deterministic bytes: the 16-byte sync marker is derived from the table name (fastavro would pick a
random one), and blocks are cut every ``BLOCK_BYTES`` of record data, not at batch boundaries.
Codec: null, deflate (for ``gzip``) or zstandard (for ``zstd``). fastavro 1.13 implements zstandard
with ``backports.zstd`` (the standard library from Python 3.14), which Doppel does not depend on; when
it is missing, ``ensure_zstandard_codec`` registers the same codec (a zstd frame per block, as the Avro
spec and Java's codec use) built on the ``zstandard`` package Doppel already has. Appending copies the
file to a temporary file and lets fastavro append blocks (its append mode reuses header and marker).
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from types import SimpleNamespace
from typing import Any, BinaryIO

import fastavro
import fastavro.read
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import zstandard
from fastavro.write import Writer

from tools.export.base import ExportOptions, TableInfo
from tools.export.files import AtomicFile
from tools.export.formatting import SLICE_ROWS, text_bytes
from tools.export.sinks import FileSink, FileTarget

CODECS: dict[str | None, str] = {None: "null", "gzip": "deflate", "zstd": "zstandard"}
NAMESPACE = "doppel"
ZSTD_LEVEL = 3
BLOCK_BYTES = 64_000  # record bytes per block, Java's DataFileWriter default sync interval


def _avro_long(n: int) -> bytes:
    """Avro's zig-zag varint encoding of a long."""
    n = (n << 1) ^ (n >> 63)
    out = bytearray()
    while n & ~0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _read_avro_long(fo: BinaryIO) -> int:
    shift = result = 0
    while True:
        byte = fo.read(1)
        if not byte:
            raise EOFError("truncated Avro block length")
        result |= (byte[0] & 0x7F) << shift
        if not byte[0] & 0x80:
            return (result >> 1) ^ -(result & 1)
        shift += 7


def _write_zstd_block(out: Any, block: bytes, level: int | None) -> None:
    data = zstandard.ZstdCompressor(level=ZSTD_LEVEL if level is None else level).compress(block)
    fo = getattr(out, "_fo", out)  # the compiled writer passes the file, the pure-Python one an encoder
    fo.write(_avro_long(len(data)))
    fo.write(data)


def _read_zstd_block(src: Any) -> io.BytesIO:
    fo = getattr(src, "fo", src)
    data = fo.read(_read_avro_long(fo))
    return io.BytesIO(zstandard.ZstdDecompressor().decompressobj().decompress(data))


def _fastavro_codec_works(codec: str) -> bool:
    schema = {"type": "record", "name": "probe", "fields": [{"name": "a", "type": "int"}]}
    probe = fastavro.parse_schema(schema)
    buffer = io.BytesIO()
    try:
        fastavro.writer(buffer, probe, [{"a": 1}], codec=codec)
        buffer.seek(0)
        return list(fastavro.reader(buffer)) == [{"a": 1}]
    except ValueError:
        return False


def ensure_zstandard_codec() -> None:
    """Make fastavro's "zstandard" codec usable for writing and reading (see module docstring)."""
    if _fastavro_codec_works("zstandard"):
        return
    writers = sys.modules[Writer.__module__].BLOCK_WRITERS
    writers["zstandard"] = _write_zstd_block
    fastavro.read.BLOCK_READERS["zstandard"] = _read_zstd_block


def avro_name(name: str) -> str:
    """Avro names match ``[A-Za-z_][A-Za-z0-9_]*``: replace other characters, prefix a leading digit."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name) or "_"
    return "_" + cleaned if cleaned[0].isdigit() else cleaned


def sync_marker(table_name: str) -> bytes:
    return hashlib.sha256(f"doppel-avro-sync:{table_name}".encode()).digest()[:16]


def _avro_type(field: pa.Field) -> Any:
    t = field.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "string"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_integer(t):
        return "long" if t.bit_width > 32 or t == pa.uint32() else "int"
    if t == pa.float32():
        return "float"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_decimal(t):
        return {"type": "bytes", "logicalType": "decimal", "precision": t.precision, "scale": t.scale}
    if pa.types.is_date(t):
        return {"type": "int", "logicalType": "date"}
    if pa.types.is_time(t):
        return {"type": "long", "logicalType": "time-micros"}
    if pa.types.is_timestamp(t):
        if t.tz is None:
            return {"type": "long", "logicalType": "local-timestamp-micros"}
        return {"type": "long", "logicalType": "timestamp-micros", "doppel.timezone": t.tz}
    raise TypeError(f"column {field.name!r}: no Avro type for {t}")


def avro_schema(table: TableInfo) -> dict[str, Any]:
    """The record schema for ``table`` (field names unique after sanitising)."""
    fields = []
    seen: set[str] = set()
    for field in table.arrow_schema:
        name = base = avro_name(field.name)
        n = 1
        while name in seen:
            n += 1
            name = f"{base}_{n}"
        seen.add(name)
        entry: dict[str, Any] = {"name": name, "type": ["null", _avro_type(field)], "default": None}
        if name != field.name:
            entry["doc"] = f"column {field.name}"  # the source name, which Avro's rules do not allow
        fields.append(entry)
    return {"type": "record", "name": avro_name(table.name), "namespace": NAMESPACE, "fields": fields}


# --- vectorised record encoding -------------------------------------------------------------------
# Every field is the union ["null", T]: one byte for the branch (zig-zag 0 = null, 1 = value) then
# the value. Each column is encoded for all rows at once with numpy into an arrow binary array; the
# columns are then joined row-wise, which yields the records back to back in one buffer.

_NULL_BRANCH, _VALUE_BRANCH = 0x00, 0x02
_MAX_VARINT = 10


def _binary_from_matrix(matrix: np.ndarray, keep: np.ndarray) -> pa.Array:
    """Row i of the result = the bytes ``matrix[i, keep[i]]`` (row-major order)."""
    offsets = np.zeros(len(matrix) + 1, dtype=np.int32)
    np.cumsum(keep.sum(axis=1), out=offsets[1:])
    data = np.ascontiguousarray(matrix[keep])
    return pa.Array.from_buffers(pa.binary(), len(matrix), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _union_longs(values: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Avro ``long``/``int`` (zig-zag varint) behind the union branch byte."""
    zigzag = ((values << 1) ^ (values >> 63)).view(np.uint64)
    sizes = np.ones(len(values), dtype=np.int64)
    for k in range(1, _MAX_VARINT):
        sizes += (zigzag >> np.uint64(7 * k)) != 0
    matrix = np.empty((len(values), 1 + _MAX_VARINT), dtype=np.uint8)
    matrix[:, 0] = np.where(valid, _VALUE_BRANCH, _NULL_BRANCH)
    for k in range(_MAX_VARINT):
        low7 = ((zigzag >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8)
        matrix[:, 1 + k] = low7 | np.where(sizes > k + 1, 0x80, 0).astype(np.uint8)
    keep = np.arange(1 + _MAX_VARINT) < np.where(valid, 1 + sizes, 1)[:, None]
    return _binary_from_matrix(matrix, keep)


def _union_fixed(raw: np.ndarray, valid: np.ndarray) -> pa.Array:
    """Fixed-width values (double/float little-endian, boolean byte) behind the branch byte."""
    width = raw.shape[1]
    matrix = np.empty((len(raw), 1 + width), dtype=np.uint8)
    matrix[:, 0] = np.where(valid, _VALUE_BRANCH, _NULL_BRANCH)
    matrix[:, 1:] = raw
    keep = np.ones_like(matrix, dtype=bool)
    keep[:, 1:] = valid[:, None]
    return _binary_from_matrix(matrix, keep)


def _union_bytes(body: pa.Array, valid: np.ndarray) -> pa.Array:
    """``string``/``bytes``: branch byte + varint length, then the bytes themselves."""
    lengths = pc.binary_length(body).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    head = _union_longs(lengths, valid)
    return pc.binary_join_element_wise(head, pc.cast(body, pa.binary()).fill_null(b""), b"")


def _decimal_body(arr: pa.Array) -> pa.Array:
    """Unscaled value as minimal big-endian two's complement (Avro decimal on bytes)."""
    t = arr.type
    n = len(arr)
    if t.precision > 18:  # beyond int64: rare, done per value
        return pa.array(
            [None if v is None else _twos_complement(int(v.scaleb(t.scale))) for v in arr.to_pylist()],
            pa.binary(),
        )
    words = np.frombuffer(arr.buffers()[1], dtype="<i8").reshape(-1, 2)[arr.offset : arr.offset + n, 0]
    unscaled = words.astype(np.int64)  # precision <= 18 fits the low 64-bit word
    sizes = np.ones(n, dtype=np.int64)
    for k in range(1, 8):
        bound = 1 << (8 * k - 1)
        sizes += (unscaled < -bound) | (unscaled >= bound)
    big_endian = unscaled.astype(">i8").view(np.uint8).reshape(n, 8)
    keep = np.arange(8) >= (8 - sizes)[:, None]
    return pc.if_else(arr.is_valid(), _binary_from_matrix(big_endian, keep), pa.scalar(None, pa.binary()))


def _twos_complement(value: int) -> bytes:
    return value.to_bytes((value + (value < 0)).bit_length() // 8 + 1, "big", signed=True)


def _valid_mask(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def encode_column(arr: pa.Array) -> pa.Array:
    """One binary value per row: the Avro encoding of this column's ``["null", T]`` field."""
    t = arr.type
    valid = _valid_mask(arr)
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _union_bytes(arr, valid)
    if pa.types.is_decimal(t):
        return _union_bytes(_decimal_body(arr), valid)
    if pa.types.is_boolean(t):
        raw = arr.fill_null(False).to_numpy(zero_copy_only=False).astype(np.uint8).reshape(-1, 1)
        return _union_fixed(raw, valid)
    if pa.types.is_floating(t):
        dtype = "<f4" if t == pa.float32() else "<f8"
        numbers = arr.fill_null(0).to_numpy(zero_copy_only=False).astype(dtype)
        return _union_fixed(numbers.view(np.uint8).reshape(len(arr), -1), valid)
    if pa.types.is_timestamp(t):
        arr = arr.cast(pa.timestamp("us"))  # UTC microseconds for zoned columns
    elif pa.types.is_date(t):
        arr = arr.cast(pa.int32())  # days since the epoch
    longs = pc.cast(arr, pa.int64()).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return _union_longs(longs, valid)  # integers, date (days), time (us), timestamp (us)


def encode_records(batch: pa.RecordBatch) -> tuple[memoryview, np.ndarray]:
    """The batch's records back to back, and each record's end offset within that buffer."""
    rows = pc.binary_join_element_wise(*(encode_column(col) for col in batch.columns), b"")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + len(rows) + 1]
    data = text_bytes(rows)
    return data, (offsets[1:] - offsets[0]).astype(np.int64)


class AvroSink(FileSink):
    """Encodes records with numpy (fastavro's per-record path costs ~15 us per 14-field row) and hands
    fastavro ready blocks, cut at ``BLOCK_BYTES`` of record data whatever the incoming batch sizes;
    fastavro writes header, codec and sync markers."""

    def __init__(self, target: FileTarget, table: TableInfo, schema: dict[str, Any], codec: str) -> None:
        self._parsed = fastavro.parse_schema(schema)
        if target.existing:
            self._check_existing(target, schema, codec)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._pending_records = 0
        self._file = AtomicFile(target.path, copy_from=target.path if target.existing else None)
        try:
            # With a copied, non-empty file positioned at its end fastavro appends (reusing its header).
            self._writer = Writer(self._file.file, self._parsed, codec=codec, sync_marker=sync_marker(table.name))
        except BaseException:
            self._file.discard()
            raise

    @staticmethod
    def _check_existing(target: FileTarget, schema: dict[str, Any], codec: str) -> None:
        with target.path.open("rb") as fo:
            reader = fastavro.reader(fo)
            old_schema = reader.writer_schema
            old_codec = reader.codec
        if fastavro.parse_schema(old_schema) != fastavro.parse_schema(schema):
            raise ValueError(f"cannot append to {target.path}: its Avro schema differs from the table's")
        if old_codec != codec:
            raise ValueError(f"cannot append to {target.path}: it uses codec {old_codec!r}, not {codec!r}")

    def write(self, batch: pa.RecordBatch) -> None:
        for start in range(0, batch.num_rows, SLICE_ROWS):
            data, ends = encode_records(batch.slice(start, SLICE_ROWS))
            first, base = 0, 0
            while first < len(ends):
                # The record that fills the current block, if this slice has it.
                last = int(np.searchsorted(ends, base + BLOCK_BYTES - self._pending_bytes, side="left"))
                if last >= len(ends):
                    self._add(data[base:], len(ends) - first)
                    break
                self._add(data[base : ends[last]], last + 1 - first)
                self._emit()
                first, base = last + 1, int(ends[last])

    def _add(self, data: memoryview, records: int) -> None:
        self._pending.append(bytes(data))
        self._pending_bytes += len(data)
        self._pending_records += records

    def _emit(self) -> None:
        if self._pending_records:
            data = io.BytesIO(b"".join(self._pending))
            self._writer.write_block(SimpleNamespace(num_records=self._pending_records, bytes_=data))
        self._pending, self._pending_bytes, self._pending_records = [], 0, 0

    def finish(self) -> None:
        self._emit()
        self._writer.flush()
        self._file.finish()


class AvroFormat:
    def __init__(self, table: TableInfo, options: ExportOptions) -> None:
        self._table = table
        self._schema = avro_schema(table)
        self._codec = CODECS[options.compression]
        if self._codec == "zstandard":
            ensure_zstandard_codec()

    def open(self, target: FileTarget) -> FileSink:
        return AvroSink(target, self._table, self._schema, self._codec)
