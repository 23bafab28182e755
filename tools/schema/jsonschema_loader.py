"""Converting a JSON Schema (draft 2020-12) document into the Doppel DSL dict that SchemaSpec accepts.

Where the tables come from, in this order:

* the root lists tables: root ``properties`` that are arrays of ``{"$ref": "#/$defs/x"}`` (or of an
  inline object); each property is a table, its rows from ``x-doppel-rows``, else ``maxItems``, else 1000;
* the root is itself an object with ``properties``: one table, named by the ``title`` slug or the file stem;
* otherwise every object schema in ``$defs`` (or legacy ``definitions``) is a table, except an object
  with no primary key and no ``x-doppel-rows`` that other definitions ``$ref``: that is an embedded type
  (it becomes a nested ``json`` field where referenced, not a table of its own).

Choices worth knowing:

* A property whose type admits ``null`` (``type: [..., "null"]``, a null ``enum`` value, ``anyOf`` with
  ``{"type": "null"}``) gets ``nullable: 0.05`` unless ``x-doppel-nullable`` gives a rate; a primary key
  is never made nullable that way. A property merely left out of ``required`` is always filled: a null
  there would break the schema, and a table cannot leave a key out. ``x-doppel-nullable`` still forces
  nulls where asked, knowingly against the schema.
* ``pattern`` wins over ``format`` (a pattern is a hard constraint, a format an annotation);
  outer ``^``/``$`` anchors are dropped because generated strings are whole matches anyway.
* With ``x-doppel-type`` the natural mapping is skipped: only bounds (integer/float/currency),
  enum values (enum), the pattern (regex) or nested fields (json) are carried over, plus ``x-doppel-*``.
* A string primary key with nothing more specific becomes a ``uuid``; an integer one a sequence.
* Anything that cannot be mapped (arrays, ``not``, unsupported formats, cycles ...) is an error Issue
  located by a dotted path such as ``$defs.customer.properties.age.minimum``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote

from jsonschema import Draft202012Validator, validators

from tools.errors import Issue

DEFAULT_ROWS = 1000
DEFAULT_NULL_RATE = 0.05
X = "x-doppel-"

# Property name (snake_case) -> semantic generator, used for strings whose format says nothing better.
NAME_GENERATORS: dict[str, str] = {
    **dict.fromkeys(("first_name", "firstname", "given_name"), "first_name"),
    **dict.fromkeys(("last_name", "lastname", "surname", "family_name"), "last_name"),
    **dict.fromkeys(("name", "full_name", "fullname"), "full_name"),
    **dict.fromkeys(("email", "email_address"), "email"),
    **dict.fromkeys(("phone", "telephone", "mobile", "phone_number"), "phone"),
    **dict.fromkeys(("postcode", "zip", "zipcode", "zip_code", "postal_code"), "postcode"),
    **dict.fromkeys(("city", "town"), "city"),
    **dict.fromkeys(("street", "address_line1", "address_line_1"), "street"),
    "address": "address",
    "country": "country",
    **dict.fromkeys(("company", "employer", "company_name"), "company"),
    "iban": "iban",
    **dict.fromkeys(("card", "credit_card", "card_number"), "credit_card"),
    "ssn": "ssn",
}

_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
FORMAT_GENERATORS: dict[str, str] = {
    "email": "email",
    "idn-email": "email",
    "uuid": "uuid",
    "date": "date",
    "date-time": "datetime",
    "time": "time",
}
FORMAT_PATTERNS: dict[str, str] = {
    "ipv4": rf"({_OCTET}\.){{3}}{_OCTET}",
    "ipv6": r"([0-9a-f]{1,4}:){7}[0-9a-f]{1,4}",
    "uri": r"https://[a-z][a-z0-9]{2,15}\.(com|org|net|io)(/[a-z0-9-]{1,12}){0,3}",
    "hostname": r"([a-z][a-z0-9]{0,14}\.){1,3}(com|org|net|io)",
}

NUMERIC = frozenset({"integer", "float", "currency"})
# x-doppel-* keywords the loader consumes itself; every other one is passed through as a generator param.
FIELD_KEYWORDS = frozenset({"type", "nullable", "primary-key", "unique"})
TABLE_KEYWORDS = frozenset({"rows"})
ROOT_KEYWORDS = frozenset({"version", "correlations", "edge-cases"})
COMPOSITIONS = ("anyOf", "oneOf", "allOf")
UNSUPPORTED = ("not", "if", "then", "else", "dependentSchemas", "patternProperties")


def _join(path: str, *parts: str | int) -> str:
    out = path
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else part
    return out


def slug(text: str) -> str:
    """A lower-case identifier: 'My Shop!' -> 'my_shop'."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "schema"


