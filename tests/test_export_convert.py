"""CSV tables re-exported typed by their profile; columns that do not all parse stay text, unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq

from tools.export.base import ExportOptions
from tools.export.convert import convert_tables
from tools.profile.model import Share, TypeInference


def test_typed_where_every_value_parses_text_elsewhere(tmp_path: Path) -> None:
    source = tmp_path / "t.csv"
    lines = ["id,amount,flag,day,code,mixed", "1,2.5,Y,2024-01-31,007,10", "2,,N,,012,n/a", '3,4,Y,2024-02-29,"0,5",3']
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    types = {
        "id": TypeInference(type="integer"),
        "amount": TypeInference(type="decimal"),
        "flag": TypeInference(type="boolean", true_literal="Y", false_literal="N"),
        "day": TypeInference(type="date", formats=[Share(value="%Y-%m-%d", count=2, share=1.0)]),
        "code": TypeInference(type="integer", leading_zeros=True),
        "mixed": TypeInference(type="integer"),
    }
    out = tmp_path / "out"
    out.mkdir()
    written = convert_tables({"t": source}, out, ExportOptions(format="parquet"), {"t": types})
    assert written == {"t": [out / "t.parquet"]}
    table = pq.read_table(out / "t.parquet")
    assert {f.name: str(f.type) for f in table.schema} == {
        "id": "int64", "amount": "double", "flag": "bool", "day": "date32[day]", "code": "string", "mixed": "string",
    }  # fmt: skip
    rows = table.to_pylist()
    assert [r["amount"] for r in rows] == [2.5, None, 4.0]
    assert [r["flag"] for r in rows] == [True, False, True]
    assert [r["code"] for r in rows] == ["007", "012", "0,5"]
    assert [r["mixed"] for r in rows] == ["10", "n/a", "3"]
    assert str(rows[2]["day"]) == "2024-02-29" and rows[1]["day"] is None

    jsonl = tmp_path / "jsonl"
    jsonl.mkdir()
    convert_tables({"t": source}, jsonl, ExportOptions(format="jsonl"), {})
    first = json.loads((jsonl / "t.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first == {"id": "1", "amount": "2.5", "flag": "Y", "day": "2024-01-31", "code": "007", "mixed": "10"}


def test_csv_to_csv_keeps_every_cell_and_neutralises_only_formulas(tmp_path: Path) -> None:
    """What the workflow's export stage does to a sample run's CSV: nulls, empty strings, quoting and
    embedded line breaks survive byte for byte; only formula-like text gains its ``'``."""
    source = tmp_path / "t.csv"
    body = 'id,"=cmd()",note,phone\r\n1,,"two\r\nlines",+44 20 7946 0958\r\n2,"",=1+2,-12.50\r\n3,"a,b",plain,\r\n'
    source.write_bytes(body.encode())
    for neutralise, expected in [
        (True, body.replace('"=cmd()"', "'=cmd()").replace("=1+2", "'=1+2")),
        (False, body.replace('"=cmd()"', "=cmd()")),  # quoted only where RFC 4180 needs it
    ]:
        out = tmp_path / str(neutralise)
        out.mkdir()
        convert_tables({"t": source}, out, ExportOptions(format="csv", neutralise_formulas=neutralise), {})
        assert (out / "t.csv").read_bytes().decode() == expected
