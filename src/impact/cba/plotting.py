"""Figures of an :class:`~impact.cba.results.Appraisal` (matplotlib, headless-safe)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from impact.cba.results import Appraisal

_PARTY_LABELS = {
    "kommune": "Kommune",
    "fylkeskommune": "Fylkeskommune",
    "stat": "Stat",
    "participant": "Participant",
    "rest_of_society": "Rest of society",
}


def _axes(ax: Any, figsize: tuple[float, float]) -> tuple[Figure, Any]:
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
        return fig, ax
    return ax.figure, ax


def _npv(app: Appraisal, ax: Any) -> Figure:
    fig, ax = _axes(ax, (7, 4))
    x = app.npv_draws / 1e6
    bins = 60 if np.ptp(x) > 0 else 1
    ax.hist(x, bins=bins, color="#4c72b0", alpha=0.8)
    ax.axvline(0, color="black", lw=1)
    ax.axvline(app.npv / 1e6, color="#c44e52", lw=1.5, ls="--", label="expected NPV")
    ax.set_xlabel(f"Societal NPV (NOK million, {app.programme.price_year} prices)")
    ax.set_ylabel("Draws")
    ax.set_title(f"{app.programme.name}: P(NPV > 0) = {app.prob_positive:.2f}")
    ax.legend(frameon=False)
    return fig


def _ledger(app: Appraisal, ax: Any) -> Figure:
    fig, ax = _axes(ax, (9, 4.5))
    table = app.ledger(by="item")
    parties = list(_PARTY_LABELS)
    pos = np.zeros(len(parties))
    neg = np.zeros(len(parties))
    for item, rows in table.groupby("item", sort=False):
        values = rows.set_index("party")["pv"].reindex(parties).fillna(0.0).to_numpy() / 1e6
        if not np.any(values):
            continue
        bottom = np.where(values >= 0, pos, neg)
        ax.barh(range(len(parties)), values, left=bottom, label=str(item))
        pos += np.clip(values, 0, None)
        neg += np.clip(values, None, 0)
    totals = pos + neg
    ax.scatter(totals, range(len(parties)), color="black", zorder=3, marker="D", label="net")
    ax.axvline(0, color="black", lw=0.8)
    ax.margins(x=0.05)
    ax.set_yticks(range(len(parties)), [_PARTY_LABELS[p] for p in parties])
    ax.invert_yaxis()
    ax.set_xlabel("Present value (NOK million)")
    ax.set_title(f"{app.programme.name}: who pays and who gains")
    ax.legend(frameon=False, fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def _tornado(app: Appraisal, ax: Any) -> Figure:
    fig, ax = _axes(ax, (7, 4))
    table = app.tornado().head(12)
    centre = app.deterministic_npv / 1e6
    y = np.arange(len(table))
    lo = table["low_npv"].to_numpy() / 1e6
    hi = table["high_npv"].to_numpy() / 1e6
    ax.barh(y, lo - centre, left=centre, color="#c44e52", label="parameter at low value")
    ax.barh(y, hi - centre, left=centre, color="#55a868", label="parameter at high value")
    ax.axvline(centre, color="black", lw=1)
    ax.set_yticks(y, table["parameter"].tolist())
    ax.invert_yaxis()
    ax.set_xlabel("Societal NPV (NOK million)")
    ax.set_title(f"{app.programme.name}: one-way sensitivity")
    ax.legend(frameon=False, fontsize="small")
    return fig


def plot_appraisal(app: Appraisal, kind: str, *, ax: Any = None) -> Figure:
    """Dispatch for :meth:`Appraisal.plot`."""
    drawers = {"npv": _npv, "ledger": _ledger, "tornado": _tornado}
    if kind not in drawers:
        raise ValueError(f"kind={kind!r}; use one of {sorted(drawers)}.")
    fig = drawers[kind](app, ax)
    fig.tight_layout()
    return fig


__all__ = ["plot_appraisal"]
