"""Tables that fit the terminal, for every `doppel` command that prints rows.

Short cells (ids, names, states, numbers) are never wrapped or cut; long text (evidence, notes) wraps
at spaces and keeps at least its ``readable`` width. The first layout that fits the width is used:

1. a table, every column side by side;
2. aligned blocks: the short cells of a row on one line under a header line, its long text below,
   indented (a table without rules, so long text gets the whole width);
3. the same two without the columns marked ``optional`` (fewer columns);
4. labelled blocks: a row's first cell on a line, then ``header: value`` pairs, each kept whole.

So no line is wider than the terminal and no name, role or piece of evidence is cut mid-word.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, JustifyMethod, RenderableType, RenderResult
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

GAP = 2  # spaces between cells on a block line
INDENT = 4  # what belongs to the row above


@dataclass(frozen=True)
class Column:
    """``wrap``: long text that may wrap at spaces (never narrower than ``readable`` or its longest word).
    ``optional``: left out, rather than the row split into blocks, when the terminal is narrow."""

    header: str
    justify: JustifyMethod = "left"
    wrap: bool = False
    readable: int = 24
    optional: bool = False


Row = tuple[list[Text], str | None]


class FitTable:
    """Rows of markup cells, laid out for the console's width when printed."""

    def __init__(self, columns: Sequence[Column], *, title: str | None = None, caption: str | None = None) -> None:
        self.columns = list(columns)
        self.title = title
        self.caption = caption
        self.rows: list[Row] = []

    def add_row(self, *cells: str, style: str | None = None) -> None:
        """Cells are rich markup (escape user text); one per column."""
        self.rows.append(([Text.from_markup(c) for c in cells], style))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        everything = list(range(len(self.columns)))
        required = [i for i in everything if not self.columns[i].optional]
        for keep in (everything, required) if required != everything else (everything,):
            widths = self._widths(keep, width)
            if widths is not None:
                yield self._table(keep, widths)
                return
            if self._aligned_fits(keep, width):
                yield from self._aligned(keep)
                return
        yield from self._labelled(width)

    # ------------------------------------------------------------------ 1. a table

    def _natural(self, i: int) -> int:
        return max([len(self.columns[i].header)] + [cells[i].cell_len for cells, _ in self.rows])

    def _widths(self, keep: list[int], width: int) -> list[int] | None:
        """Widths (without padding) of the kept columns side by side within ``width``, or None."""
        natural = [self._natural(i) for i in keep]
        minimum = [
            max(len(self.columns[i].header), self._longest_word(i), min(n, self.columns[i].readable))
            if self.columns[i].wrap
            else n
            for i, n in zip(keep, natural, strict=True)
        ]
        room = width - (3 * len(keep) - 1)  # a space of padding each side of a cell, a rule between cells
        if sum(minimum) > room:
            return None
        widths, spare = list(minimum), room - sum(minimum)
        growing = [k for k, i in enumerate(keep) if self.columns[i].wrap and widths[k] < natural[k]]
        while spare and growing:  # what is left goes to the long-text columns, one character at a time
            for k in list(growing):
                if spare:
                    widths[k] += 1
                    spare -= 1
                if widths[k] == natural[k]:
                    growing.remove(k)
        return widths

    def _table(self, keep: list[int], widths: list[int]) -> Table:
        table = Table(title=self.title, caption=self.caption, show_edge=False)
        for i, width in zip(keep, widths, strict=True):
            column = self.columns[i]
            table.add_column(
                column.header,
                justify=column.justify,
                width=width,
                no_wrap=not column.wrap,
                overflow="fold",
            )
        for cells, style in self.rows:
            table.add_row(*(cells[i] for i in keep), style=style)
        return table

    # ------------------------------------------------------------------ 2. aligned blocks

    def _short(self, keep: list[int]) -> list[int]:
        return [i for i in keep if not self.columns[i].wrap]

    def _aligned_widths(self, keep: list[int]) -> list[int]:
        return [max(self._natural(i), 1) for i in self._short(keep)]

    def _aligned_fits(self, keep: list[int], width: int) -> bool:
        short = self._short(keep)
        long_fit = all(max(self._longest_word(i), 1) <= width - INDENT for i in keep if i not in short)
        return sum(self._aligned_widths(keep)) + GAP * (len(short) - 1) <= width and long_fit

    def _aligned(self, keep: list[int]) -> Iterator[RenderableType]:
        short, widths = self._short(keep), self._aligned_widths(keep)
        long = [i for i in keep if i not in short]
        yield from self._heading()
        yield _padded([Text(self.columns[i].header, style="bold") for i in short], widths)
        if long:
            yield Padding(
                Text(" / ".join(self.columns[i].header for i in long), style="bold"), (0, 0, 0, INDENT), expand=False
            )
        for cells, style in self.rows:
            yield _padded([cells[i] if cells[i].plain else Text("-") for i in short], widths, style)
            for i in long:
                if cells[i].plain:
                    yield Padding(_styled(cells[i], style), (0, 0, 0, INDENT), expand=False)
        yield from self._footing()

    # ------------------------------------------------------------------ 4. labelled blocks

    def _labelled(self, width: int) -> Iterator[RenderableType]:
        yield from self._heading()
        for cells, style in self.rows:
            yield _styled(cells[0], style)
            line = Text(" " * INDENT)
            texts: list[Text] = []  # long text: on its own line(s) after the short pairs, wrapped under its label
            for column, cell in zip(self.columns[1:], cells[1:], strict=True):
                if not cell.plain:
                    continue
                pair = Text.assemble((f"{column.header}: ", "dim"), _styled(cell, style))
                if column.wrap:
                    texts.append(pair)
                elif line.plain.strip() and line.cell_len + GAP + pair.cell_len > width:
                    yield line
                    line = Text(" " * INDENT).append_text(pair)
                else:
                    line.append(" " * GAP if line.plain.strip() else "").append_text(pair)
            if line.plain.strip():
                yield line
            yield from (Padding(text, (0, 0, 0, INDENT), expand=False) for text in texts)
        yield from self._footing()

    # ------------------------------------------------------------------ shared

    def _heading(self) -> Iterator[Text]:
        if self.title:
            yield Text.from_markup(self.title, style="table.title")

    def _footing(self) -> Iterator[Text]:
        if self.caption:
            yield Text.from_markup(self.caption, style="table.caption")

    def _longest_word(self, i: int) -> int:
        return max((len(word) for cells, _ in self.rows for word in cells[i].plain.split()), default=0)


def _styled(cell: Text, style: str | None) -> Text:
    if not style:
        return cell
    text = cell.copy()
    text.stylize(style)
    return text


def _padded(cells: list[Text], widths: list[int], style: str | None = None) -> Text:
    """Cells left-aligned in columns of ``widths``, two spaces apart."""
    line = Text(style=style or "")
    for i, (cell, size) in enumerate(zip(cells, widths, strict=True)):
        line.append_text(cell)
        if i < len(cells) - 1:
            line.append(" " * (size - cell.cell_len + GAP))
    return line
