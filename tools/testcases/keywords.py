"""Doppel's Robot Framework keyword library for generated suites (imported by ``doppel.resource``).

Database keywords run their SQL through DatabaseLibrary (so it shows in log.html) and check the rows with
``tools.testcases.rules``; REST keywords complement RequestsLibrary; ``Synthetic Record`` hands a suite the
values of a named record from ``records.json`` beside the suites.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from tools.testcases.rules import broken, explain, is_empty, parse_rule

CHUNK = 400  # keys per IN (...) list
SHOWN = 10  # records named in a failure message
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _builtin() -> Any:
    from robot.libraries.BuiltIn import BuiltIn

    return BuiltIn()


class DoppelKeywords:
    """Keywords over the synthetic records: in the target database, the REST target and ``records.json``."""

    ROBOT_LIBRARY_SCOPE = "SUITE"

    def __init__(self, suites_dir: str = ".") -> None:
        self.suites_dir = Path(suites_dir)
        self._records: dict[str, dict[str, dict[str, Any]]] | None = None
        self.module = "sqlite3"

    # ------------------------------------------------------------------ records.json

    def synthetic_record(self, table: str, key: str, **overrides: str) -> dict[str, Any]:
        """The synthetic record of ``table`` with primary key ``key`` (empty values left out), with ``overrides``
        (``field=value``) applied: what a test sends to a target and expects to see back."""
        if self._records is None:
            path = self.suites_dir / "records.json"
            self._records = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        record = (self._records or {}).get(table, {}).get(str(key))
        if record is None:
            raise AssertionError(f"records.json holds no {table} record {key}: generate the suites again")
        return {**{k: v for k, v in record.items() if not is_empty(v)}, **overrides}

    # ------------------------------------------------------------------ REST

    def record_path(self, resource: str, key: str) -> str:
        """``/<resource>/<key>`` with the key URL-encoded."""
        return f"/{quote(str(resource))}/{quote(str(key), safe='')}"

    def remove_from_rest_target(self, resource: str, key: str) -> None:
        """Delete a record from the REST target if it is there (so a create that follows is a create)."""
        url = _builtin().get_variable_value("${REST_URL}")
        _builtin().run_keyword(
            "RequestsLibrary.DELETE", f"{url}{self.record_path(resource, key)}", "expected_status=any"
        )

    def response_should_name_field(self, response: Any, field: str) -> None:
        """The error answer names ``field`` (``{"errors": [{"field": ...}]}``, or anywhere in its text)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and any(isinstance(e, dict) and e.get("field") == field for e in errors):
            return
        if field in (response.text or ""):
            return
        raise AssertionError(
            f"the answer ({response.status_code}) names no error for field {field!r}: {response.text[:300]}"
        )

    # ------------------------------------------------------------------ the target database

    def connect_database_by_url(self, url: str, alias: str = "default") -> None:
        """Connect DatabaseLibrary to an SQLAlchemy URL: ``sqlite:///path``, ``postgresql://...``, ``mysql://...``
        (the password never reaches the log)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        backend = parsed.get_backend_name()
        library = _builtin().get_library_instance("DatabaseLibrary")
        if backend == "sqlite":
            self.module = "sqlite3"
            library.connect_to_database("sqlite3", alias=alias, database=parsed.database or ":memory:",
                                        isolation_level=None)  # fmt: skip
            return
        if backend == "postgresql":
            self.module, port = ("psycopg2" if _importable("psycopg2") else "psycopg"), 5432
        elif backend in ("mysql", "mariadb"):
            self.module, port = "pymysql", 3306
        else:
            raise AssertionError(f"unsupported target database {backend!r}: use sqlite, postgresql or mysql")
        library.connect_to_database(
            self.module, parsed.database, parsed.username, parsed.password, parsed.host or "127.0.0.1",
            parsed.port or port, alias=alias,
        )  # fmt: skip

    def _quote(self, name: str) -> str:
        mark = "`" if self.module == "pymysql" else '"'
        return f"{mark}{name.replace(mark, mark * 2)}{mark}"

    @staticmethod
    def _literal(value: Any) -> str:
        return "'" + str(value).replace("'", "''") + "'"

    def _rows(self, table: str, key: str, keys: list[str], columns: list[str] | None = None) -> list[dict[str, Any]]:
        picked = "*" if not columns else ", ".join(self._quote(c) for c in dict.fromkeys([key, *columns]))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            sql = (
                f"SELECT {picked} FROM {self._quote(table)} WHERE {self._quote(key)} IN "
                f"({', '.join(self._literal(k) for k in chunk)})"
            )
            found = _builtin().run_keyword("DatabaseLibrary.Query", sql, "return_dict=True")
            rows += [dict(r) for r in found]
        return rows

    def records_should_exist(self, table: str, key: str, *keys: str) -> None:
        """Every named record is in the target database's ``table`` (by primary key ``key``)."""
        if not keys:
            raise AssertionError(f"no records named for {table}")
        found = {str(r[key]).strip() for r in self._rows(table, key, list(keys), [key])}
        missing = [k for k in keys if str(k).strip() not in found]
        if missing:
            shown = ", ".join(missing[:SHOWN]) + (" ..." if len(missing) > SHOWN else "")
            raise AssertionError(f"{len(missing)} of {len(keys)} records are missing from {table}: {shown}")

    def records_should_satisfy(self, table: str, key: str, rule: str, *keys: str) -> None:
        """Every named record satisfies ``rule`` (see ``tools.testcases.rules``); the failure names each record
        that breaks it, with the values it read."""
        parsed = parse_rule(rule)
        rows = self._rows(table, key, list(keys), parsed.columns())
        today = date.today()
        bad = [r for r in rows if broken(parsed, r, today)]
        _builtin().log(f"{len(rows) - len(bad)} of {len(rows)} records satisfy {rule}")
        if bad:
            shown = "; ".join(f"{r[key]} ({explain(parsed, r, today)})" for r in bad[:SHOWN])
            more = f"; and {len(bad) - SHOWN} more" if len(bad) > SHOWN else ""
            raise AssertionError(f"{len(bad)} of {len(rows)} records break the rule {rule}: {shown}{more}")

    def references_should_resolve(
        self, table: str, key: str, column: str, parent_table: str, parent_column: str, *keys: str
    ) -> None:
        """Every named record's ``column`` finds a row of ``parent_table`` with that ``parent_column``."""
        rows = self._rows(table, key, list(keys), [column])
        wanted = sorted({str(r[column]).strip() for r in rows if not is_empty(r.get(column))})
        parents = {
            str(r[parent_column]).strip() for r in self._rows(parent_table, parent_column, wanted, [parent_column])
        }
        orphans = [r for r in rows if is_empty(r.get(column)) or str(r[column]).strip() not in parents]
        if orphans:
            shown = "; ".join(f"{r[key]} ({column}={r.get(column)!r})" for r in orphans[:SHOWN])
            raise AssertionError(
                f"{len(orphans)} of {len(rows)} records of {table} find no {parent_table}.{parent_column}: {shown}"
            )


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
