"""A scenario's words into checks over concrete synthetic records (offline rules, no model).

Which table: the first table noun (``customer``, ``accounts`` ...) the expected outcome names, else the
steps, else the summary and preconditions (a data folder of one table needs none). Which columns: a
column's own name (``churn_flag``), its words joined (``NHS number`` -> ``nhs_number``), or a word that is
part of exactly one column's name (``discharge`` -> ``discharge_date``).

What is checked, from each expected outcome (a Gherkin ``Then``, a free-text expected outcome):

- comparisons: ``every contract_end is after its contract_start``, ``every balance is zero or more``,
  ``no discharge is before its admission``, ``every patient is younger than 60`` (``age(...)``);
- presence: ``every card transaction has an mcc and a merchant name``;
- check digits: ``every NHS number is valid`` (mod 11; Luhn for cards, mod 97 for IBANs);
- references: ``every transaction finds its account`` (``join transactions to accounts on account_id``);
- the REST target: ``posted to /customers`` (``with msisdn '12345'`` sets a field), ``answers 201``,
  ``HTTP 422 with an error naming the field msisdn``, ``the page /ui/customers/{customer_id} shows the
  plan`` (a browser check of the page).

Which records: those satisfying the scenario's conditions (``with churn_flag "yes"``, ``with channel
CARD``, a category word such as ``postpaid`` in ``a postpaid customer``, ``with an outstanding balance``),
holding the values the checks compare, accepted by the REST target's rules when a create must succeed (or
refused for exactly the field the scenario breaks). REST and page checks use one record, data checks up
to ``max_records`` (a seeded sample, sorted, when more qualify). An outcome Doppel cannot read is listed
as unmapped, never guessed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tools.testcases.data import DataFolder, Table
from tools.testcases.model import DataCheck, PageCheck, ReferenceCheck, RestCall, Scenario, TestPlan
from tools.testcases.rest_rules import RestDescription, RestResource, problems
from tools.testcases.rules import Operand, Rule, as_number, broken, check, column, compare, literal, parse_rule

STOP = {
    "a", "an", "the", "its", "their", "his", "her", "of", "for", "to", "in", "on", "at", "by", "with", "and", "or",
    "is", "are", "be", "been", "was", "were", "has", "have", "had", "must", "should", "every", "each", "all",
    "any", "no", "not", "value", "values", "field", "record", "records", "row", "rows", "data", "set", "synthetic",
    "new", "existing", "valid", "invalid", "i", "we", "it", "this", "that", "from", "test", "one", "some",
}  # fmt: skip
GENERIC = {"date", "name", "id", "type", "code", "number", "status", "flag", "time", "ts", "no", "nm", "dt", "key"}
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "ten": 10, "hundred": 100}
NEGATE = {">": "<=", "<": ">=", ">=": "<", "<=": ">", "=": "!=", "!=": "="}
CATEGORY_LIMIT = 30  # a column with at most this many distinct values is a category

# comparator phrases, longest first: (pattern, operator, compares ages)
COMPARATORS: list[tuple[str, str, bool]] = [
    (r"greater than or equal to|at least|no less than|not less than", ">=", False),
    (r"less than or equal to|at most|no more than|not more than", "<=", False),
    (r"younger than", "<", True),
    (r"older than", ">", True),
    (r"later than|after|follows?", ">", False),
    (r"earlier than|before|precedes?", "<", False),
    (r"greater than|more than|higher than|above|over|exceeds?", ">", False),
    (r"less than|lower than|below|under", "<", False),
    (r"equal to|equals?|the same as", "=", False),
]
_OR_MORE = re.compile(
    r"(?P<num>-?\d[\d,]*(?:\.\d+)?|zero|one|two|three|four|five|ten|hundred)\s+or\s+"
    r"(?P<dir>more|greater|above|higher|over|less|fewer|below|lower|under)\b"
)
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|“([^”]*)”")
_REST_PATH = re.compile(r"(?<![\w/])/(?!ui/)([a-z][a-z0-9_-]*)\b")
_PAGE = re.compile(r"\bpage\b(?:\s+(?P<path>/ui/[^\s]+))?.*?\b(?:shows?|displays?|contains?)\b\s+(?P<what>.+)$")
_STATUS = re.compile(r"\b(?:answers?|returns?|responds?|respond|replies|status(?: code)?|http)(?:\s+with)?\s+(\d{3})\b")
_ERROR_FIELD = re.compile(
    r"\berrors?\b.*?\b(?:naming|names|on|for|about|mentioning|mentions)\s+(?:the\s+)?(?:field\s+)?(.+)$"
)
_POST = re.compile(r"\b(?:posts?|posted|sends?|sent|submits?|submitted|creates?|created)\b")
_SELECT = re.compile(r"\b(?:select|selects|selected|choose|filter|pick|take)\b")
_JOIN = re.compile(r"\bjoin\s+(?P<child>\w+)\s+(?:to|with)\s+(?P<parent>\w+)(?:\s+on\s+(?P<col>\w+))?")
_REFERENCE = re.compile(
    r"\b(?:finds?|has|have|references?|refers?\s+to|points?\s+to|belongs?\s+to|matches?)\s+"
    r"(?:its|an?|the|their|existing|an existing)?\s*(?P<parent>\w+)"
)
_VALID = re.compile(r"\b(?:valid|passes?|pass)\b")
_WITH = re.compile(r"\bwith\s+(?P<rest>.+)$")


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("ses") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def normalise(text: str) -> str:
    """Lower case, parentheses (asides such as ``(this fails on realistic data)``) and a final stop removed."""
    text = re.sub(r"\([^)]*\)", " ", text)
    text = text.replace("’", "'")
    return re.sub(r"\s+", " ", text).strip().rstrip(".!;:").lower()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9][a-z0-9_'-]*", _QUOTED.sub(" ", text.lower()))


def _clean_word(word: str) -> str:
    return re.sub(r"'s$|'$", "", word)


@dataclass
class Columns:
    """Resolves words to the columns of one table."""

    table: Table
    nouns: set[str]
    by_name: dict[str, str] = field(default_factory=dict)
    by_part: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in self.table.columns:
            low = name.lower()
            self.by_name[low] = name
            self.by_name.setdefault(_singular(low), name)
            for part in re.split(r"[_\s-]+", low):
                if len(part) >= 3 and part not in GENERIC and part not in STOP:
                    for form in {part, _singular(part)}:
                        self.by_part.setdefault(form, []).append(name)

    def find(self, text: str) -> list[tuple[int, str]]:
        """Every column mentioned in ``text``, with the position of the word it starts at."""
        words = [_clean_word(w) for w in _words(text)]
        found: list[tuple[int, str]] = []
        i = 0
        while i < len(words):
            hit = None
            for n in (4, 3, 2, 1):
                if i + n > len(words):
                    continue
                gram = words[i : i + n]
                joined = "_".join(gram)
                name = self.by_name.get(joined) or self.by_name.get(_singular(joined))
                if name is None and n == 1 and gram[0] not in self.nouns and gram[0] not in STOP:
                    parts = self.by_part.get(gram[0]) or self.by_part.get(_singular(gram[0])) or []
                    name = parts[0] if len(set(parts)) == 1 else None
                if name is not None and gram[0] not in STOP:
                    hit = (n, name)
                    break
            if hit:
                found.append((i, hit[1]))
                i += hit[0]
            else:
                i += 1
        return found

    def first(self, text: str) -> str | None:
        found = self.find(text)
        return found[0][1] if found else None

    def last(self, text: str) -> str | None:
        found = self.find(text)
        return found[-1][1] if found else None


@dataclass
class Texts:
    """A scenario's sentences by role, normalised."""

    context: list[str]  # summary, objective, scenario name, preconditions
    actions: list[str]
    outcomes: list[str]
    raw_outcomes: list[str]
    raw_actions: list[str]

    @classmethod
    def of(cls, s: Scenario) -> Texts:
        context = [s.summary, *(x for x in (s.name, s.objective) if x), *s.preconditions]
        return cls(
            context=[normalise(t) for t in context],
            actions=[normalise(t) for t in s.steps],
            outcomes=[normalise(t) for t in s.expected],
            raw_outcomes=list(s.expected),
            raw_actions=list(s.steps),
        )

    @property
    def everything(self) -> str:
        return " . ".join(self.context + self.actions + self.outcomes)


