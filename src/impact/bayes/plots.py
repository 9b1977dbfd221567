"""Figures shared by the Bayesian results: forest plot of site effects, pooled posterior.

Pure matplotlib on explicit Figure/Axes objects; no backend is forced (set ``MPLBACKEND``).
Each function draws on the ``ax`` it is given (a new Figure when ``None``) and returns it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure


def new_axes(ax: Axes | None, *, height: float = 4.0) -> Axes:
    """``ax`` itself, or the Axes of a new (pyplot-free) Figure when ``ax`` is ``None``."""
    if ax is not None:
        return ax
    fig = Figure(figsize=(7.0, height), layout="constrained")
    return fig.add_subplot()


def forest_plot(
    sites: pd.DataFrame,
    *,
    pooled_mean: float,
    title: str,
    xlabel: str,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: one row per site with the posterior mean and equal-tailed interval.

    ``sites`` needs columns ``site, estimate, ci_lower, ci_upper`` (posterior) and,
    optionally, the unpooled ``unpooled_estimate`` with ``unpooled_lower``/``unpooled_upper``
    (drawn hollow, so the shrinkage towards the pooled mean is visible). Returns the Axes.
    """
    ax = new_axes(ax, height=max(3.0, 0.35 * len(sites) + 1.5))
    y = np.arange(len(sites))[::-1].astype(float)
    unpooled = "unpooled_estimate" in sites and sites["unpooled_estimate"].notna().any()
    if unpooled:
        ax.errorbar(
            sites["unpooled_estimate"],
            y + 0.18,
            xerr=[
                sites["unpooled_estimate"] - sites["unpooled_lower"],
                sites["unpooled_upper"] - sites["unpooled_estimate"],
            ],
            fmt="o",
            mfc="white",
            color="0.55",
            capsize=0,
            label="site estimate (no pooling)",
        )
    ax.errorbar(
        sites["estimate"],
        y - 0.18 if unpooled else y,
        xerr=[sites["estimate"] - sites["ci_lower"], sites["ci_upper"] - sites["estimate"]],
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
    return ax


def posterior_plot(
    draws: np.ndarray,
    *,
    practical_zero: float | None,
    title: str,
    xlabel: str,
    ax: Axes | None = None,
) -> Axes:
    """Posterior density (histogram) of one effect with the "practically zero" band.

    The band ``[-practical_zero, practical_zero]`` marks effects too small to matter; the
    legend gives the posterior probability of an effect above it and above zero.
    """
    ax = new_axes(ax)
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
    return ax
