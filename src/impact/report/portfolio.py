"""The portfolio page: every programme on one page, with links to its reports.

``reports/_output/index.html`` (bokmål) and ``index.en.html`` (English) list, for each
programme with a complete results bundle, the headline effect with its 95 % interval, the
net present value, P(NPV > 0), the benefit–cost ratio and the verdict (the label of
:func:`impact.plain_language.payoff_summary`, through :func:`impact.report.text.summary_verdict`),
and link the reports that exist (nb/en, HTML/PDF). Nothing but numbers already on each
report's first page is shown (no counts of persons), and the page is self-contained: no
script, no font or style sheet from the network.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from impact.bundle import Bundle
from impact.errors import BundleError
from impact.plain_language import (
    check_lang,
    format_interval,
    format_nok,
    format_number,
    format_percentage_points,
    format_probability,
)
from impact.report.rendering import output_name
from impact.report.study import Study
from impact.report.text import headline_estimate, summary_verdict

_OTHER = {"nb": ("English", "index.en.html"), "en": ("Norsk (bokmål)", "index.html")}
"""The link to the page in the other language."""

_WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Porteføljen: virket programmene, og lønner de seg?",
        "intro": "Hvert programs hovedresultat, fra analysens resultatpakke. Tallene er de samme "
        "som på første side i hver rapport.",
        "programme": "Program",
        "effect": "Effekt (95 %-intervall)",
        "npv": "Netto nåverdi",
        "p": "P(lønner seg)",
        "bcr": "Nytte–kostnadsbrøk",
        "verdict": "Vurdering",
        "reports": "Rapporter",
        "missing": "Ingen fullstendig resultatpakke ennå: kjør `impact run {p}`.",
        "synthetic": "Alle tall bygger på syntetiske data med kjent sann effekt.",
    },
    "en": {
        "title": "The portfolio: did the programmes work, and do they pay?",
        "intro": "Each programme's main result, from its results bundle. The numbers are those "
        "on the first page of each report.",
        "programme": "Programme",
        "effect": "Effect (95% interval)",
        "npv": "Net present value",
        "p": "P(pays off)",
        "bcr": "Benefit–cost ratio",
        "verdict": "Verdict",
        "reports": "Reports",
        "missing": "No complete results bundle yet: run `impact run {p}`.",
        "synthetic": "All numbers come from synthetic data with a known true effect.",
    },
}

_STYLE = """
body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.5rem;text-align:left;vertical-align:top}
th{background:#f3f4f6}td.num{white-space:nowrap}a{color:#0b4f8a;white-space:nowrap}
@media (max-width:40rem){table,thead,tbody,tr,th,td{display:block}thead{display:none}
td{border:none;padding:.2rem 0}tr{border-bottom:1px solid #ddd;padding:.5rem 0}
td[data-label]::before{content:attr(data-label) ": ";color:#555}}
"""


def portfolio_page(
    programmes: Sequence[str], *, results_dir: str | Path, output_dir: str | Path, lang: str = "nb"
) -> str:
    """The portfolio page's HTML for ``programmes`` (links only to reports that exist)."""
    lang = check_lang(lang)
    w = _WORDS[lang]
    out = Path(output_dir)
    rows, synthetic = [], False
    for programme in programmes:
        links = _links(programme, out)
        try:
            bundle = Bundle.open(results_dir, programme)
        except BundleError:
            rows.append(
                f"<tr><td>{html.escape(programme)}</td>"
                f"<td colspan='5'>{_code(html.escape(w['missing'].format(p=programme)))}</td>"
                f"<td>{links}</td></tr>"
            )
            continue
        synthetic = synthetic or bool(bundle.metadata.get("synthetic"))
        rows.append(_row(bundle, links, lang, w))
    other_name, other_file = _OTHER[lang]
    head = "".join(
        f"<th scope='col'>{w[k]}</th>"
        for k in ("programme", "effect", "npv", "p", "bcr", "verdict", "reports")
    )
    note = f"<p><em>{w['synthetic']}</em></p>" if synthetic else ""
    return (
        f"<!DOCTYPE html><html lang='{'nb' if lang == 'nb' else 'en'}'><head>"
        "<meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(w['title'])}</title><style>{_STYLE}</style></head><body>"
        f"<p><a href='{other_file}' hreflang='{'en' if lang == 'nb' else 'nb'}'>{other_name}</a></p>"
        f"<h1>{html.escape(w['title'])}</h1><p>{html.escape(w['intro'])}</p>{note}"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )


def write_portfolio(
    programmes: Sequence[str],
    *,
    results_dir: str | Path = "results",
    output_dir: str | Path = "reports/_output",
    langs: Sequence[str] = ("nb", "en"),
) -> list[Path]:
    """Write ``index.html`` (nb) and ``index.en.html`` (en) into ``output_dir``."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for lang in langs:
        path = out / output_name("index", "html", lang=lang)
        path.write_text(
            portfolio_page(programmes, results_dir=results_dir, output_dir=out, lang=lang),
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def _links(programme: str, out: Path) -> str:
    labels = {"nb": "bokmål", "en": "English"}
    found = []
    for lang in ("nb", "en"):
        for fmt in ("html", "pdf"):
            name = output_name(programme, fmt, lang=lang)
            if (out / name).is_file():
                found.append(f"<a href='{name}'>{labels[lang]} {fmt.upper()}</a>")
    return "<br>".join(found) or "–"


def _code(text: str) -> str:
    """`command` in the words as <code>command</code>."""
    parts = text.split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _row(bundle: Bundle, links: str, lang: str, w: dict[str, str]) -> str:
    meta = bundle.metadata
    name = Study.from_metadata(meta).title[lang]  # the study's title, not the programme key
    effect = "–"
    if bundle.has_table("estimates"):
        row = headline_estimate(bundle.read_table("estimates"))
        lo, hi = float(row["ci_lower"]), float(row["ci_upper"])
        effect = format_percentage_points(float(row["estimate"]), lang=lang)
        if np.isfinite(lo) and np.isfinite(hi):
            effect += f" ({format_interval(lo, hi, lang=lang)})"
    npv = p = bcr = verdict = "–"
    if bundle.has_table("appraisal_summary"):
        summary = bundle.read_table("appraisal_summary")
        values = dict(zip(summary["quantity"], summary["estimate"], strict=True))
        if "npv" in values:
            npv = format_nok(float(values["npv"]), lang=lang)
        if "p_npv_positive" in values:
            p = format_probability(float(values["p_npv_positive"]), lang=lang)
        if "benefit_cost_ratio" in values:
            bcr = format_number(float(values["benefit_cost_ratio"]), lang=lang, decimals=1)
        payoff = summary_verdict(summary, lang=lang)
        if payoff is not None:
            verdict = payoff.label  # the table-cell words; the numbers stand beside it
    cells = [
        ("programme", name),
        ("effect", effect),
        ("npv", npv),
        ("p", p),
        ("bcr", bcr),
        ("verdict", verdict),
    ]
    tds = "".join(
        f"<td data-label='{html.escape(w[key])}'{' class=num' if key in ('npv', 'p', 'bcr') else ''}>"
        f"{html.escape(value)}</td>"
        for key, value in cells
    )
    return f"<tr>{tds}<td data-label='{html.escape(w['reports'])}'>{links}</td></tr>"


__all__ = ["portfolio_page", "write_portfolio"]