class Planner:
    def __init__(
        self,
        data: DataFolder,
        rest: RestDescription | None = None,
        max_records: int = 100,
        seed: int = 0,
        today: date | None = None,
    ) -> None:
        self.data = data
        self.rest = rest
        self.max_records = max_records
        self.seed = seed
        self.today = today or date.today()

    # ------------------------------------------------------------------ tables

    def _table_forms(self, table: Table) -> set[str]:
        forms = {table.noun, _singular(table.noun)}
        resource = self._resource_of(table)
        if resource is not None:
            forms |= {resource.name.lower(), _singular(resource.name.lower())}
        return forms

    def _mentions(self, text: str) -> list[tuple[int, Table]]:
        out = []
        for table in self.data.tables.values():
            for form in self._table_forms(table):
                for m in re.finditer(rf"(?<![\w]){re.escape(form)}(?![\w])", text):
                    out.append((m.start(), table))
        return sorted(out, key=lambda x: x[0])

    def main_table(self, texts: Texts) -> Table | None:
        for group in (texts.outcomes, texts.actions, texts.context):
            for sentence in group:
                found = self._mentions(sentence)
                if found:
                    return found[0][1]
        tables = list(self.data.tables.values())
        return tables[0] if len(tables) == 1 else None

    def _table_named(self, word: str) -> Table | None:
        word = _singular(word.lower())
        for table in self.data.tables.values():
            if word in {_singular(f) for f in self._table_forms(table)} or word == table.name.lower():
                return table
        return None

    def _resource_of(self, table: Table) -> RestResource | None:
        if self.rest is None:
            return None
        found = self.rest.for_table(table.name)
        if found is not None:
            return found
        return self.rest.resources.get(table.noun) or self.rest.resources.get(table.name)

    # ------------------------------------------------------------------ the plan

    def plan(self, scenario: Scenario) -> TestPlan:
        plan = TestPlan(
            key=scenario.key,
            summary=scenario.summary,
            labels=list(scenario.labels),
            priority=scenario.priority,
            format=scenario.format,
        )
        if not scenario.expected:
            plan.unmapped.append("the scenario states no expected outcome")
            return plan
        texts = Texts.of(scenario)
        table = self.main_table(texts)
        if table is None:
            names = ", ".join(self.data.tables)
            plan.unmapped.append(f"no table of the data folder ({names}) is named by the scenario")
            return plan
        plan.table, plan.key_column = table.name, table.key
        nouns = self._table_forms(table) | {w for t in self.data.tables.values() for w in self._table_forms(t)}
        cols = Columns(table, nouns)
        hints = self._hints(texts, cols)
        selection = self._conditions(texts, table, cols)
        for raw, sentence in zip(texts.raw_outcomes, texts.outcomes, strict=True):
            if not self._outcome(sentence, raw, plan, table, cols, hints, texts):
                plan.unmapped.append(raw)
        if not (plan.checks or plan.references or plan.rest or plan.page):
            fallback = normalise(scenario.summary)  # "No account holds a negative balance"
            if self._outcome(fallback, scenario.summary, plan, table, cols, hints, texts):
                plan.notes.append(f"checked as the summary says: {scenario.summary}")
        self._choose(plan, table, selection)
        return plan

    # ------------------------------------------------------------------ hints from the steps

    def _hints(self, texts: Texts, cols: Columns) -> dict[str, Any]:
        hints: dict[str, Any] = {}
        for sentence in texts.actions + texts.context:
            m = re.search(r"\bage\b.*?\bfrom\s+(?:the\s+)?(.+)$", sentence)
            if m and "age_column" not in hints:
                hints["age_column"] = cols.first(m.group(1))
            m = _JOIN.search(sentence)
            if m and "join" not in hints:
                hints["join"] = (m.group("child"), m.group("parent"), m.group("col"))
        every = texts.everything
        if re.search(r"\bmod[- ]?11\b|\bnhs\b", every):
            hints["checksum"] = "nhs_valid"
        elif re.search(r"\bmod[- ]?97\b|\biban\b", every):
            hints["checksum"] = "iban_valid"
        elif re.search(r"\bluhn\b|\bcard numbers?\b|\bpan\b", every):
            hints["checksum"] = "luhn_valid"
        if "age_column" not in hints or hints["age_column"] is None:
            births = [c for c in cols.table.columns if c.lower() in ("dob", "birth_date", "date_of_birth", "birthdate")]
            hints["age_column"] = births[0] if births else None
        return hints

    # ------------------------------------------------------------------ conditions on the records

    def _conditions(self, texts: Texts, table: Table, cols: Columns) -> Rule | None:
        rules: list[Rule] = []
        for sentence in texts.context + texts.actions:
            if _POST.search(sentence) and _REST_PATH.search(sentence):
                continue  # "post the customer with msisdn '12345'": a value the test sets, not a condition
            rules += self._with_phrases(sentence, table, cols)
        for sentence in texts.context + [a for a in texts.actions if _SELECT.search(a)]:
            rules += self._category_words(sentence, table, cols)
        combined: Rule | None = None
        for rule in rules:
            combined = rule if combined is None else combined & rule
        return combined

    def _with_phrases(self, sentence: str, table: Table, cols: Columns) -> list[Rule]:
        out: list[Rule] = []
        for m in re.finditer(r"\bwith\s+(?P<rest>.+?)(?=\s+\bwith\b|$)", sentence):
            rest = m.group("rest")
            quoted = _QUOTED.search(rest)
            found = cols.find(rest)
            if not found:
                continue
            _, name = found[0]
            if quoted is not None:
                value = next(g for g in quoted.groups() if g is not None)
                out.append(compare(column(name), "~", literal(value)))
                continue
            after = re.split(rf"\b{re.escape(name.lower())}\b", rest, maxsplit=1)
            bare = _words(after[1])[:1] if len(after) == 2 else []
            values = table.distinct(name, CATEGORY_LIMIT) or []
            if bare and bare[0] in values:
                out.append(compare(column(name), "~", literal(bare[0])))
            elif bare and any(re.split(r"[\s_/-]+", v)[0] == bare[0] for v in values):
                out.append(compare(column(name), "~", literal(bare[0])))  # "channel CARD" for CARD_POS, CARD_ECOM
            elif re.match(r"(?:an?|some)\s", rest):
                numeric = self._numeric(table, name)
                out.append(compare(column(name), ">", literal(0)) if numeric else check("present", name))
        return out

    def _numeric(self, table: Table, name: str) -> bool:
        values = table.frame[name].dropna().head(200)
        return len(values) > 0 and all(as_number(v) is not None for v in values)

    def _category_words(self, sentence: str, table: Table, cols: Columns) -> list[Rule]:
        """``a postpaid customer``, ``a postpaid plan``: words just before the table's noun or a column's
        name that are values of exactly one category column."""
        words = [_clean_word(w) for w in _words(sentence)]
        anchors = self._table_forms(table) | {c.lower() for c in table.columns}
        out: list[Rule] = []
        categories = {c: table.distinct(c, CATEGORY_LIMIT) for c in table.columns}
        for i, word in enumerate(words):
            if word not in anchors and _singular(word) not in anchors:
                continue
            for candidate in words[max(0, i - 3) : i]:
                if candidate in STOP or candidate in anchors or as_number(candidate) is not None:
                    continue
                owners = [c for c, values in categories.items() if values and candidate in values]
                if len(owners) == 1:
                    rule = compare(column(owners[0]), "~", literal(candidate))
                    if rule not in out:
                        out.append(rule)
        return out

    # ------------------------------------------------------------------ outcomes

    def _outcome(
        self,
        sentence: str,
        raw: str,
        plan: TestPlan,
        table: Table,
        cols: Columns,
        hints: dict[str, Any],
        texts: Texts,
    ) -> bool:
        mapped = False
        status = _STATUS.search(sentence)
        page = _PAGE.search(sentence)
        error = _ERROR_FIELD.search(sentence)
        if status or error or page:
            resource = self._resource_for(sentence, texts, table)
            if resource is None:
                return False
            if status or error:
                call = plan.rest or self._rest_call(texts, resource, cols)
                if status:
                    call.expect_status = int(status.group(1))
                if error:
                    call.error_field = cols.first(error.group(1))
                call.fresh = (call.expect_status or 200) < 300
                plan.rest = call
                mapped = True
            if page:
                shown = [c for _, c in cols.find(page.group("what"))]
                page_resource = self._page_resource(page.group("path"), resource)
                if shown:
                    plan.page = PageCheck(resource=page_resource, fields=shown)
                    mapped = True
            return mapped
        reference = self._reference(sentence, table, cols, hints, raw)
        if reference is not None:
            plan.references.append(reference)
            return True
        rule = self._rule(sentence, table, cols, hints)
        if rule is not None:
            plan.checks.append(DataCheck(rule=rule.text(), source=raw))
            return True
        return False

    def _resource_for(self, sentence: str, texts: Texts, table: Table) -> str | None:
        for text in [sentence, *texts.actions, *texts.outcomes]:
            m = _REST_PATH.search(text)
            if m:
                return m.group(1)
        resource = self._resource_of(table)
        return resource.name if resource is not None else table.noun

    @staticmethod
    def _page_resource(path: str | None, resource: str) -> str:
        if path:
            parts = [p for p in path.split("/") if p]
            if len(parts) >= 2:
                return parts[1]
        return resource

    def _rest_call(self, texts: Texts, resource: str, cols: Columns) -> RestCall:
        call = RestCall(resource=resource)
        for raw, sentence in zip(texts.raw_actions, texts.actions, strict=True):
            if not (_POST.search(sentence) and _REST_PATH.search(sentence)):
                continue
            call.resource = _REST_PATH.search(sentence).group(1)  # type: ignore[union-attr]
            for m in re.finditer(r"\bwith\s+(?P<col>[\w ]+?)\s+(?:'([^']*)'|\"([^\"]*)\")", raw, re.I):
                name = cols.first(m.group("col"))
                if name is not None:
                    call.overrides[name] = m.group(2) if m.group(2) is not None else m.group(3)
        return call

    def _reference(
        self, sentence: str, table: Table, cols: Columns, hints: dict[str, Any], raw: str
    ) -> ReferenceCheck | None:
        m = _REFERENCE.search(sentence)
        if not m:
            return None
        parent = self._table_named(m.group("parent"))
        if parent is None or parent is table:
            return None
        joined = hints.get("join")
        on = joined[2] if joined and joined[2] else None
        name = next((c for c in table.columns if on and c.lower() == on.lower()), None)
        if name is None and parent.key in table.columns:
            name = parent.key
        if name is None:
            return None
        parent_column = name if name in parent.columns else parent.key
        return ReferenceCheck(column=name, parent_table=parent.name, parent_column=parent_column, source=raw)

    def _rule(self, sentence: str, table: Table, cols: Columns, hints: dict[str, Any]) -> Rule | None:
        negated = bool(re.match(r"(?:no|none of the|not one)\b", sentence)) or bool(re.search(r"\bnever\b", sentence))
        if re.search(r"\bnegative\b", sentence) or re.search(r"\bpositive\b", sentence):
            name = cols.last(sentence)
            if name is not None:
                op = "<" if "negative" in sentence else ">"
                return compare(column(name), NEGATE[op] if negated else op, literal(0))
        m = _OR_MORE.search(sentence)
        if m:
            left_text = sentence[: m.start()]
            number = self._number(m.group("num"))
            op = ">=" if m.group("dir") in ("more", "greater", "above", "higher", "over") else "<="
            left = self._left(left_text, cols, hints, ages=False)
            if left is not None and number is not None:
                return compare(left, NEGATE[op] if negated else op, literal(number))
        for pattern, op, ages in COMPARATORS:
            m = re.search(rf"\b(?:{pattern})\b", sentence)
            if not m:
                continue
            left = self._left(sentence[: m.start()], cols, hints, ages=ages)
            right = self._right(sentence[m.end() :], cols)
            if left is not None and right is not None:
                return compare(left, NEGATE[op] if negated else op, right)
        if _VALID.search(sentence) and hints.get("checksum"):
            name = cols.first(sentence)
            if name is not None:
                return check(hints["checksum"], name)
        m = re.search(r"\b(?:has|have|carries|carry|holds?|contains?)\s+(?P<what>.+)$", sentence)
        if m:
            names = []
            for part in re.split(r"\s*(?:,|\band\b)\s*", m.group("what")):
                name = cols.first(part)
                if name is not None and name not in names:
                    names.append(name)
            if names:
                rule = check("present", names[0])
                for name in names[1:]:
                    rule = rule & check("present", name)
                return rule
        return None

    def _left(self, text: str, cols: Columns, hints: dict[str, Any], ages: bool) -> Any:
        if ages:
            name = hints.get("age_column")
            return None if name is None else _age(name)
        name = cols.last(text)
        return column(name) if name is not None else None

    def _right(self, text: str, cols: Columns) -> Any:
        quoted = _QUOTED.search(text)
        if quoted:
            return literal(next(g for g in quoted.groups() if g is not None))
        words = _words(text)
        for word in words[:4]:
            number = self._number(word)
            if number is not None:
                return literal(number)
        name = cols.first(text)
        return column(name) if name is not None else None

    @staticmethod
    def _number(word: str) -> float | None:
        if word in NUMBER_WORDS:
            return float(NUMBER_WORDS[word])
        return as_number(word.replace(",", ""))

    # ------------------------------------------------------------------ choosing the records

    def _choose(self, plan: TestPlan, table: Table, selection: Rule | None) -> None:
        needed = [name for c in plan.checks for name in parse_rule(c.rule).compared_columns()]
        needed += [r.column for r in plan.references] + (plan.page.fields if plan.page else [])
        rule = selection
        for name in dict.fromkeys(needed):  # a record the checks can read: the values they compare are there
            rule = check("present", name) if rule is None else rule & check("present", name)
        resource = None
        target = plan.rest.resource if plan.rest is not None else plan.page.resource if plan.page else None
        if target is not None and self.rest is not None:
            resource = self.rest.resources.get(target)
            if resource is not None:
                refused = plan.rest.error_field if plan.rest and (plan.rest.expect_status or 0) >= 400 else None
                plan.notes.append(
                    f"records the REST target refuses for {refused} alone" if refused
                    else f"records the REST target's rules for /{target} accept"
                )  # fmt: skip
        chosen: list[str] = []
        for key, record in table.records():
            if rule is not None and broken(rule, record, self.today):
                continue
            if resource is not None and not self._accepted(plan, resource, record):
                continue
            chosen.append(key)
        plan.selection = rule.text() if rule is not None else None
        plan.candidates = len(chosen)
        if not chosen:
            plan.notes.append(
                f"no record of {table.name} satisfies {plan.selection or 'the scenario'}"
                + (" and the REST target's rules" if resource is not None else "")
            )
            return
        wanted = 1 if (plan.rest or plan.page) and not plan.uses_database else self.max_records
        if len(chosen) > wanted:
            digest = hashlib.sha256(f"{self.seed}:{plan.key}".encode()).digest()
            rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
            picked = sorted(rng.choice(len(chosen), size=wanted, replace=False).tolist())
            chosen = [chosen[i] for i in picked]
        plan.records = chosen

    def _accepted(self, plan: TestPlan, resource: RestResource, record: dict[str, Any]) -> bool:
        call = plan.rest
        sent = {**record, **(call.overrides if call else {})}
        refused = problems(resource, sent)
        if call is not None and call.expect_status is not None and call.expect_status >= 400:
            wanted = {call.error_field} if call.error_field else set(call.overrides)
            return bool(refused) and set(refused) <= wanted
        return not refused


def _age(name: str) -> Operand:
    return Operand("age", name)


def plan_scenarios(
    scenarios: list[Scenario],
    data: DataFolder,
    rest: RestDescription | None = None,
    max_records: int = 100,
    seed: int = 0,
    today: date | None = None,
) -> list[TestPlan]:
    planner = Planner(data, rest, max_records=max_records, seed=seed, today=today)
    return [planner.plan(s) for s in scenarios]