def snake(name: str) -> str:
    """'firstName' / 'First-Name' -> 'first_name'."""
    return re.sub(r"[^a-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()).strip("_")


def strip_anchors(pattern: str) -> str:
    """Drop an outer ``^`` and an unescaped trailing ``$``."""
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def _is_object(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)


def _passthrough(schema: dict[str, Any]) -> dict[str, Any]:
    """Every ``x-doppel-*`` keyword the loader does not consume, as a generator param (dashes -> underscores)."""
    return {
        key[len(X) :].replace("-", "_"): value
        for key, value in schema.items()
        if key.startswith(X) and key[len(X) :] not in FIELD_KEYWORDS
    }


def _walk_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in _walk_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _walk_refs(value)]
    return []


@dataclass
class _Table:
    name: str
    schema: dict[str, Any]
    path: str
    pointer: str
    rows: Any
    rows_path: str


class _Converter:
    def __init__(self, document: dict[str, Any], source: str) -> None:
        self.doc = document
        self.source = source
        self.issues: list[Issue] = []
        self.table_of: dict[str, str] = {}  # $ref pointer -> table name
        self.pk_of: dict[str, str] = {}  # $ref pointer -> primary key field

    def issue(self, path: str, message: str) -> None:
        self.issues.append(Issue(path=path, message=message))

    # ------------------------------------------------------------ references

    def resolve(self, ref: str, path: str) -> dict[str, Any] | None:
        """The schema a local JSON-pointer ``$ref`` points at, or None (with an Issue)."""
        if not ref.startswith("#") or (len(ref) > 1 and not ref.startswith("#/")):
            self.issue(path, f"only local JSON-pointer references such as '#/$defs/name' are supported, not '{ref}'")
            return None
        node: Any = self.doc
        for raw in ref[2:].split("/") if len(ref) > 1 else []:
            token = unquote(raw).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                self.issue(path, f"'{ref}' does not point at anything in this document")
                return None
        if not isinstance(node, dict):
            self.issue(path, f"'{ref}' must point at a schema object")
            return None
        return node

    # ------------------------------------------------------------ tables

    def definitions(self) -> list[tuple[str, str, str, Any]]:
        """(name, path, pointer, schema) of every ``$defs`` and ``definitions`` entry."""
        found = []
        for keyword in ("$defs", "definitions"):
            for name, schema in (self.doc.get(keyword) or {}).items():
                found.append((name, _join(keyword, name), f"#/{keyword}/{name}", schema))
        return found

    def find_tables(self) -> list[_Table]:
        props = self.doc.get("properties")
        if isinstance(props, dict) and any(self._is_table_list(p) for p in props.values()):
            return self._listed_tables(props)
        if _is_object(self.doc):
            name = slug(self.doc["title"]) if isinstance(self.doc.get("title"), str) else self.stem()
            return [_Table(name, self.doc, "", "#", self.doc.get(f"{X}rows"), f"{X}rows")]
        return self._defs_tables()

    def stem(self) -> str:
        return slug(PurePath(self.source).name.split(".")[0])

    @staticmethod
    def _is_table_list(prop: Any) -> bool:
        if not isinstance(prop, dict) or prop.get("type", "array") != "array":
            return False
        items = prop.get("items")
        return isinstance(items, dict) and ("$ref" in items or _is_object(items))

    def _listed_tables(self, props: dict[str, Any]) -> list[_Table]:
        tables = []
        for name, prop in props.items():
            path = _join("properties", name)
            if not self._is_table_list(prop):
                self.issue(path, "when the root lists tables, every root property must be an array of table rows")
                continue
            items = prop["items"]
            pointer, schema, where = f"#/properties/{name}/items", items, _join(path, "items")
            if "$ref" in items:
                pointer = items["$ref"]
                target = self.resolve(pointer, _join(where, "$ref"))
                if target is None:
                    continue
                schema, where = target, self._pointer_path(pointer)
            if not _is_object(schema):
                self.issue(_join(path, "items"), "the rows of a table must be an object schema with properties")
                continue
            if f"{X}rows" in prop:
                rows, rows_path = prop[f"{X}rows"], _join(path, f"{X}rows")
            elif "maxItems" in prop:
                rows, rows_path = prop["maxItems"], _join(path, "maxItems")
            else:
                rows, rows_path = schema.get(f"{X}rows"), _join(where, f"{X}rows")
            tables.append(_Table(name, schema, where, pointer, rows, rows_path))
        return tables

    @staticmethod
    def _pointer_path(pointer: str) -> str:
        return ".".join(unquote(p).replace("~1", "/").replace("~0", "~") for p in pointer[2:].split("/"))

    def _defs_tables(self) -> list[_Table]:
        defs = self.definitions()
        tables: list[_Table] = []
        for name, path, pointer, schema in defs:
            if not _is_object(schema):
                continue
            outside = [r for _, _, p, s in defs if p != pointer for r in _walk_refs(s)]
            embedded = pointer in outside and self.primary_key(schema, path, report=False) is None
            if embedded and f"{X}rows" not in schema:
                continue
            if name in {t.name for t in tables}:
                self.issue(path, f"table '{name}' is defined in both $defs and definitions")
                continue
            tables.append(_Table(name, schema, path, pointer, schema.get(f"{X}rows"), _join(path, f"{X}rows")))
        if not tables:
            self.issue(
                "",
                "no tables found: give the root 'properties', or object schemas under '$defs', "
                "or root properties that are arrays of '$ref' to them",
            )
        return tables

    def primary_key(self, schema: dict[str, Any], path: str, report: bool = True) -> str | None:
        """The flagged ``x-doppel-primary-key`` property, else ``id`` (unless flagged false)."""
        props = schema.get("properties") or {}
        flagged = [n for n, p in props.items() if isinstance(p, dict) and p.get(f"{X}primary-key") is True]
        if len(flagged) > 1 and report:
            self.issue(_join(path, "properties"), f"only one primary key per table; flagged: {', '.join(flagged)}")
        if flagged:
            return flagged[0]
        idp = props.get("id")
        if "id" in props and not (isinstance(idp, dict) and idp.get(f"{X}primary-key") is False):
            return "id"
        return None

    def table(self, t: _Table) -> dict[str, Any]:
        out: dict[str, Any] = {}
        rows = DEFAULT_ROWS if t.rows is None else t.rows
        if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
            self.issue(t.rows_path, f"row count must be a whole number >= 0, got {rows!r}")
        else:
            out["rows"] = rows
        if isinstance(t.schema.get("description"), str):
            out["description"] = t.schema["description"]
        for key in t.schema if t.pointer != "#" else ():  # the root's own options are checked by the caller
            if key.startswith(X) and key[len(X) :] not in TABLE_KEYWORDS:
                self.issue(_join(t.path, key), f"unknown table option '{key}' (tables take {X}rows)")
        pk = self.primary_key(t.schema, t.path)
        props = t.schema.get("properties") or {}
        fields: dict[str, Any] = {}
        for name, prop in props.items():
            path = _join(t.path, "properties", name)
            spec = self.prop(name, prop, path, name == pk, (t.pointer,), nested=False)
            if spec is not None:
                fields[name] = spec
        if not props:
            self.issue(_join(t.path, "properties"), f"table '{t.name}' has no properties to generate")
        out["fields"] = fields
        return out

    # ------------------------------------------------------------ fields

    def prop(
        self,
        name: str,
        schema: Any,
        path: str,
        is_pk: bool,
        stack: tuple[str, ...],
        nested: bool,
    ) -> dict[str, Any] | None:
        """One property -> a field spec (structural keys applied); None after reporting an Issue."""
        mapped = self.convert(name, schema, path, stack, nested=nested, is_pk=is_pk, nullable=False)
        if mapped is None:
            return None
        spec, merged, type_null = mapped
        given = merged.get(f"{X}nullable")
        if given is not None:
            if given is True:
                spec["nullable"] = DEFAULT_NULL_RATE
            elif given is False:
                spec["nullable"] = 0.0
            elif isinstance(given, int | float):
                spec["nullable"] = given
            else:
                self.issue(_join(path, f"{X}nullable"), f"give a rate between 0 and 1, got {given!r}")
        elif type_null and not is_pk:
            spec["nullable"] = DEFAULT_NULL_RATE
        if is_pk:
            spec["primary_key"] = True
        if merged.get(f"{X}unique") is True or merged.get("uniqueItems") is True:
            spec["unique"] = True
        if isinstance(merged.get("description"), str):
            spec["description"] = merged["description"]
        return spec

    def convert(
        self,
        name: str,
        schema: Any,
        path: str,
        stack: tuple[str, ...],
        nested: bool,
        is_pk: bool,
        nullable: bool,
    ) -> tuple[dict[str, Any], dict[str, Any], bool] | None:
        """(generator spec, the effective schema after $ref/composition merging, whether null is allowed)."""
        if not isinstance(schema, dict):
            self.issue(path, "boolean schemas cannot be generated; give a schema object")
            return None
        if "$ref" in schema:
            return self._ref(name, schema, path, stack, nested, is_pk, nullable)
        for keyword in COMPOSITIONS:
            if keyword in schema:
                merged = self._composition(keyword, schema, path)
                if merged is None:
                    return None
                branch, null_branch = merged
                return self.convert(name, branch, path, stack, nested, is_pk, nullable or null_branch)
        for keyword in UNSUPPORTED:
            if keyword in schema:
                self.issue(_join(path, keyword), f"'{keyword}' is not supported")
                return None
        base, type_null = self._base_type(schema, path)
        if base is None:
            return None
        nullable = nullable or type_null
        values: list[Any] | None = None
        if "enum" in schema or "const" in schema:
            values = self._enum_values(schema, path)
            if values is None:
                return None
            nullable = nullable or None in schema.get("enum", [])
        override = schema.get(f"{X}type")
        if override is not None:
            spec = self._override(str(override), base, schema, path, values, stack)
        elif values is not None:
            spec = {"type": "enum", "values": values}
        else:
            spec = self._natural(name, base, schema, path, stack, is_pk)
        if spec is None:
            return None
        if is_pk and spec["type"] == "integer":
            spec["sequence"] = True
            if "min" in spec:
                spec["start"] = spec["min"]
        spec.update(_passthrough(schema))
        return spec, schema, nullable

    def _ref(
        self,
        name: str,
        schema: dict[str, Any],
        path: str,
        stack: tuple[str, ...],
        nested: bool,
        is_pk: bool,
        nullable: bool,
    ) -> tuple[dict[str, Any], dict[str, Any], bool] | None:
        ref = schema["$ref"]
        where = _join(path, "$ref")
        if ref in stack:
            chain = " -> ".join((*stack[stack.index(ref) :], ref))
            self.issue(where, f"circular $ref: {chain}")
            return None
        target = self.resolve(ref, where)
        if target is None:
            return None
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        if ref in self.table_of and ref in self.pk_of:
            table = self.table_of[ref]
            if nested:
                self.issue(where, f"a reference to table '{table}' inside a nested object is not supported")
                return None
            declared = siblings.get("type")
            type_null = isinstance(declared, list) and "null" in declared
            spec = {"type": "ref", "table": table, "field": self.pk_of[ref], **_passthrough(siblings)}
            return spec, siblings, nullable or type_null
        return self.convert(name, {**target, **siblings}, path, (*stack, ref), nested, is_pk, nullable)

    def _composition(self, keyword: str, schema: dict[str, Any], path: str) -> tuple[dict[str, Any], bool] | None:
        """``anyOf``/``oneOf`` of one schema and ``null``, or ``allOf`` of one schema, merged into its parent."""
        branches = schema[keyword]
        rest = {k: v for k, v in schema.items() if k != keyword}
        is_null = [isinstance(b, dict) and b.get("type") == "null" and len(b) == 1 for b in branches]
        real = [b for b, null in zip(branches, is_null, strict=True) if not null]
        if len(real) == 1 and isinstance(real[0], dict) and (keyword != "allOf" or not any(is_null)):
            return {**rest, **real[0]}, any(is_null)
        self.issue(
            _join(path, keyword),
            f"'{keyword}' is supported only with one schema"
            + ("" if keyword == "allOf" else " (plus an optional null)"),
        )
        return None

    def _base_type(self, schema: dict[str, Any], path: str) -> tuple[str | None, bool]:
        declared = schema.get("type")
        types = declared if isinstance(declared, list) else [declared] if declared else []
        type_null = "null" in types
        types = [t for t in types if t != "null"]
        if len(types) > 1:
            self.issue(_join(path, "type"), f"one type per field is supported, not {' or '.join(types)}")
            return None, type_null
        if types:
            return types[0], type_null
        if type_null and not ("enum" in schema or "const" in schema):
            self.issue(_join(path, "type"), "a field that is always null cannot be generated")
            return None, type_null
        if "enum" in schema or "const" in schema:
            return "enum", type_null
        if "properties" in schema:
            return "object", type_null
        if "items" in schema or "prefixItems" in schema:
            return "array", type_null
        if any(k in schema for k in ("format", "pattern", "minLength", "maxLength")):
            return "string", type_null
        if any(k in schema for k in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")):
            return "number", type_null
        if f"{X}type" in schema:
            return "any", type_null
        self.issue(path, "no 'type' given and none can be inferred")
        return None, type_null

    def _enum_values(self, schema: dict[str, Any], path: str) -> list[Any] | None:
        key = "const" if "const" in schema else "enum"
        raw = [schema["const"]] if key == "const" else list(schema["enum"])
        values = [v for v in raw if v is not None]
        bad = [v for v in values if isinstance(v, dict | list)]
        if bad:
            self.issue(_join(path, key), f"only text, number and boolean values are supported, not {bad[0]!r}")
            return None
        if not values:
            self.issue(_join(path, key), "a field that is always null cannot be generated")
            return None
        return values

    def _override(
        self,
        override: str,
        base: str,
        schema: dict[str, Any],
        path: str,
        values: list[Any] | None,
        stack: tuple[str, ...],
    ) -> dict[str, Any] | None:
        spec: dict[str, Any] = {"type": override}
        if override in NUMERIC and base in ("integer", "number"):
            bounds = self._bounds(schema, path, whole=override == "integer", step=0.01 if override == "currency" else 0)
            if bounds is None:
                return None
            spec.update(bounds)
        elif override == "enum" and values is not None:
            spec["values"] = values
        elif override == "regex" and isinstance(schema.get("pattern"), str):
            spec["pattern"] = strip_anchors(schema["pattern"])
        elif override == "json" and base == "object":
            return self._object(schema, path, stack)
        return spec

    def _natural(
        self,
        name: str,
        base: str,
        schema: dict[str, Any],
        path: str,
        stack: tuple[str, ...],
        is_pk: bool,
    ) -> dict[str, Any] | None:
        if base == "string":
            return self._string(name, schema, path, is_pk)
        if base == "integer":
            if schema.get("multipleOf", 1) != 1:
                self.issue(_join(path, "multipleOf"), "multipleOf is not supported for integers")
                return None
            bounds = self._bounds(schema, path, whole=True, step=1)
            return None if bounds is None else {"type": "integer", **bounds}
        if base == "number":
            return self._number(schema, path)
        if base == "boolean":
            return {"type": "boolean"}
        if base == "object":
            return self._object(schema, path, stack)
        if base == "array":
            self.issue(path, "arrays are not supported yet (only as the root list of a table's rows)")
            return None
        self.issue(_join(path, "type"), f"type '{base}' is not supported")
        return None

    def _string(self, name: str, schema: dict[str, Any], path: str, is_pk: bool) -> dict[str, Any] | None:
        if isinstance(schema.get("pattern"), str):
            return {"type": "regex", "pattern": strip_anchors(schema["pattern"])}
        fmt = schema.get("format")
        if fmt is not None:
            if fmt in FORMAT_GENERATORS:
                return {"type": FORMAT_GENERATORS[fmt]}
            if fmt in FORMAT_PATTERNS:
                return {"type": "regex", "pattern": FORMAT_PATTERNS[fmt]}
            known = ", ".join(sorted((*FORMAT_GENERATORS, *FORMAT_PATTERNS)))
            self.issue(_join(path, "format"), f"format '{fmt}' is not supported (supported: {known})")
            return None
        semantic = NAME_GENERATORS.get(snake(name))
        if semantic:
            return {"type": semantic}
        if is_pk:
            return {"type": "uuid"}
        return self._text(schema)

    @staticmethod
    def _text(schema: dict[str, Any]) -> dict[str, Any]:
        """Plain text; lengths become word counts (about 5 characters a word, 8 with a margin for the longest)."""
        low, high = schema.get("minLength"), schema.get("maxLength")
        if high is not None and high < 12:
            return {"type": "regex", "pattern": f"[a-z]{{{max(low or 1, 1)},{max(high, 1)}}}"}
        if low is None and high is None:
            return {"type": "text"}
        min_words = max(1, math.ceil((low or 0) / 5))
        max_words = max(1, high // 8) if high is not None else min_words + 10
        return {"type": "text", "min_words": min(min_words, max_words), "max_words": max_words}

    def _number(self, schema: dict[str, Any], path: str) -> dict[str, Any] | None:
        step = schema.get("multipleOf")
        kind, extra = "float", {}
        if step is not None:
            digits = -math.log10(step)
            if step == 0.01:
                kind = "currency"
            elif abs(digits - round(digits)) < 1e-9 and round(digits) >= 0:
                extra = {"precision": round(digits)}
            else:
                self.issue(_join(path, "multipleOf"), "multipleOf is supported only as a power of ten (0.01, 0.1, 1)")
                return None
        bounds = self._bounds(schema, path, whole=False, step=step or 0)
        return None if bounds is None else {"type": kind, **bounds, **extra}

    def _bounds(self, schema: dict[str, Any], path: str, whole: bool, step: float) -> dict[str, Any] | None:
        """min/max from minimum/maximum; exclusive bounds move in by one (integers) or by the step."""
        low, high = schema.get("minimum"), schema.get("maximum")
        ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if ex_low is True:  # draft-04 style: a flag on minimum
            ex_low, low = low, None
        if ex_high is True:
            ex_high, high = high, None
        if isinstance(ex_low, int | float) and not isinstance(ex_low, bool):
            moved = math.floor(ex_low) + 1 if whole else ex_low + step
            low = moved if low is None else max(low, moved)
        if isinstance(ex_high, int | float) and not isinstance(ex_high, bool):
            moved = math.ceil(ex_high) - 1 if whole else ex_high - step
            high = moved if high is None else min(high, moved)
        if whole:
            low = math.ceil(low) if low is not None else None
            high = math.floor(high) if high is not None else None
        out: dict[str, Any] = {}
        if low is not None:
            out["min"] = low
        if high is not None:
            out["max"] = high
        if low is not None and high is not None and high < low:
            self.issue(_join(path, "maximum"), f"no value lies between the minimum ({low}) and maximum ({high})")
            return None
        if low is not None and high is None and low > 1_000_000:
            out["max"] = low + 1_000_000
        if high is not None and low is None and high < 0:
            out["min"] = high - 1_000_000
        return out

    def _object(self, schema: dict[str, Any], path: str, stack: tuple[str, ...]) -> dict[str, Any] | None:
        props = schema.get("properties") or {}
        if not props:
            self.issue(path, "an object needs 'properties' to be generated")
            return None
        fields: dict[str, Any] = {}
        for key, sub in props.items():
            spec = self.prop(key, sub, _join(path, "properties", key), False, stack, nested=True)
            if spec is not None:
                fields[key] = spec
        if len(fields) < len(props):
            return None
        return {"type": "json", "fields": fields}


def metaschema_issues(document: Any) -> list[Issue]:
    """Every error of ``document`` against its declared metaschema (default draft 2020-12)."""
    cls = validators.validator_for(document, default=Draft202012Validator) if isinstance(document, dict) else None
    cls = cls or Draft202012Validator
    issues = []
    for error in sorted(cls(cls.META_SCHEMA).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        issues.append(Issue(path=_join("", *error.absolute_path), message=_metaschema_message(error)))
    return issues


def _metaschema_message(error: Any) -> str:
    """What the metaschema rejected, from the metaschema's side only (``error.message`` quotes the value)."""
    expected = f" (expected {error.validator_value!r})" if error.validator in ("type", "enum", "const") else ""
    return f"not a valid JSON Schema: breaks the '{error.validator}' rule{expected}"


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen: set[tuple[str, str]] = set()
    out = []
    for issue in issues:
        if (issue.path, issue.message) not in seen:
            seen.add((issue.path, issue.message))
            out.append(issue)
    return out


def load_json_schema(document: dict[str, Any], source: str) -> tuple[dict[str, Any], list[Issue]]:
    """Convert a JSON Schema document to the Doppel DSL dict, with an Issue for everything it cannot map.

    The metaschema is checked first; if the document is not valid JSON Schema nothing is converted.
    """
    if not isinstance(document, dict):
        return {}, [Issue(path="", message=f"{source}: a JSON Schema document is an object")]
    conv = _Converter(document, source)
    title = document.get("title")
    out: dict[str, Any] = {"name": slug(title) if isinstance(title, str) else conv.stem()}
    issues = metaschema_issues(document)
    if issues:
        return {**out, "tables": {}}, issues
    version_key = "version" if "version" in document else f"{X}version"
    if version_key in document:
        version = document[version_key]
        if isinstance(version, int | str) and not isinstance(version, bool):
            out["version"] = version
        else:
            conv.issue(version_key, f"a version is a number or text, got {version!r}")
    if isinstance(document.get("description"), str):
        out["description"] = document["description"]
    tables = conv.find_tables()
    for t in tables:
        conv.table_of.setdefault(t.pointer, t.name)
        pk = conv.primary_key(t.schema, t.path, report=False)
        if pk is not None:
            conv.pk_of.setdefault(t.pointer, pk)
    out["tables"] = {t.name: conv.table(t) for t in tables}
    root_mode = [t.pointer for t in tables] == ["#"]
    for key in document:
        if key.startswith(X) and key[len(X) :] not in ROOT_KEYWORDS | (TABLE_KEYWORDS if root_mode else set()):
            conv.issue(key, f"unknown document option '{key}'")
    for key, target in (("correlations", "correlations"), ("edge-cases", "edge_cases")):
        if f"{X}{key}" in document:
            out[target] = document[f"{X}{key}"]
    return out, _dedupe(conv.issues)
