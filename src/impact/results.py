"""The results contract every public estimator and appraisal keeps.

Three kinds of object come back from :mod:`impact`:

:class:`Result`
    Anything with estimates and intervals: ``summary() -> str`` (also ``str(result)``),
    ``_repr_html_()`` for Jupyter, ``to_frame(*, level=0.95)``, ``conf_int(*, level=0.95)``
    and ``plot(*, ax=None) -> Axes``.
:class:`EstimateResult`
    A :class:`Result` that estimates a programme effect, so it also hands over an
    :class:`impact.Effect` (``effect(*, outcome=None, n_draws=..., seed=None)``; ``None``
    means the outcome the model was fitted on) and a one-row ``headline(*, level=0.95)``
    that :func:`compare` puts side by side.
:class:`Diagnostic`
    A container of checks (a pre-test, the diagnostics gate, LOO, sampler settings,
    parameters): ``summary()``, ``to_frame()``, ``_repr_html_()``; ``plot()`` only where a
    picture helps.

The column vocabulary of ``to_frame`` (:data:`ESTIMATE_COLUMNS`): ``estimate, se, ci_lower,
ci_upper``, plus identifiers from :data:`IDENTIFIERS` (``cohort, time, event_time, site``...)
and anything specific to the estimator after them. Results of the group-time family keep an
``att`` column equal to ``estimate`` for readers who know R ``did``. Intervals are at
``level`` (default 95 %) whatever ``alpha`` the model was fitted with; Bayesian intervals are
equal-tailed posterior intervals, not HDIs.

The module is deliberately light (pandas and the standard library only): every results
module imports it, and ``import impact`` must stay cheap.
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from impact.checks import check_level

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.effect import Effect

__all__ = [
    "ESTIMATE_COLUMNS",
    "HEADLINE_COLUMNS",
    "IDENTIFIERS",
    "Diagnostic",
    "EstimateResult",
    "Result",
    "check_level",
    "compare",
    "headline_row",
]

#: The point, its standard error and the interval, in this order, in every ``to_frame``.
ESTIMATE_COLUMNS: tuple[str, ...] = ("estimate", "se", "ci_lower", "ci_upper")

#: Columns that identify a row of ``to_frame`` (those a result has come first, in this order).
IDENTIFIERS: tuple[str, ...] = (
    "outcome",
    "estimand",
    "kind",
    "term",
    "parameter",
    "quantity",
    "cohort",
    "time",
    "event_time",
    "site",
    "party",
    "m",
)

#: Columns of :meth:`EstimateResult.headline` and of :func:`compare`.
HEADLINE_COLUMNS: tuple[str, ...] = (
    "estimator",
    "outcome",
    "estimand",
    "estimate",
    "se",
    "ci_lower",
    "ci_upper",
    "level",
    "uncertainty",
)


class _Printable:
    """``str()`` and Jupyter's rich display, both from ``summary()`` (as in linearmodels)."""

    @abstractmethod
    def summary(self) -> str:
        """A plain-text summary that names the estimand, the estimate and its uncertainty."""

    def __str__(self) -> str:
        return self.summary()

    def _frame_for_display(self) -> pd.DataFrame | None:
        frame = getattr(self, "to_frame", None)
        return frame() if callable(frame) else None

    def _repr_html_(self) -> str:
        text = f"<pre>{html.escape(self.summary())}</pre>"
        frame = self._frame_for_display()
        if frame is not None and len(frame.columns):
            text += frame.to_html(max_rows=40, float_format=lambda v: f"{v:.4g}", na_rep="")
        return f'<div class="impact-result">{text}</div>'


class Result(_Printable, ABC):
    """Base of every public results class: estimates with intervals."""

    @abstractmethod
    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """A tidy table: identifiers, then ``estimate, se, ci_lower, ci_upper`` at ``level``."""

    def conf_int(self, *, level: float = 0.95) -> pd.DataFrame:
        """The identifiers and ``ci_lower, ci_upper`` of :meth:`to_frame` at ``level``."""
        frame = self.to_frame(level=level)
        ids = [c for c in IDENTIFIERS if c in frame.columns]
        return frame[[*ids, "ci_lower", "ci_upper"]]

    @abstractmethod
    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Draw the estimates on ``ax`` (a new figure when ``None``) and return the Axes."""


class EstimateResult(Result):
    """A :class:`Result` that estimates a programme effect and hands it to the economics."""

    @abstractmethod
    def effect(
        self,
        *,
        outcome: str | None = None,
        n_draws: int = 4000,
        seed: int | Any = None,
    ) -> Effect:
        """The effect as an :class:`impact.Effect` (``outcome=None``: the fitted outcome)."""

    @abstractmethod
    def headline(self, *, level: float = 0.95) -> pd.Series:
        """One row with :data:`HEADLINE_COLUMNS`: the result's main estimate and interval."""


class Diagnostic(_Printable, ABC):
    """Base of containers of checks: a pre-test, a diagnostics gate, LOO, settings."""

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """The checks as a tidy table."""


def headline_row(
    *,
    estimator: str,
    outcome: str,
    estimand: str,
    estimate: float,
    se: float,
    interval: tuple[float, float],
    level: float,
    uncertainty: str,
) -> pd.Series:
    """Build the one-row :meth:`EstimateResult.headline` in :data:`HEADLINE_COLUMNS` order."""
    return pd.Series(
        {
            "estimator": estimator,
            "outcome": outcome,
            "estimand": estimand,
            "estimate": float(estimate),
            "se": float(se),
            "ci_lower": float(interval[0]),
            "ci_upper": float(interval[1]),
            "level": float(level),
            "uncertainty": uncertainty,
        },
        index=list(HEADLINE_COLUMNS),
    )


def compare(
    *results: EstimateResult, level: float = 0.95, labels: Sequence[str] | None = None
) -> pd.DataFrame:
    """Put several estimators side by side: one row per result, at the same ``level``.

    Parameters
    ----------
    *results
        Results that estimate a programme effect (any :class:`EstimateResult`: ``att_gt``
        aggregations, TWFE, imputation, the wild bootstrap, Bayesian models...).
    level
        Coverage of every interval in the table (each result recomputes its own).
    labels
        Optional names for the rows (default: each result's ``estimator``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HEADLINE_COLUMNS`, one row per result in the order given.

    Examples
    --------
    >>> from impact.data import simulate
    >>> from impact.did import att_gt, imputation
    >>> sim = simulate("flyt", seed=1, scale=0.2)
    >>> spec = dict(outcome="completion_rate", unit="municipality", time="year",
    ...             cohort="adoption_year")
    >>> table = compare(att_gt(sim.panel, **spec).aggregate("simple"),
    ...                 imputation(sim.panel, **spec))
    >>> list(table.columns[:4])
    ['estimator', 'outcome', 'estimand', 'estimate']
    """
    level = check_level(level)
    from impact.errors import DesignError

    if not results:
        raise DesignError("compare() needs at least one result; pass them as compare(a, b, ...).")
    rows = []
    for i, result in enumerate(results):
        if not isinstance(result, EstimateResult):
            raise DesignError(
                f"compare() argument {i} is a {type(result).__name__}, which estimates no "
                "programme effect; pass results of impact.did or impact.bayes estimators."
            )
        rows.append(result.headline(level=level))
    table = pd.DataFrame(rows).reset_index(drop=True)
    if labels is not None:
        if len(labels) != len(results):
            raise DesignError(
                f"labels has {len(labels)} names for {len(results)} results; give one each."
            )
        table["estimator"] = list(labels)
    return table
