"""Attack a rendered report: can a reader recover a suppressed count from what it publishes?

The check reads only the rendered HTML — every table cell and every number in the text,
as a reader would — and tries what an attacker would (Hundepool et al., *Statistical
Disclosure Control*, 2012, ch. 4 and 6):

1. **Totals from pairs.** A total and the same total per participant (a ledger line and its
   "per participant" column, the NPV and the net gain per participant, the cost and the cost
   per participant) pin the number of participants: with ``A`` shown as 244.0 million
   (244.05 at most) and ``a`` as 70 379 kr, ``N`` lies in ``[A_low / a_high, A_high / a_low]``.
   Every pair of published amounts gives such an interval; every published whole number is a
   candidate total too.
2. **Subtraction.** For every table column with suppressed cells (``"<5"``, or rows left out
   as a note under the table says: "2 sites are not shown") the shown cells add up to ``S``; a candidate total ``T`` leaves ``T - S`` for the hidden cells. One hidden
   cell and a narrow ``T``: the cell is recovered. Several: each lies in ``[0, T - S]``.
3. **Rates.** A row that hides a count but shows a share and another count gives the count
   back as share x count (to the share's rounding).

A count is *recovered* when its interval is narrower than the threshold (``max - min <
5``). :func:`attack_report` returns every recovery it finds; :func:`impact.report.render`
refuses to publish a report with one (the rendered files are removed) and the tests attack
fixture reports with small sites. It is deliberately an outsider's attack with no access to
the bundle; :mod:`impact.report.protection` is the insider's audit that prevents what this
finds.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from impact.report.disclosure import THRESHOLD

__all__ = ["Recovery", "attack_report", "read_published"]

_SPACE = "[\u00a0\u202f ]"
_NB_MONEY = re.compile(
    rf"(?P<num>[−-]?\d{{1,3}}(?:{_SPACE}\d{{3}})*(?:,\d+)?){_SPACE}?"
    rf"(?P<unit>mrd\.{_SPACE}?kr|mill\.{_SPACE}?kr|kr\b)"
)
_EN_MONEY = re.compile(
    rf"NOK{_SPACE}?(?P<num>[−-]?\d{{1,3}}(?:,\d{{3}})*(?:\.\d+)?)"
    rf"(?:{_SPACE}?(?P<unit>billion|million))?"
)
_NB_COUNT = re.compile(
    rf"(?<![\d,.])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d,])|(?<![\d,.])\d+(?![\d,.])"
)
_EN_COUNT = re.compile(r"(?<![\d,.])\d{1,3}(?:,\d{3})+(?![\d.])|(?<![\d,.])\d+(?![\d,.])")
_PERCENT = {"nb": re.compile(r"^(\d+(?:,\d+)?)\s?%$"), "en": re.compile(r"^(\d+(?:\.\d+)?)\s?%$")}
#: A note saying rows were left out, and the column that counts the persons in them.
_OMITTED = re.compile(r"(\d+) (?:steder|sites) (?:vises ikke|er ikke vist|are not shown)")
_PARTICIPANTS = {"deltakere", "participants"}
_SCALE = {"mrd": 1e9, "mill": 1e6, "kr": 1.0, "billion": 1e9, "million": 1e6, None: 1.0}


@dataclass(frozen=True)
class Recovery:
    """A suppressed count a reader can narrow below the threshold."""

    table: str
    column: str
    low: float
    high: float
    how: str


class _Reader(HTMLParser):
    """Collects the text and the tables (rows of cell texts) of an HTML page, and for each
    piece of text the table it stands in (``owner``: ``id`` of the outermost table's rows,
    ``None`` outside tables), so a table can be attacked with what is published elsewhere."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.owner: list[int | None] = []
        self.tables: list[list[list[str]]] = []
        self._stack: list[list[list[str]]] = []
        self._cell: list[str] | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._stack:
            if self._stack[-1]:
                self._stack[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        self.owner.append(id(self._stack[0]) if self._stack else None)
        if self._cell is not None:
            self._cell.append(data)


def _read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    return reader


def read_published(html: str) -> tuple[str, list[list[list[str]]]]:
    """The page's visible text and its tables (each a list of rows of cell texts)."""
    reader = _read(html)
    return " ".join(reader.text), reader.tables


def _number(text: str, lang: str) -> tuple[float, float]:
    """A shown number as the interval its rounding allows."""
    clean = re.sub(_SPACE, "", text).replace("−", "-")
    if lang == "nb":
        clean = clean.replace(",", ".")
    else:
        clean = clean.replace(",", "")
    value = float(clean)
    decimals = len(clean.split(".")[1]) if "." in clean else 0
    half = 0.5 * 10.0**-decimals
    return value - half, value + half


def _amounts(text: str, lang: str) -> list[tuple[float, float]]:
    out = []
    for m in (_NB_MONEY if lang == "nb" else _EN_MONEY).finditer(text):
        unit = m.group("unit")
        key = None if unit is None else unit.split(".")[0].split("\u00a0")[0]
        scale = _SCALE.get(key, 1.0)
        low, high = _number(m.group("num"), lang)
        out.append((min(abs(low), abs(high)) * scale, max(abs(low), abs(high)) * scale))
    return out


def _whole(cell: str, lang: str) -> tuple[float, float] | None:
    """A table cell that is one whole number (a count), as its interval; else None."""
    pattern = _NB_COUNT if lang == "nb" else _EN_COUNT
    cell = cell.strip()
    if not pattern.fullmatch(cell):
        return None
    value = _number(cell, lang)[0] + 0.5
    return value, value


def _counts(text: str, lang: str) -> list[float]:
    pattern = _NB_COUNT if lang == "nb" else _EN_COUNT
    return [_number(m.group(0), lang)[0] + 0.5 for m in pattern.finditer(text)]


def _candidate_totals(text: str, lang: str) -> list[tuple[float, float, str]]:
    """Intervals a reader can place a total of persons in: shown whole numbers, and every
    ratio of a published amount to a published amount at least 100 times smaller."""
    money = _NB_MONEY if lang == "nb" else _EN_MONEY
    plain = money.sub(" ", text)
    found = [(c, c, f"the published number {c:g}") for c in sorted(set(_counts(plain, lang)))]
    amounts = sorted(set(a for a in _amounts(text, lang) if a[0] > 0))
    ratios = []
    for (a_low, a_high), (b_low, b_high) in itertools.permutations(amounts, 2):
        if a_low < 100 * b_high:
            continue
        low, high = a_low / b_high, a_high / b_low
        if high - low < 10 * THRESHOLD:
            ratios.append((low, high, f"the ratio of two amounts ({a_low:.4g} / {b_low:.4g})"))
    found += ratios
    # pairs that agree pin the same total: intersect each with every ratio it overlaps
    for low, high, _ in ratios:
        near = [(lo, hi) for lo, hi, _ in ratios if lo <= high and hi >= low]
        if len(near) > 1:
            both = (max(lo for lo, _ in near), min(hi for _, hi in near))
            if both[0] <= both[1]:
                found.append((*both, f"{len(near)} ratios of amounts that agree"))
    return found


def attack_report(
    path: str | Path, *, lang: str | None = None, threshold: int = THRESHOLD
) -> list[Recovery]:
    """Every suppressed count of a rendered HTML report a reader can narrow below ``threshold``.

    ``lang`` defaults to the file name (``*.en.html`` is English, otherwise bokmål).
    """
    path = Path(path)
    lang = lang or ("en" if path.name.endswith(".en.html") else "nb")
    reader = _read(path.read_text(encoding="utf-8"))
    marker = f"<{threshold}"
    found: list[Recovery] = []
    for table in reader.tables:
        # totals published elsewhere: the page without this table and without the markers
        # (matching the table's cells against the page text would miss: the page text also
        # holds the whitespace between the tags)
        elsewhere = " ".join(
            t for t, owner in zip(reader.text, reader.owner, strict=True) if owner != id(table)
        )
        totals = _candidate_totals(elsewhere.replace(marker, " "), lang)
        caption = table[0][0] if table and len(table[0]) == 1 else ""
        rows = [r for r in table if len(r) > 1]
        if len(rows) < 2:
            continue
        header, body = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
        # rows left out altogether, as a note under the table says ("2 sites are not shown")
        notes = " ".join(r[0] for r in table[1:] if len(r) == 1)
        omitted = sum(int(m.group(1)) for m in _OMITTED.finditer(notes))
        for j, name in enumerate(header):
            cells = [r[j] for r in body]
            hidden = [c == marker for c in cells]
            if omitted and name.strip().lower() in _PARTICIPANTS:
                hidden += [True] * omitted
                cells += [marker] * omitted
            if not any(hidden):
                continue
            parsed = [_whole(c, lang) for c, h in zip(cells, hidden, strict=True) if not h]
            if any(p is None for p in parsed):
                continue  # not a count column (a share, an estimate, a name)
            shown = [p for p in parsed if p is not None]
            s_low, s_high = sum(x[0] for x in shown), sum(x[1] for x in shown)
            k = sum(hidden)
            for t_low, t_high, how in totals:
                low, high = max(0.0, t_low - s_high), t_high - s_low
                if t_high < s_low:
                    continue
                # one hidden cell must be a small one (a complementary suppression comes with
                # another): a total that leaves it >= threshold is not its column's total
                if (k == 1 and high - low < threshold and low < threshold) or (
                    k > 1 and high < threshold
                ):
                    found.append(Recovery(caption, name, low, high,
                                          f"{how} minus the {len(shown)} shown cells"))  # fmt: skip
        found += _rates(body, header, caption, marker, lang, threshold)
    return found


def _rates(body: list[list[str]], header: list[str], caption: str, marker: str, lang: str,
           threshold: int) -> list[Recovery]:  # fmt: skip
    """A hidden count in a row that shows a share and a count: share x count."""
    found = []
    for row in body:
        shares = [_PERCENT[lang].match(c.replace("\u00a0", " ")) for c in row]
        counts = [_whole(c, lang) for c in row]
        for j, cell in enumerate(row):
            if cell != marker:
                continue
            for share, count in itertools.product(
                [s for s in shares if s], [c for c in counts if c]
            ):
                p_low, p_high = _number(share.group(1), lang)
                low, high = p_low / 100 * count[0], p_high / 100 * count[1]
                if high - low < threshold and high >= 0:
                    found.append(Recovery(caption, header[j], low, high, "a share times a count"))
    return found
