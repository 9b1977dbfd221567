"""Figures of an :class:`~impact.cba.results.Appraisal` (matplotlib, headless-safe)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from impact.errors import OptionError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.cba.results import Appraisal

_PARTY_LABELS = {
    "kommune": "Kommune",
    "fylkeskommune": "Fylkeskommune",
    "stat": "Stat",
    "participant": "Participant",
    "rest_of_society": "Rest of society",
}


#: Figure size of each kind when :func:`plot_appraisal` makes the figure.
_SIZES: dict[str, tuple[float, float]] = {"npv": (7, 4), "ledger": (9, 4.5), "tornado": (7, 4)}


def _npv(app: Appraisal, ax: Any) -> Axes:
    x = app.npv_draws / 1e6
    bins = 60 if np.ptp(x) > 0 else 1
    ax.hist(x, bins=bins, color="#4c72b0", alpha=0.8)
    ax.axvline(0, color="black", lw=1)
    ax.axvline(app.npv / 1e6, color="#c44e52", lw=1.5, ls="--", label="expected NPV")
    ax.set_xlabel(f"Societal NPV (NOK million, {app.programme.price_year} prices)")
    ax.set_ylabel("Draws")
    ax.set_title(f"{app.programme.name}: P(NPV > 0) = {app.prob_positive:.2f}")
    ax.legend(frameon=False)
    return ax


def _ledger(app: Appraisal, ax: Any) -> Axes:
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
    return ax


def _tornado(app: Appraisal, ax: Any) -> Axes:
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
    return ax


def plot_appraisal(app: Appraisal, kind: str, *, ax: Axes | None = None) -> Axes:
    """Dispatch for :meth:`Appraisal.plot`: draw on ``ax`` (or a new figure) and return it.

    Only a figure made here is laid out again (``tight_layout``); a caller's is left alone.
    """
    drawers = {"npv": _npv, "ledger": _ledger, "tornado": _tornado}
    if kind not in drawers:
        raise OptionError(
            f"kind={kind!r} is not a plot of an appraisal; use one of {sorted(drawers)}."
        )
    if ax is not None:
        return drawers[kind](app, ax)
    import matplotlib.pyplot as plt

    fig, own = plt.subplots(figsize=_SIZES[kind])
    drawers[kind](app, own)
    fig.tight_layout()
    return own


__all__ = ["plot_appraisal"]
