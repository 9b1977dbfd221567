"""Figures shared by the Bayesian results: forest plot of site effects, pooled posterior.

Pure matplotlib on explicit Figure/Axes objects; no backend is forced (set ``MPLBACKEND``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def _new_axes(ax: Axes | None, *, height: float = 4.0) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        return fig, ax
    fig = Figure(figsize=(7.0, height), layout="constrained")
    return fig, fig.add_subplot()


def forest_plot(
    sites: pd.DataFrame,
    *,
    pooled_mean: float,
    title: str,
    xlabel: str,
    ax: Axes | None = None,
) -> Figure:
    """Forest plot: one row per site with the posterior mean and credible interval.

    ``sites`` needs columns ``site, mean, ci_lower, ci_upper`` and, optionally, the
    unpooled ``estimate`` with ``ci_estimate_lower``/``ci_estimate_upper`` (drawn hollow, so
    the shrinkage towards the pooled mean is visible).
    """
    fig, ax = _new_axes(ax, height=max(3.0, 0.35 * len(sites) + 1.5))
    y = np.arange(len(sites))[::-1].astype(float)
    if "estimate" in sites and sites["estimate"].notna().any():
        ax.errorbar(
            sites["estimate"],
            y + 0.18,
            xerr=[
                sites["estimate"] - sites["ci_estimate_lower"],
                sites["ci_estimate_upper"] - sites["estimate"],
            ],
            fmt="o",
            mfc="white",
            color="0.55",
            capsize=0,
            label="site estimate (no pooling)",
        )
    ax.errorbar(
        sites["mean"],
        y - 0.18 if "estimate" in sites else y,
        xerr=[sites["mean"] - sites["ci_lower"], sites["ci_upper"] - sites["mean"]],
        fmt="o",
        color="C0",
        capsize=0,
        label="partially pooled (posterior)",
    )
    ax.axvline(pooled_mean, color="C1", linestyle="--", label="pooled mean")
    ax.axvline(0.0, color="0.3", linewidth=0.8)
    ax.set_yticks(y, [str(s) for s in sites["site"]])
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return fig


def posterior_plot(
    draws: np.ndarray,
    *,
    practical_zero: float | None,
    title: str,
    xlabel: str,
    ax: Axes | None = None,
) -> Figure:
    """Posterior density (histogram) of one effect with the "practically zero" band.

    The band ``[-practical_zero, practical_zero]`` marks effects too small to matter; the
    legend gives the posterior probability of an effect above it and above zero.
    """
    fig, ax = _new_axes(ax)
    draws = np.asarray(draws, dtype=float).ravel()
    ax.hist(draws, bins=60, density=True, color="C0", alpha=0.7)
    label0 = f"P(effect > 0) = {np.mean(draws > 0):.2f}"
    ax.axvline(0.0, color="0.3", linewidth=0.8, label=label0)
    if practical_zero is not None and practical_zero > 0:
        ax.axvspan(
            -practical_zero,
            practical_zero,
            color="0.6",
            alpha=0.3,
            label=f"practically zero (|effect| < {practical_zero:g}); "
            f"P(effect > {practical_zero:g}) = {np.mean(draws > practical_zero):.2f}",
        )
    ax.axvline(float(np.mean(draws)), color="C1", linestyle="--", label="posterior mean")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("posterior density")
    ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    return fig
