"""Results of :func:`impact.bayes.hierarchical_did`: effects on the probability scale."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import arviz as az
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.axes import Axes
from scipy.special import expit

from impact.bayes.diagnostics import Diagnostics
from impact.bayes.lean import PREDICTIVE_DRAWS, lean_idata
from impact.bayes.plots import forest_plot, new_axes, posterior_plot
from impact.bayes.sampling import SamplerInfo
from impact.bayes.summaries import subsample, summarise_draws
from impact.effect import Effect
from impact.errors import DataError, DesignError
from impact.results import EstimateResult, check_level, headline_row

if TYPE_CHECKING:
    from impact.bayes.cells import CellDesign

_CHUNK = 500


def _flat(post: xr.Dataset, name: str) -> np.ndarray:
    values = np.asarray(post[name].values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


def treated_cell_probabilities(
    post: xr.Dataset, design: CellDesign, draws: slice = slice(None), *, link: str = "logit"
) -> tuple[np.ndarray, np.ndarray]:
    """Per draw and treated cell: (p with the programme, counterfactual p without it).

    Mirrors the linear predictor of :func:`impact.bayes.hierarchical_did.build_model`;
    ``link="identity"`` returns the linear predictor itself (the linear probability model,
    whose values may leave [0, 1]), ``"logit"`` its inverse logit.
    """
    t = np.flatnonzero(design.treated == 1)
    alpha = _flat(post, "alpha")[draws]
    eta = alpha[:, None] + _flat(post, "a_site")[draws][:, design.unit_idx[t]]
    if "b_time" in post:
        eta = eta + _flat(post, "b_time")[draws][:, design.time_idx[t]]
    for j, col in enumerate(design.covariate_columns):
        if f"beta_{col}" in post:
            eta = eta + _flat(post, f"beta_{col}")[draws][:, design.covariate_codes[t, j]]
        if f"b_time_{col}" in post:
            trend = _flat(post, f"b_time_{col}")[draws]
            eta = eta + trend[:, design.time_idx[t], design.covariate_codes[t, j]]
    if "z_unit_time" in post:
        assert design.unit_time_idx is not None
        e = _flat(post, "sigma_unit_time")[draws, None] * _flat(post, "z_unit_time")[draws]
        eta = eta + e[:, design.unit_time_idx[t]]
    effect = np.repeat(_flat(post, "delta")[draws][:, None], t.size, axis=1)
    if "tau_site" in post:
        u = _flat(post, "tau_site")[draws, None] * _flat(post, "w_site")[draws]
        effect = effect + u[:, design.effect_site_idx[t]]
    if "tau_event" in post:
        assert design.event_idx is not None
        v = _flat(post, "tau_event")[draws, None] * _flat(post, "r_event")[draws]
        effect = effect + v[:, design.event_idx[t]]
    for j, col in enumerate(design.covariate_columns):
        if f"g_effect_{col}" in post:
            g = (
                _flat(post, f"tau_effect_{col}")[draws, None]
                * _flat(post, f"g_effect_{col}")[draws]
            )
            effect = effect + g[:, design.covariate_codes[t, j]]
    eta1 = eta + effect
    if link == "identity":
        return eta1, eta
    return expit(eta1), expit(eta)


def effect_draws(
    post: xr.Dataset, design: CellDesign, *, link: str = "logit"
) -> dict[str, xr.DataArray]:
    """Cell-size-weighted ATT draws on the probability scale: overall, by site, by event time.

    The same outputs for both links; with ``link="identity"`` they are linear in the
    parameters (``p1 - p0`` is the cell's effect term).
    """
    chains, n_draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    total = chains * n_draws
    t = np.flatnonzero(design.treated == 1)
    w = design.trials[t].astype(float)
    groups: dict[str, tuple[str, list[Any], np.ndarray]] = {}
    if design.effect_sites:
        groups["att_site"] = ("effect_site", list(design.effect_sites), design.effect_site_idx[t])
    if design.event_times is not None and design.event_idx is not None:
        groups["att_event"] = ("event_time", list(design.event_times), design.event_idx[t])
    out = {"att": np.empty(total)}
    out.update({k: np.empty((total, len(v[1]))) for k, v in groups.items()})
    for start in range(0, total, _CHUNK):
        sl = slice(start, min(start + _CHUNK, total))
        p1, p0 = treated_cell_probabilities(post, design, sl, link=link)
        diff = (p1 - p0) * w
        out["att"][sl] = diff.sum(axis=1) / w.sum()
        for name, (_, labels, idx) in groups.items():
            onehot = (idx[:, None] == np.arange(len(labels))[None, :]).astype(float)
            out[name][sl] = (diff @ onehot) / (w @ onehot)
    coords = {"chain": post["chain"].values, "draw": post["draw"].values}
    result = {
        "att": xr.DataArray(
            out["att"].reshape(chains, n_draws), dims=("chain", "draw"), coords=coords
        )
    }
    for name, (dim, labels, _) in groups.items():
        result[name] = xr.DataArray(
            out[name].reshape(chains, n_draws, len(labels)),
            dims=("chain", "draw", dim),
            coords={**coords, dim: labels},
        )
    return result


@dataclass(frozen=True, eq=False)
class HierarchicalDiDResult(EstimateResult):
    """Posterior of the hierarchical DiD (logit or identity link), effects on the probability scale.

    Keeps the results contract (:mod:`impact.results`): ``to_frame`` gives the posterior
    mean as ``estimate``, the posterior sd as ``se`` and equal-tailed intervals.

    Attributes
    ----------
    idata
        ArviZ InferenceData (posterior incl. ``att``, ``att_site``, ``att_event``; prior,
        predictive, observed data, sample stats, log likelihood, log prior).
    design
        The cell design the model was fitted on (cells, indices, labels).
    outcome_name
        Outcome carried into :class:`impact.Effect` (as the caller named it in
        :func:`~impact.bayes.hierarchical_did`; by default the outcome column).
    priors
        Prior scales used.
    sampler
        Sampler, draws, seed and wall time.
    diagnostics
        The diagnostics gate.
    columns
        Column names used (site, time, treated, cohort).
    site_parameterization
        Parameterisation of the site intercepts actually used.
    link
        ``"logit"`` (parallel trends in log-odds) or ``"identity"`` (in probabilities).
    working_p
        Identity link: the fixed working probabilities of the cells' Gaussian variances
        (``None`` for the logit link).
    enrolment
        ``"site"`` (municipal roll-out: units are sites) or ``"individual"`` (units are
        enrolment cohorts within sites, with a unit-year term).
    """

    idata: az.InferenceData
    design: CellDesign
    outcome_name: str
    priors: dict[str, float]
    sampler: SamplerInfo
    diagnostics: Diagnostics
    columns: dict[str, str | None] = field(default_factory=dict)
    site_parameterization: str = "centered"
    link: str = "logit"
    working_p: np.ndarray | None = None
    enrolment: str = "site"

    @property
    def method(self) -> str:
        """Short method label naming the link, the scale of parallel trends and the units."""
        scale = "probabilities" if self.link == "identity" else "log-odds"
        label = f"hierarchical DiD, {self.link} link (parallel trends in {scale})"
        if self.enrolment == "individual":
            label += ", individual enrolment (units: enrolment cohorts within sites)"
        return label

    def draws(self, name: str = "att") -> np.ndarray:
        """Posterior draws flattened over chains (``att``, ``att_site``, ``att_event``, ...)."""
        post = self.idata["posterior"]
        if name not in post:
            raise DataError(f"{name!r} is not in the posterior; variables: {list(post.data_vars)}.")
        return _flat(post, name)

    @property
    def att(self) -> float:
        """Posterior mean of the ATT (probability scale, cell-size weighted)."""
        return float(self.draws("att").mean())

    def lean_idata(
        self,
        *,
        log_likelihood: Literal["summary", "full", "none"] = "summary",
        predictive_draws: int | None = PREDICTIVE_DRAWS,
        seed: int | None = None,
    ) -> az.InferenceData:
        """The InferenceData for a results bundle: :func:`impact.bayes.lean_idata` of :attr:`idata`.

        The posterior (with ``att``, ``att_site``, ``att_event``) and sample stats are kept
        as they are, the pointwise log-likelihood becomes its PSIS-LOO summary (group
        ``loo``), ``predictive_draws`` posterior and prior predictive draws per chain are
        kept (all with ``None``). ``seed=None`` picks them with the fit's own seed
        (:attr:`sampler`), so the same fit gives the same file; :attr:`idata` itself is
        unchanged.
        """
        return lean_idata(
            self.idata,
            log_likelihood=log_likelihood,
            predictive_draws=predictive_draws,
            seed=self.sampler.seed if seed is None else seed,
        )

    def treated_sizes(self, by: Literal["site", "event_time"]) -> np.ndarray:
        """Persons in treated cells per effect site or per event time."""
        d = self.design
        t = d.treated == 1
        if by == "site":
            idx, k = d.effect_site_idx[t], len(d.effect_sites)
        else:
            if d.event_idx is None or d.event_times is None:
                raise DesignError("the model has no event-time effects; fit with dynamic=True.")
            idx, k = d.event_idx[t], len(d.event_times)
        return np.bincount(idx, weights=d.trials[t], minlength=k).astype(np.int64)

    def to_frame(self, *, level: float = 0.95, threshold: float | None = None) -> pd.DataFrame:
        """Tidy effects: one row for the overall ATT, per site and per event time.

        Columns ``estimand`` ("simple", "site", "dynamic"), ``site``, ``event_time``, then
        ``estimate`` (posterior mean), ``se`` (posterior sd), ``ci_lower, ci_upper``
        (equal-tailed ``level`` interval, not an HDI), then ``median, p_positive`` (and
        ``p_above_threshold``), ``n_treated`` (persons in treated cells: apply the
        small-cell rule before publishing), ``ess_bulk, r_hat`` and ``link`` (the model's
        link; effects are on the probability scale for both).
        """
        level = check_level(level)
        post = self.idata["posterior"]
        rows: list[dict[str, Any]] = []

        def add(estimand: str, site: Any, et: Any, da: xr.DataArray, n_treated: int) -> None:
            row: dict[str, Any] = {"estimand": estimand, "site": site, "event_time": et}
            row |= summarise_draws(da.values, level=level, threshold=threshold)
            row["n_treated"] = n_treated
            row["ess_bulk"] = float(az.ess(da.values, method="bulk"))
            row["r_hat"] = float(az.rhat(da.values))
            rows.append(row)

        d = self.design
        add("simple", None, None, post["att"], int(d.trials[d.treated == 1].sum()))
        if "att_site" in post:
            sizes = self.treated_sizes("site")
            for j, s in enumerate(d.effect_sites):
                add("site", s, None, post["att_site"].isel(effect_site=j), int(sizes[j]))
        if "att_event" in post and d.event_times is not None:
            sizes = self.treated_sizes("event_time")
            for j, e in enumerate(d.event_times):
                add("dynamic", None, e, post["att_event"].isel(event_time=j), int(sizes[j]))
        frame = pd.DataFrame(rows)
        frame["event_time"] = frame["event_time"].astype("Int64")
        frame["link"] = self.link
        return frame

    def summary(self, *, level: float = 0.95, threshold: float = 0.0) -> str:
        """Plain-text summary: ATT in percentage points, heterogeneity, diagnostics, sites.

        Intervals are equal-tailed posterior intervals at ``level``.
        """
        table = self.to_frame(level=level, threshold=threshold)
        top = table.iloc[0]
        d = self.design
        pct = f"{level:.0%}"
        lines = [
            f"Hierarchical DiD ({self.link} link: parallel trends in "
            f"{'probabilities' if self.link == 'identity' else 'log-odds'}) for "
            f"{self.outcome_name}: {d.n_cells} cells, "
            f"{d.n_persons} persons ({d.n_rows} input rows), {len(d.effect_sites)} sites with "
            f"site-varying effects, sampler {self.sampler.sampler}",
            f"  ATT (probability scale, person-weighted): {100 * top['estimate']:.2f} pp "
            f"(sd {100 * top['se']:.2f}; {pct} interval {100 * top['ci_lower']:.2f} to "
            f"{100 * top['ci_upper']:.2f} pp)",
            f"  P(ATT > 0) = {top['p_positive']:.3f}; P(ATT > {threshold:g}) = "
            f"{top['p_above_threshold']:.3f}",
        ]
        post = self.idata["posterior"]
        if "tau_site" in post:
            tau = self.draws("tau_site")
            lines.append(
                f"  between-site sd of the effect ({self.link} scale): {tau.mean():.3f} "
                f"({pct} interval {np.quantile(tau, lo := (1 - level) / 2):.3f} to "
                f"{np.quantile(tau, 1 - lo):.3f})"
            )
        lines.append(self.diagnostics.summary())
        rest = table.iloc[1:]
        if len(rest):
            cols = [
                "estimand",
                "site",
                "event_time",
                "estimate",
                "ci_lower",
                "ci_upper",
                "n_treated",
            ]
            lines += ["", rest[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}")]
        return "\n".join(lines)

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The ATT: posterior mean, sd and equal-tailed ``level`` interval (probability scale)."""
        row = summarise_draws(self.draws("att"), level=level)
        return headline_row(
            estimator=self._estimator,
            outcome=self.outcome_name,
            estimand="ATT (person-weighted, probability scale)",
            estimate=row["estimate"],
            se=row["se"],
            interval=(row["ci_lower"], row["ci_upper"]),
            level=level,
            uncertainty="posterior (equal-tailed interval)",
        )

    @property
    def _estimator(self) -> str:
        return "bayes.hierarchical_did" + ("" if self.link == "logit" else f"[{self.link}]")

    def plot(
        self,
        *,
        kind: Literal["forest", "pooled", "dynamic"] | None = None,
        level: float = 0.95,
        practical_zero: float | None = 0.01,
        ax: Axes | None = None,
    ) -> Axes:
        """Forest plot of site effects, posterior of the ATT, or effects by event time.

        ``kind=None`` draws the forest plot when the model has site-varying effects, else
        the effects by event time when it has those, else the ATT posterior. Draws on
        ``ax`` (a new figure when ``None``) and returns the Axes. ``practical_zero``
        (default 0.01 = 1 percentage point) draws the band of effects too small to matter
        on the ATT posterior; ``level`` is the coverage of the (equal-tailed) intervals.
        """
        if kind is None:
            if self.design.effect_sites:
                kind = "forest"
            elif self.design.event_times is not None:
                kind = "dynamic"
            else:
                kind = "pooled"
        table = self.to_frame(level=level)
        if kind == "pooled":
            return posterior_plot(
                self.draws("att"),
                practical_zero=practical_zero,
                title=f"ATT on {self.outcome_name}",
                xlabel="effect (probability scale)",
                ax=ax,
            )
        if kind == "forest":
            sites = table[table["estimand"] == "site"]
            if sites.empty:
                raise DesignError("no site-varying effects; fit with site_effects=True.")
            return forest_plot(
                sites[["site", "estimate", "ci_lower", "ci_upper"]],
                pooled_mean=self.att,
                title=f"Effect by site on {self.outcome_name}, {level:.0%} intervals",
                xlabel="effect (probability scale)",
                ax=ax,
            )
        if kind == "dynamic":
            dyn = table[table["estimand"] == "dynamic"]
            if dyn.empty:
                raise DesignError("no event-time effects; fit with dynamic=True.")
            ax = new_axes(ax)
            et = dyn["event_time"].to_numpy(dtype=float)
            ax.errorbar(
                et,
                dyn["estimate"],
                yerr=[dyn["estimate"] - dyn["ci_lower"], dyn["ci_upper"] - dyn["estimate"]],
                fmt="o-",
            )
            ax.axhline(0.0, color="0.3", linewidth=0.8)
            ax.set_xlabel("years since adoption")
            ax.set_ylabel("effect (probability scale)")
            ax.set_title(f"Effect on {self.outcome_name} by event time, {level:.0%} intervals")
            return ax
        raise DataError(f"kind={kind!r} is not 'forest', 'pooled' or 'dynamic'.")

    def effect(
        self,
        *,
        outcome: str | None = None,
        n_draws: int | None = None,
        seed: int | np.random.Generator | None = None,
        kind: Literal["simple", "dynamic", "site"] = "simple",
        site: Any = None,
        population: str = "",
    ) -> Effect:
        """The ATT (``"simple"``), by event time (``"dynamic"``) or one site's, as an Effect.

        Draws are posterior draws on the probability scale (risk difference per treated
        person). ``outcome=None`` names the effect after the fitted outcome
        (:attr:`outcome_name`). ``n_draws=None`` keeps every posterior draw; a number picks
        that many at random (seeded by ``seed``).
        """
        name = self.outcome_name if outcome is None else outcome
        meta: dict[str, Any] = {
            "diagnostics": self.diagnostics.to_dict(),
            "sampler": self.sampler.to_dict(),
            "n_cells": self.design.n_cells,
            "n_persons": self.design.n_persons,
            "link": self.link,
            "method": self.method,
        }
        estimator = self._estimator
        if kind == "site" or site is not None:
            if site not in self.design.effect_sites:
                raise DesignError(
                    f"site {site!r} has no treated cells (or site effects are off); sites with "
                    f"effects: {list(self.design.effect_sites)}."
                )
            j = self.design.effect_sites.index(site)
            d = subsample(self.draws("att_site")[:, j], n_draws, seed)
            return Effect(
                outcome=name,
                unit="probability",
                point=float(d.mean()),
                draws=d,
                draws_kind="posterior",
                population=population or f"treated persons in site {site}",
                estimator=f"{estimator} site",
                metadata=meta,
            )
        if kind == "dynamic":
            if self.design.event_times is None:
                raise DesignError("no event-time effects; fit with dynamic=True.")
            d2 = subsample(self.draws("att_event"), n_draws, seed)
            return Effect(
                outcome=name,
                unit="probability",
                point=float(subsample(self.draws("att"), n_draws, seed).mean()),
                draws=d2,
                draws_kind="posterior",
                population=population,
                estimator=f"{estimator} dynamic",
                event_time=self.design.event_times,
                metadata=meta,
            )
        if kind != "simple":
            raise DataError(f"kind={kind!r} is not 'simple', 'dynamic' or 'site'.")
        d = subsample(self.draws("att"), n_draws, seed)
        return Effect(
            outcome=name,
            unit="probability",
            point=float(d.mean()),
            draws=d,
            draws_kind="posterior",
            population=population,
            estimator=f"{estimator} simple",
            metadata=meta,
        )
