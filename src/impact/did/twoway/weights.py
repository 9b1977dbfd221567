"""The weights TWFE puts on each group-time effect (de Chaisemartin & D'Haultfoeuille 2020).

By the Frisch-Waugh-Lovell theorem the TWFE coefficient is
``beta = sum_it w_it e_it y_it / sum_it w_it e_it D_it`` where ``e_it`` is the residual of
the treatment indicator ``D_it`` on unit and time effects (weighted by the regression
weights ``w_it``). If ``y_it = a_i + b_t + D_it tau_it + u_it`` with parallel trends
(``E[u] = 0``), then ``E[beta] = sum_{D_it = 1} omega_it tau_it`` with
``omega_it = w_it e_it / sum_{D=1} w e``: the weights sum to one but can be negative,
typically for early cohorts in late periods, which are used as controls for later
cohorts. Aggregated to (cohort, period) cells, ``omega_gt`` are the weights on the
group-time effects ``ATT(g, t)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.checks import as_dataframe, check_column
from impact.did.panel import PanelData, prepare_panel, residualize_two_way
from impact.errors import DataError
from impact.results import Diagnostic

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class TWFEWeights(Diagnostic):
    """Weights of the static TWFE coefficient on the treated (cohort, period) cells.

    Attributes
    ----------
    table
        ``cohort, time, event_time, n_obs, weight, negative``, one row per treated cell.
    beta
        The TWFE coefficient (``nan`` when no outcome was given).
    sigma_fe
        de Chaisemartin & D'Haultfoeuille's robustness measure: the smallest standard
        deviation of the cell effects under which ``beta`` could be of the opposite sign
        to every effect's average (``|beta| / sd(weights)``; small = fragile).
    """

    table: pd.DataFrame
    beta: float
    sigma_fe: float

    @property
    def n_negative(self) -> int:
        return int(self.table["negative"].sum())

    @property
    def negative_weight_sum(self) -> float:
        return float(self.table.loc[self.table["negative"], "weight"].sum())

    def implied(self, att: pd.DataFrame, *, column: str = "att") -> float:
        """``sum_gt omega_gt * att_gt`` for a table with ``cohort, time`` and ``column``.

        With the true group-time effects (e.g. from simulation truth), this is what TWFE
        estimates; with ``att_gt`` estimates it shows how TWFE's weighting changes the answer.
        """
        m = self.table.merge(att[["cohort", "time", column]], on=["cohort", "time"], how="left")
        if m[column].isna().any():
            miss = m.loc[m[column].isna(), ["cohort", "time"]].iloc[0].tolist()
            raise DataError(f"No {column!r} for treated cell (cohort, time) = {miss}.")
        return float((m["weight"] * m[column]).sum())

    def to_frame(self) -> pd.DataFrame:
        """The weights table (``cohort, time, event_time, n_obs, weight, negative``)."""
        return self.table

    def summary(self) -> str:
        t = self.table
        return (
            f"TWFE weights on {len(t)} treated (cohort, time) cells: {self.n_negative} negative "
            f"(sum {self.negative_weight_sum:.3g}); weights sum to {t['weight'].sum():.3g}.\n"
            f"TWFE coefficient {self.beta:.4g}; sigma_fe = {self.sigma_fe:.4g} "
            "(heterogeneity needed to flip its sign)."
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Weight by event time, one marker series per cohort; negative weights stand out."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        for g, sub in self.table.groupby("cohort"):
            ax.plot(sub["event_time"], sub["weight"], "o-", label=str(g))
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("Periods since adoption")
        ax.set_ylabel("TWFE weight")
        ax.legend(title="Cohort", fontsize="small")
        return ax


def twfe_weights_from_panel(panel: PanelData) -> TWFEWeights:
    """Weights for an already validated panel (see :func:`twfe_weights`)."""
    f = panel.frame
    uc = pd.factorize(f["_unit"].to_numpy())[0]
    tc = pd.factorize(f["_time"].to_numpy())[0]
    w = f["_w"].to_numpy()
    d = f["_d"].to_numpy()
    e = residualize_two_way(d, uc, tc, w)
    treated = d == 1
    denom = float(np.sum(w * e * d))
    omega = w * e / denom
    beta = float(np.sum(w * e * f["_y"].to_numpy()) / denom)
    cells = (
        pd.DataFrame(
            {
                "cohort": f["_cohort"].to_numpy()[treated],
                "time": f["_time"].to_numpy()[treated],
                "omega": omega[treated],
            }
        )
        .groupby(["cohort", "time"], as_index=False)
        .agg(n_obs=("omega", "size"), weight=("omega", "sum"))
    )
    cells["event_time"] = cells["time"] - cells["cohort"]
    cells["negative"] = cells["weight"] < 0
    cells = cells[["cohort", "time", "event_time", "n_obs", "weight", "negative"]]
    # normalised weights: mean one over treated observations (weighted by w)
    n1 = float(np.sum(w[treated]))
    big_w = omega[treated] * n1 / w[treated]
    sd_w = float(np.sqrt(np.sum(w[treated] / n1 * (big_w - 1.0) ** 2)))
    sigma_fe = abs(beta) / sd_w if sd_w > 0 else float("inf")
    return TWFEWeights(table=cells.reset_index(drop=True), beta=beta, sigma_fe=sigma_fe)


def twfe_weights(
    data: pd.DataFrame,
    *,
    unit: str,
    time: str,
    cohort: str | None = None,
    treatment: str | None = None,
    outcome: str | None = None,
    weights: str | None = None,
) -> TWFEWeights:
    """Weights the static TWFE regression puts on each treated (cohort, period) cell.

    Parameters
    ----------
    data
        Unit-by-period panel.
    unit, time, cohort, treatment, weights
        As in :func:`impact.did.twfe` (no covariates: the decomposition is for the
        regression on unit and time effects only).
    outcome
        Optional; when given, ``.beta`` is the TWFE coefficient.

    Returns
    -------
    TWFEWeights
        ``.table`` (``cohort, time, event_time, n_obs, weight, negative``), ``.beta``,
        ``.sigma_fe``, ``.implied(att_table)``.

    Notes
    -----
    de Chaisemartin & D'Haultfoeuille (2020, Theorem 1): under parallel trends,
    ``E[beta_TWFE] = sum_gt omega_gt ATT(g, t)`` with weights that sum to one and are
    proportional to the residual of the treatment on the two-way effects. Negative weights
    mean TWFE can be negative even when every effect is positive. In balanced panels the
    identity holds exactly cell by cell; in unbalanced panels ``ATT(g, t)`` must be read as
    the ``omega``-weighted mean effect in the cell.

    Examples
    --------
    >>> import pandas as pd
    >>> from impact.did import twfe_weights
    >>> panel = pd.read_csv("data/synthetic/flyt_panel.csv")
    >>> w = twfe_weights(panel, unit="municipality", time="year", cohort="adoption_year")
    >>> print(round(w.table["weight"].sum(), 6), int(w.table["negative"].sum()))
    1.0 0
    """
    check_column(outcome, argument="outcome", optional=True)
    data = as_dataframe(data)
    src = data if outcome is not None else data.assign(__no_outcome__=0.0)
    panel = prepare_panel(
        src,
        outcome=outcome or "__no_outcome__",
        unit=unit,
        time=time,
        cohort=cohort,
        treatment=treatment,
        weights=weights,
    )
    res = twfe_weights_from_panel(panel)
    if outcome is None:
        return TWFEWeights(table=res.table, beta=float("nan"), sigma_fe=float("nan"))
    return res


__all__ = ["TWFEWeights", "twfe_weights", "twfe_weights_from_panel"]
