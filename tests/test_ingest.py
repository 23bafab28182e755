"""Reading production samples: encodings, dialects, headers, every format, and clear errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tools.errors import DoppelError
from tools.ingest.readers import detect_header, read_sample, read_samples, sniff_encoding

NAMES = ["Zoë Ångström", "José Müller", "Renée Ødegård", "Françoise Lefèvre"]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def only(path: Path, **kwargs: object) -> tuple[dict[str, list[str | None]], object]:
    tables = read_sample(path, **kwargs)  # type: ignore[arg-type]
    assert len(tables) == 1
    return tables[0].frame.to_dict("list"), tables[0].source


# ----------------------------------------------------------------------------------------- encodings


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("latin-1", "latin-1"), ("utf-16", "utf-16")],
)
def test_encodings_decode_accented_names(tmp_path: Path, encoding: str, expected: str) -> None:
    text = "id,name\n" + "".join(f"{i},{n}\n" for i, n in enumerate(NAMES, 1))
    data, source = only(write(tmp_path / "people.csv", text, encoding))
    assert data["name"] == NAMES
    assert data["id"] == ["1", "2", "3", "4"]
    assert source.encoding == expected  # type: ignore[attr-defined]


def test_cp1252_is_told_from_latin1_by_bytes_0x80_to_0x9f(tmp_path: Path) -> None:
    text = "name,note\nJosé,“quoted” €5 – dash\nZoë,fine\n"
    path = write(tmp_path / "w.csv", text, "cp1252")
    assert sniff_encoding(path) == "cp1252"
    data, _ = only(path)
    assert data["note"] == ["“quoted” €5 – dash", "fine"]
    assert data["name"] == ["José", "Zoë"]


def test_valid_utf8_is_preferred(tmp_path: Path) -> None:
    path = write(tmp_path / "u.csv", "name\nJosé\n€uro\n", "utf-8")
    assert sniff_encoding(path) == "utf-8"


def test_latin1_when_no_cp1252_specific_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "name\nJosé\nMüller\n", "latin-1")
    assert sniff_encoding(path) == "latin-1"
    assert only(path)[0]["name"] == ["José", "Müller"]


# ------------------------------------------------------------------------------------------- dialects


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    other = ";" if delimiter == "," else ","
    rows = [["id", "city", "note"], ["1", "Paris", f"a{other} b"], ["2", "Köln", "c"], ["3", "Rome", f"x{other}y"]]
    text = "".join(delimiter.join(r) + "\n" for r in rows)
    data, source = only(write(tmp_path / "d.txt", text))
    assert source.delimiter == delimiter  # type: ignore[attr-defined]
    assert data["id"] == ["1", "2", "3"] and data["city"] == ["Paris", "Köln", "Rome"]
    assert data["note"] == [f"a{other} b", "c", f"x{other}y"]


def test_quoted_fields_with_delimiters_newlines_and_quotes(tmp_path: Path) -> None:
    text = 'id,address,comment\n1,"1 High St, London","said ""hi""\nthen left"\n2,"2 Low Rd",plain\n'
    data, source = only(write(tmp_path / "q.csv", text))
    assert data["address"] == ["1 High St, London", "2 Low Rd"]
    assert data["comment"] == ['said "hi"\nthen left', "plain"]
    assert source.quotechar == '"'  # type: ignore[attr-defined]


def test_single_quote_quoting(tmp_path: Path) -> None:
    data, source = only(write(tmp_path / "s.csv", "id,name\n1,'Smith, J'\n2,'Doe, A'\n3,'Roe, B'\n"))
    assert source.quotechar == "'"  # type: ignore[attr-defined]
    assert data["name"] == ["Smith, J", "Doe, A", "Roe, B"]


def test_cells_stay_text_and_empty_becomes_none(tmp_path: Path) -> None:
    text = 'code,amount,flag,note\n007,1.50,NA,"  padded "\n010,2,null,\n,"",N/A, \n'
    data, _ = only(write(tmp_path / "t.csv", text))
    assert data["code"] == ["007", "010", None]
    assert data["amount"] == ["1.50", "2", None]
    assert data["flag"] == ["NA", "null", "N/A"]
    assert data["note"] == ["  padded ", None, " "]


def test_header_detection(tmp_path: Path) -> None:
    _, with_header = only(write(tmp_path / "h.csv", "id,amount\n1,2.5\n2,3.5\n"))
    data, without = only(write(tmp_path / "n.csv", "1,2.5,2020-01-01\n2,3.5,2020-01-02\n"))
    assert with_header.has_header is True  # type: ignore[attr-defined]
    assert without.has_header is False  # type: ignore[attr-defined]
    assert list(data) == ["column_1", "column_2", "column_3"]
    assert data["column_1"] == ["1", "2"]


def test_header_detection_on_text_columns() -> None:
    assert detect_header([["first_name", "city"], ["Ann", "Leeds"], ["Bob", "York"]])
    assert not detect_header([["Ann", "Leeds"], ["Bob", "York"], ["Ann", "Hull"]])  # 'Ann' recurs
    assert not detect_header([["1", "x"], ["2", "y"]])
    assert not detect_header([["2020-01-01", "x"], ["2020-01-02", "y"]])


def test_blank_and_repeated_header_names_are_made_unique(tmp_path: Path) -> None:
    data, _ = only(write(tmp_path / "r.csv", "id,name,name, \n1,a,b,c\n"))
    assert list(data) == ["id", "name", "name_2", "column_4"]


def test_trailing_delimiter_column_is_dropped(tmp_path: Path) -> None:
    data, _ = only(write(tmp_path / "t.csv", "a,b,\n1,2,\n3,4,\n"))
    assert data == {"a": ["1", "3"], "b": ["2", "4"]}


def test_max_rows(tmp_path: Path) -> None:
    text = "id,v\n" + "".join(f"{i},{i * 2}\n" for i in range(50_000))
    data, source = only(write(tmp_path / "m.csv", text), max_rows=1234)
    assert len(data["id"]) == 1234 and data["id"][-1] == "1233"
    assert source.rows == 1234  # type: ignore[attr-defined]


def test_many_rows_and_columns_read_as_text(tmp_path: Path) -> None:
    header = ",".join(f"c{j}" for j in range(60))
    body = "".join(",".join(f"{i}.{j}" for j in range(60)) + "\n" for i in range(3000))
    data, source = only(write(tmp_path / "w.csv", header + "\n" + body))
    assert source.columns == 60 and source.rows == 3000  # type: ignore[attr-defined]
    assert data["c59"][2999] == "2999.59"


# ------------------------------------------------------------------------------------------- errors


def test_too_many_fields_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.csv", 'a,b,c\n1,"x\ny",3\n4,5,6\n7,8,9,10\n')
    with pytest.raises(DoppelError, match=r"bad\.csv: line 5: expected 3 fields, found 4"):
        read_sample(path)


def test_short_rows_are_padded_with_none(tmp_path: Path) -> None:
    data, _ = only(write(tmp_path / "s.csv", "a,b,c\n1,2,3\n4,5\n"))
    assert data == {"a": ["1", "4"], "b": ["2", "5"], "c": ["3", None]}


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "file is empty"),
        ("data.xls", b"x", "legacy .xls"),
        ("data.bin", b"x", "unsupported file type '.bin'"),
        ("broken.parquet", b"not parquet", "not a readable Parquet file"),
        ("broken.xlsx", b"not a zip", "not a readable .xlsx workbook"),
        ("broken.json", b'[{"a": 1},\n{"a": }]', "line 2 column 7: invalid JSON"),
        ("broken.jsonl", b'{"a": 1}\n\n{"a": 2\n', "line 3: invalid JSON"),
        ("scalar.jsonl", b'{"a": 1}\n[1, 2]\n', "line 2: expected an object"),
        ("ragged.json", b'{"a": [1, 2], "b": [1]}', "equal lengths"),
        ("scalar.json", b'"text"', "expected an array of objects or an object of arrays"),
    ],
)
def test_bad_input_is_a_doppel_error_naming_the_file(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DoppelError) as info:
        read_sample(path)
    assert str(path) in str(info.value)
    assert message in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DoppelError, match="no such file"):
        read_sample(tmp_path / "nope.csv")


# -------------------------------------------------------------------------------------- other formats


def test_json_array_of_objects_keeps_literals(tmp_path: Path) -> None:
    records = (
        '[{"id": 1, "amount": 1.50, "ok": true, "tags": ["a", 2.50, null], "name": "Zoë", "big": 1E+5},'
        ' {"id": 2, "name": "", "tags": {"k": false}}]'
    )
    data, source = only(write(tmp_path / "j.json", records))
    assert data["id"] == ["1", "2"]
    assert data["amount"] == ["1.50", None]
    assert data["ok"] == ["true", None]
    assert data["tags"] == ['["a",2.50,null]', '{"k":false}']
    assert data["big"] == ["1E+5", None]
    assert data["name"] == ["Zoë", None]
    assert source.format == "json"  # type: ignore[attr-defined]


def test_json_object_of_arrays_and_wrapped_records(tmp_path: Path) -> None:
    data, _ = only(write(tmp_path / "c.json", '{"id": [1, 2], "city": ["Paris", null]}'))
    assert data == {"id": ["1", "2"], "city": ["Paris", None]}
    data, _ = only(write(tmp_path / "w.json", '{"data": [{"id": 1}, {"id": 2, "x": "y"}]}'))
    assert data == {"id": ["1", "2"], "x": [None, "y"]}


def test_jsonl_and_max_rows(tmp_path: Path) -> None:
    lines = "".join(json.dumps({"id": i, "v": f"x{i}"}) + "\n" + ("\n" if i == 1 else "") for i in range(10))
    data, source = only(write(tmp_path / "l.jsonl", lines), max_rows=4)
    assert data == {"id": ["0", "1", "2", "3"], "v": ["x0", "x1", "x2", "x3"]}
    assert source.format == "jsonl"  # type: ignore[attr-defined]


def test_parquet_columns_become_text(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array([1, 2, None], pa.int64()),
            "price": pa.array([1.5, None, 3.25]),
            "ok": pa.array([True, False, None]),
            "at": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5), None, dt.datetime(2024, 5, 6)], pa.timestamp("us")),
            "day": pa.array([dt.date(2024, 1, 2), None, dt.date(2023, 12, 31)]),
            "city": pa.array(["Köln", "", None]).dictionary_encode(),
        }
    )
    pq.write_table(table, tmp_path / "p.parquet")
    data, source = only(tmp_path / "p.parquet")
    assert data["id"] == ["1", "2", None]
    assert data["price"] == ["1.5", None, "3.25"]
    assert data["ok"] == ["true", "false", None]
    assert data["at"] == ["2024-01-02 03:04:05", None, "2024-05-06 00:00:00"]
    assert data["day"] == ["2024-01-02", None, "2023-12-31"]
    assert data["city"] == ["Köln", None, None]
    assert source.format == "parquet" and source.rows == 3  # type: ignore[attr-defined]


def test_excel_each_sheet_is_a_table(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    people = book.active
    assert people is not None
    people.title = "people"
    people.append(["id", "name", "born", "active", "score"])
    people.append([1, "Zoë", dt.datetime(1990, 5, 17), True, 2.5])
    people.append([2, "José", dt.datetime(1985, 1, 2, 10, 30), False, None])
    people.append([None, None, None, None, None])
    orders = book.create_sheet("orders")
    orders.append(["order_id", "person_id"])
    orders.append(["A-1", 1])
    book.create_sheet("empty")
    path = tmp_path / "book.xlsx"
    book.save(path)
    tables = read_sample(path)
    assert [t.name for t in tables] == ["people", "orders"]
    people_data = tables[0].frame.to_dict("list")
    assert people_data == {
        "id": ["1", "2"],
        "name": ["Zoë", "José"],
        "born": ["1990-05-17", "1985-01-02 10:30:00"],
        "active": ["TRUE", "FALSE"],
        "score": ["2.5", None],
    }
    assert tables[1].frame.to_dict("list") == {"order_id": ["A-1"], "person_id": ["1"]}
    assert tables[0].source.format == "excel" and tables[0].source.sheet == "people"


def test_excel_single_default_sheet_is_named_by_file(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["a", "b"])
    sheet.append(["x", 1])
    book.save(tmp_path / "customers.xlsx")
    (table,) = read_sample(tmp_path / "customers.xlsx")
    assert table.name == "customers" and table.source.sheet == "Sheet"


def test_several_files_are_several_tables(tmp_path: Path) -> None:
    write(tmp_path / "customers.csv", "id,name\n1,Ann\n")
    write(tmp_path / "orders.jsonl", '{"id": 1, "customer_id": 1}\n')
    write(tmp_path / "notes.md", "ignored")
    tables = read_sample(tmp_path)
    assert [t.name for t in tables] == ["customers", "orders"]
    other = tmp_path / "other"
    other.mkdir()
    write(other / "customers.tsv", "id\tname\n2\tBob\n")
    with pytest.raises(DoppelError, match="table name 'customers' is also used"):
        read_samples([tmp_path / "customers.csv", other / "customers.tsv"])


# ------------------------------------------------------------------------------- repeated headers


def test_repeated_headers_are_renamed_with_a_warning_naming_file_header_and_names(tmp_path: Path) -> None:
    path = write(tmp_path / "dup.csv", "id,email,name,email, email\n1,a@x.io,Ann,b@x.io,c@x.io\n")
    (table,) = read_sample(path)
    assert list(table.frame.columns) == ["id", "email", "name", "email_2", "email_3"]
    assert table.warnings == [
        f"{path}: column header 'email' appears 3 times; the columns are named email, email_2, email_3"
    ]
    (clean,) = read_sample(write(tmp_path / "ok.csv", "id,email\n1,a@x.io\n"))
    assert clean.warnings == []


def test_repeated_headers_in_a_workbook_name_the_sheet(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "people"
    sheet.append(["id", "phone", "phone"])
    sheet.append([1, "07700 900123", "07700 900456"])
    book.save(tmp_path / "crm.xlsx")
    (table,) = read_sample(tmp_path / "crm.xlsx")
    assert table.warnings == [
        f"{tmp_path / 'crm.xlsx'} (sheet 'people'): column header 'phone' appears 2 times; "
        "the columns are named phone, phone_2"
    ]


def _people_with_repeated_header(folder: Path) -> Path:
    rows = "".join(f"{i},user{i}@example.com,{['basic', 'pro'][i % 2]},user{i}@example.org\n" for i in range(60))
    return write(folder / "people.csv", "id,email,plan,email\n" + rows)


def test_repeated_header_warning_reaches_the_cli_and_the_written_warnings(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from server.cli import app

    path = _people_with_repeated_header(tmp_path)
    expected = f"{path}: column header 'email' appears 2 times; the columns are named email, email_2"
    runner = CliRunner()
    profiled = runner.invoke(app, ["profile", str(path), "--out", str(tmp_path / "profile.json")])
    assert profiled.exit_code == 0, profiled.output
    assert f"warning: {expected}" in " ".join(profiled.stderr.split())
    assert expected in json.loads((tmp_path / "profile.json").read_text())["warnings"]
    classified = runner.invoke(app, ["classify", str(path), "--out", str(tmp_path / "s.json")])
    assert classified.exit_code == 0, classified.output
    assert f"warning: {expected}" in " ".join(classified.stderr.split())
    assert json.loads((tmp_path / "s.json").read_text())["warnings"] == [expected]
    made = runner.invoke(app, ["synthesize", str(path), "--rows", "20", "--seed", "1", "--out", str(tmp_path / "o")])
    assert made.exit_code == 0, made.output
    assert f"warning: {expected}" in " ".join(made.stderr.split())
    assert expected in json.loads((tmp_path / "o" / "metadata.json").read_text())["warnings"]
