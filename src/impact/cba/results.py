"""The result of a societal cost-benefit appraisal: :class:`Appraisal`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from impact.cba.parameters import Parameters
from impact.cba.persistence import Persistence
from impact.cba.programme import Programme
from impact.cba.valuation import BUDGETS, PARTIES
from impact.effect import Effect
from impact.errors import OptionError
from impact.plain_language import Lang, PayoffSummary, format_nok, payoff_summary
from impact.results import Result, check_level

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def _ci(x: np.ndarray, level: float) -> tuple[float, float]:
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


@dataclass(frozen=True, eq=False)
class Appraisal(Result):
    """A societal cost-benefit appraisal with joint Monte Carlo draws of every quantity.

    A :class:`~impact.results.Result` (it estimates an NPV, not a programme effect, so it
    hands over no :class:`~impact.Effect`): ``to_frame`` has one row per ``quantity`` with
    ``estimate`` (the mean over draws), ``se`` (their sd) and the equal-tailed
    ``ci_lower, ci_upper`` of the draws.

    Built by :func:`impact.cba.appraise`. All amounts are real NOK in the programme's price
    year, discounted to its start year, for all participants together unless a name says
    "per participant".

    Attributes
    ----------
    npv_draws, benefits_draws, costs_draws
        Societal net present value, present value of benefits and of programme costs (incl.
        the tax financing cost of the public share) per draw.
    ledger_draws
        (party, item) -> present value per draw; parties are kommune, fylkeskommune, stat,
        participant and rest_of_society. The parties sum to ``npv_draws``.
    yearly
        Expected yearly flows by party (undiscounted and discounted), tidy.
    deterministic_npv
        NPV at central parameter values and the effects' point estimates.
    break_even_table, tornado_table, scenario_table
        See :meth:`break_even`, :meth:`tornado`, :meth:`scenarios`.
    persistence
        Outcome -> the :class:`~impact.cba.Persistence` assumed for each effect on a yearly
        status beyond its measured years (empty without such effects).
    persistence_table
        One row per such effect: the assumption, its measured years, the NPV if the effect
        stops or is permanent, and whether the sign depends on it (bundle table
        ``cba_persistence``, see :meth:`persistence_assumptions`).
    streams_table
        Which registered streams each outcome moves and whether each was valued (bundle
        table ``cba_streams``, see :meth:`streams`).
    """

    programme: Programme
    parameters: Parameters
    effects: tuple[Effect, ...]
    schedule: str
    n_draws: int
    seed: int | None
    n_years: int
    npv_draws: np.ndarray
    benefits_draws: np.ndarray
    costs_draws: np.ndarray
    ledger_draws: Mapping[tuple[str, str], np.ndarray]
    yearly: pd.DataFrame
    deterministic_npv: float
    break_even_table: pd.DataFrame
    tornado_table: pd.DataFrame
    scenario_table: pd.DataFrame
    persistence: Mapping[str, Persistence] = field(default_factory=dict)
    persistence_table: pd.DataFrame | None = None
    streams_table: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "persistence", MappingProxyType(dict(self.persistence)))
        for name in ("npv_draws", "benefits_draws", "costs_draws"):
            arr = np.array(getattr(self, name), dtype=float)
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        ledger = {}
        for key, arr in self.ledger_draws.items():
            a = np.array(arr, dtype=float)
            a.setflags(write=False)
            ledger[key] = a
        object.__setattr__(self, "ledger_draws", MappingProxyType(ledger))

    # -- headline numbers -----------------------------------------------------------------------
    @property
    def npv(self) -> float:
        """Expected societal net present value (mean over draws)."""
        return float(self.npv_draws.mean())

    def npv_interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed interval of the NPV draws."""
        return _ci(self.npv_draws, check_level(level))

    @property
    def bcr(self) -> float:
        """Benefit-cost ratio: expected PV of benefits over expected PV of programme costs.

        Costs are the programme's resource costs plus the tax financing cost of its public
        share; every other effect (including the extra school year) counts as benefit.
        """
        cost = float(self.costs_draws.mean())
        return float(self.benefits_draws.mean()) / cost if cost > 0 else float("nan")

    @property
    def net_benefit_per_participant(self) -> float:
        """Expected NPV divided by the number of participants."""
        return self.npv / self.programme.participants

    @property
    def prob_positive(self) -> float:
        """P(NPV > 0): share of draws in which the programme pays for society."""
        return float(np.mean(self.npv_draws > 0))

    # -- tables ---------------------------------------------------------------------------------
    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """Summary table (bundle table ``appraisal_summary``), one tidy row per quantity.

        Columns ``programme, quantity, outcome, estimate, se, ci_lower, ci_upper, unit,
        price_year, schedule``: ``estimate`` is the mean over the Monte Carlo draws, ``se``
        their standard deviation and ``ci_lower, ci_upper`` their equal-tailed ``level``
        interval (missing for quantities without draws). Quantities: ``npv``,
        ``npv_deterministic``, ``pv_benefits``, ``pv_costs``, ``benefit_cost_ratio``,
        ``net_benefit_per_participant``, ``cost_per_participant`` (PV), ``p_npv_positive``,
        and per outcome ``effect_estimate`` (the effect's point, the sd and interval of its
        draws; dynamic effects averaged over event times), ``break_even_effect`` (risk
        differences), ``p_effect_beneficial`` (share of the effect's draws on the side of
        zero where the break-even effect lies: the effect does good) and
        ``p_effect_above_break_even`` (share beyond the break-even effect: the effect is large
        enough to pay for the programme, parameters at their central values); the last two
        only where the break-even effect is finite and not zero.
        """
        level = check_level(level)
        positive = self.costs_draws > 0
        bcr_draws = np.divide(
            self.benefits_draws, self.costs_draws, out=np.full(self.n_draws, np.nan), where=positive
        )
        per = self.npv_draws / self.programme.participants
        rows: list[dict[str, Any]] = []

        def add(
            quantity: str, value: float, draws: np.ndarray | None, unit: str, outcome: str = ""
        ) -> None:
            ok = draws is not None and bool(np.all(np.isfinite(draws)))
            lo, hi = _ci(draws, level) if ok and draws is not None else (np.nan, np.nan)
            se = (
                float(np.std(draws, ddof=1))
                if ok and draws is not None and draws.size > 1
                else np.nan
            )
            rows.append(
                {
                    "quantity": quantity,
                    "outcome": outcome,
                    "estimate": value,
                    "se": se,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "unit": unit,
                }
            )

        add("npv", self.npv, self.npv_draws, "NOK")
        add("npv_deterministic", self.deterministic_npv, None, "NOK")
        add("pv_benefits", float(self.benefits_draws.mean()), self.benefits_draws, "NOK")
        add("pv_costs", float(self.costs_draws.mean()), self.costs_draws, "NOK")
        add("benefit_cost_ratio", self.bcr, bcr_draws, "ratio")
        add("net_benefit_per_participant", self.net_benefit_per_participant, per, "NOK")
        cost_pp = self.costs_draws / self.programme.participants
        add("cost_per_participant", float(cost_pp.mean()), cost_pp, "NOK")
        add("p_npv_positive", self.prob_positive, None, "probability")
        effect_draws = {
            e.outcome: e.draws if e.event_time is None else e.draws.mean(axis=1)
            for e in self.effects
        }
        for _, row in self.break_even_table.iterrows():
            outcome = str(row["outcome"])
            d = effect_draws.get(outcome)
            if level == 0.95 or d is None:  # the break-even table holds the 95 % interval
                lo, hi = float(row["ci_lower"]), float(row["ci_upper"])
            else:
                lo, hi = _ci(d, level)
            rows.append(
                {
                    "quantity": "effect_estimate",
                    "outcome": outcome,
                    "estimate": float(row["estimate"]),
                    "se": float(np.std(d, ddof=1)) if d is not None and d.size > 1 else np.nan,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "unit": self._effect_unit(outcome),
                }
            )
            add(
                "break_even_effect",
                float(row["break_even"]),
                None,
                self._effect_unit(outcome),
                outcome,
            )
            # the break-even effect lies on the side of zero where the effect does good (it
            # has to pay for the costs): its sign says which way is beneficial
            b = float(row["break_even"])
            if d is not None and np.isfinite(b) and b != 0:
                good = np.sign(b)
                add("p_effect_beneficial", float(np.mean(good * d > 0)), None, "probability",
                    outcome)  # fmt: skip
                add("p_effect_above_break_even", float(np.mean(good * (d - b) > 0)), None,
                    "probability", outcome)  # fmt: skip
        out = pd.DataFrame(rows)
        out.insert(0, "programme", self.programme.name)
        out["price_year"] = self.programme.price_year
        out["schedule"] = self.schedule
        return out

    def _effect_unit(self, outcome: str) -> str:
        """``risk_difference`` for a probability outcome, else the registry's unit (NOK)."""
        registry = self.parameters.registry
        unit = registry[outcome].unit if outcome in registry else "probability"
        return "risk_difference" if unit == "probability" else unit

    def persistence_assumptions(self) -> pd.DataFrame:
        """The persistence assumption of each effect on a yearly status (bundle ``cba_persistence``).

        Columns ``outcome, assumption`` (none, permanent, decay, profile), ``description``
        (plain words), ``rate, low, high`` (the yearly factor kept and its range; NaN where
        not a decay), ``parameter`` (its name), ``origin`` (registry default or set in
        appraise), ``measured_from, measured_to, measured_source`` (the years the effect was
        measured or applied as a summary, and where they come from), ``npv_none,
        npv_permanent`` (expected NPV if the effect stops, or is permanent), ``sign_depends``
        (the sign of the NPV or P(NPV > 0) against 0.5 changes) and ``warning`` (the
        message then raised as a :class:`~impact.errors.PersistenceWarning`, else empty).
        """
        if self.persistence_table is None:
            return pd.DataFrame()
        return self.persistence_table.copy()

    @property
    def sign_depends_on_persistence(self) -> bool:
        """Whether the verdict's sign changes when an effect stops or is permanent."""
        table = self.persistence_table
        return bool(table is not None and len(table) and table["sign_depends"].any())

    def streams(self) -> pd.DataFrame:
        """Registered streams of the appraised outcomes and whether each was valued and why.

        Columns ``outcome, moves`` (the stream names of the double-counting rule), ``flow``,
        ``per_unit`` (parameters multiplied), ``sign``, ``ages``, ``valued`` (bool) and
        ``reason`` (bundle table ``cba_streams``).
        """
        if self.streams_table is None:
            return pd.DataFrame()
        return self.streams_table.copy()

    def bundle_tables(self) -> dict[str, pd.DataFrame]:
        """Tables for the results bundle, named and shaped as :mod:`impact.report` reads them.

        ``appraisal_summary`` (:meth:`to_frame`), ``ledger`` (by party: ``payer,
        present_value_nok, per_participant_nok, ci_lower, ci_upper``), ``ledger_items``,
        ``tornado``, ``scenarios``, ``payback``, ``plus_minus``, ``yearly_flows``,
        ``cba_parameters``, ``cba_persistence`` (:meth:`persistence_assumptions`) and
        ``cba_streams`` (:meth:`streams`). Draws: :meth:`draws` (column ``npv``).
        """
        by_party = self.ledger(by="party")
        ledger = pd.DataFrame(
            {
                "payer": by_party["party"],
                "present_value_nok": by_party["pv"],
                "per_participant_nok": by_party["pv_per_participant"],
                "ci_lower": by_party["ci_lower"],
                "ci_upper": by_party["ci_upper"],
            }
        )
        return {
            "appraisal_summary": self.to_frame(),
            "ledger": ledger,
            "ledger_items": self.ledger(by="item"),
            "tornado": self.tornado(),
            "scenarios": self.scenarios(),
            "payback": self.payback(),
            "plus_minus": self.plus_minus(),
            "yearly_flows": self.yearly.copy(),
            "cba_parameters": self.parameters.to_frame(),
            "cba_persistence": self.persistence_assumptions(),
            "cba_streams": self.streams(),
        }

    def summary(self) -> str:
        """Plain-text summary: headline numbers, verdict, ledger by party."""
        lo, hi = self.npv_interval()
        lines = [
            f"Societal cost-benefit appraisal: {self.programme.name}",
            f"  {self.programme.participants} participants aged {self.programme.age}, start "
            f"{self.programme.start_year}, NOK {self.programme.price_year} prices, "
            f"{self.n_years} years, discounting {self.schedule}, {self.n_draws} draws",
            f"  NPV                 {format_nok(self.npv, lang='en')} "
            f"[95 % {format_nok(lo, lang='en')} to {format_nok(hi, lang='en')}]",
            f"  P(NPV > 0)          {self.prob_positive:.3f} "
            f"(verdict: {self.verdict(lang='en').label})",
            f"  Benefit-cost ratio  {self.bcr:.2f}",
            f"  Net benefit per participant  {format_nok(self.net_benefit_per_participant, lang='en')}",
        ]
        for _, row in self.break_even_table.iterrows():
            lines.append(
                f"  Break-even effect on {row['outcome']}: {row['break_even']:.4f} "
                f"(estimate {row['estimate']:.4f}, 95 % {row['ci_lower']:.4f} to {row['ci_upper']:.4f})"
            )
        table = self.persistence_assumptions()
        for _, row in table.iterrows():
            span = f"{row['measured_from']}-{row['measured_to']}"
            lines.append(
                f"  Persistence of the effect on {row['outcome']} after years {span}: "
                f"{row['description']} [{row['origin']}]"
            )
            if row["sign_depends"]:
                lines.append(
                    f"    ! the sign depends on it: NPV {format_nok(row['npv_none'], lang='en')} "
                    f"if the effect stops, {format_nok(row['npv_permanent'], lang='en')} if "
                    "permanent"
                )
        lines.append("  Ledger (expected PV by party, NOK):")
        for _, row in self.ledger(by="party").iterrows():
            lines.append(f"    {row['party']:<16} {format_nok(row['pv'], lang='en')}")
        if self.parameters.to_verify:
            lines.append(f"  {len(self.parameters.to_verify)} parameters still flagged 'verify'.")
        return "\n".join(lines)

    def ledger(self, *, by: Literal["item", "party"] = "item", level: float = 0.95) -> pd.DataFrame:
        """Who pays and who gains: expected present value by party (and item), tidy.

        Columns ``party, item, pv, ci_lower, ci_upper, pv_per_participant``. The ``pv``
        column sums to the societal NPV (transfers and taxes cancel between parties).
        """
        keys = list(self.ledger_draws)
        if by == "party":
            grouped = {
                p: sum((self.ledger_draws[k] for k in keys if k[0] == p), np.zeros(self.n_draws))
                for p in PARTIES
            }
            records = [(p, "all", d) for p, d in grouped.items()]
        elif by == "item":
            records = [(k[0], k[1], self.ledger_draws[k]) for k in keys]
        else:
            raise OptionError(f"by={by!r} is not a ledger breakdown; use by='item' or by='party'.")
        rows = []
        for party, item, draws in records:
            lo, hi = _ci(draws, level)
            rows.append(
                {
                    "party": party,
                    "item": item,
                    "pv": float(draws.mean()),
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "pv_per_participant": float(draws.mean()) / self.programme.participants,
                }
            )
        return pd.DataFrame(rows)

    def payback(self) -> pd.DataFrame:
        """Payback year for each budget, the public sector and society.

        The first year after which the cumulative expected discounted net flow of that party
        stays non-negative; missing when it never does within the horizon.
        """
        rows = []
        parties = {**{p: (p,) for p in BUDGETS}, "public": BUDGETS, "society": PARTIES}
        wide = self.yearly.pivot(index="year", columns="party", values="discounted_flow")
        for label, members in parties.items():
            cum = wide[list(members)].sum(axis=1).cumsum().to_numpy()
            negative = np.flatnonzero(cum < 0)
            if negative.size == 0:
                year: int | None = 0
            elif negative[-1] == cum.size - 1:
                year = None
            else:
                year = int(negative[-1]) + 1
            rows.append(
                {
                    "party": label,
                    "payback_year": year,
                    "payback_calendar_year": None
                    if year is None
                    else self.programme.start_year + year,
                    "pv": float(cum[-1]),
                }
            )
        out = pd.DataFrame(rows)
        out["payback_year"] = out["payback_year"].astype("Int64")
        out["payback_calendar_year"] = out["payback_calendar_year"].astype("Int64")
        return out

    def break_even(self) -> pd.DataFrame:
        """Effect size at which the deterministic NPV is zero, next to the estimate's interval.

        The NPV is linear in the effects; the break-even scales all appraised effects by one
        common factor (``scale``), so ``break_even = scale * estimate`` for each outcome.
        """
        return self.break_even_table.copy()

    def tornado(self) -> pd.DataFrame:
        """One-way sensitivity: NPV with each uncertain parameter at its low and high value.

        Columns ``parameter, low, high, low_npv, high_npv, central_npv, swing, unit,
        verify``, sorted by swing (widest first).
        """
        return self.tornado_table.copy()

    def scenarios(self) -> pd.DataFrame:
        """Scenario analysis over discount schedules and each effect's persistence.

        Columns ``scenario, setting, npv_deterministic, npv, prob_npv_positive, bcr,
        persistence`` (the persistence assumption of the row in words). Rows: ``base``,
        ``discount schedule`` (flat 4 %, flat 2.5 %, Green Book) and, per effect on a yearly
        status, ``<label> persistence`` with ``none (0)`` and ``permanent (1)``.
        """
        return self.scenario_table.copy()

    def plus_minus(self) -> pd.DataFrame:
        """DFØ plus–minus table of the effects not valued in money (from the programme)."""
        return self.programme.plus_minus()

    def draws(self) -> pd.DataFrame:
        """Joint draws: NPV, benefits, costs and each party's PV (one row per draw)."""
        out = pd.DataFrame(
            {
                "draw": np.arange(self.n_draws),
                "npv": self.npv_draws,
                "pv_benefits": self.benefits_draws,
                "pv_costs": self.costs_draws,
            }
        )
        for _, row in self.ledger(by="party").iterrows():
            party = str(row["party"])
            out[f"pv_{party}"] = sum(
                (v for k, v in self.ledger_draws.items() if k[0] == party), np.zeros(self.n_draws)
            )
        return out

    def verdict(self, *, lang: Lang = "nb", level: float = 0.95) -> PayoffSummary:
        """Does it pay: the verdict as a table row and a paragraph (bokmål or ``lang="en"``).

        From :func:`impact.plain_language.payoff_summary`, which the report's conclusion
        uses too: graded by P(NPV > 0) (at least 0.9 pays off, at most 0.1 does not, else
        uncertain), with the expected NPV, its ``level`` interval and the benefit-cost ratio.
        """
        lo, hi = self.npv_interval(level)
        return payoff_summary(
            npv=self.npv,
            ci_lower=lo,
            ci_upper=hi,
            prob_positive=self.prob_positive,
            bcr=self.bcr,
            programme=self.programme.name,
            level=level,
            lang=lang,
        )

    def headline(self, lang: Lang = "nb") -> str:
        """The verdict paragraph of :meth:`verdict` (bokmål by default, or ``lang="en"``)."""
        return self.verdict(lang=lang).text

    def plot(
        self, *, kind: Literal["npv", "ledger", "tornado"] = "npv", ax: Axes | None = None
    ) -> Axes:
        """NPV distribution with P(NPV > 0), ledger bars by party, or the tornado.

        Draws on ``ax`` (a new figure when ``None``) and returns the Axes.
        """
        from impact.cba.plotting import plot_appraisal

        return plot_appraisal(self, kind, ax=ax)

    def __repr__(self) -> str:
        return (
            f"Appraisal(programme={self.programme.name!r}, npv={self.npv:.4g}, bcr={self.bcr:.3g}, "
            f"prob_positive={self.prob_positive:.3f}, draws={self.n_draws})"
        )


__all__ = ["Appraisal"]
