"""Figures are functions of bundle tables; they never touch pyplot's global state."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from impact.bundle import Bundle
from impact.errors import DataError
from impact.report.figures import (
    event_study_plot,
    group_time_plot,
    ledger_plot,
    npv_distribution_plot,
    pooled_posterior_plot,
    site_forest_plot,
    tornado_plot,
)


def test_event_study_shows_twfe_beside_robust_in_percentage_points(full_bundle: Bundle) -> None:
    twfe = full_bundle.read_table("twfe_event_study")
    robust = full_bundle.read_table("cs_dynamic")
    before = len(plt.get_fignums())
    fig = event_study_plot(twfe, robust=robust, lang="en")
    assert isinstance(fig, Figure) and len(plt.get_fignums()) == before
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {
        "TWFE (two-way fixed effects)",
        "Callaway–Sant'Anna",
        "Simultaneous 95% band",
    }
    # The TWFE points are the estimates times 100, shifted left of the integer event times.
    x, y = ax.lines[0].get_data()
    np.testing.assert_allclose(y, 100 * twfe["estimate"].to_numpy())
    assert np.all(np.asarray(x) < twfe["event_time"].to_numpy())
    assert ax.get_ylabel() == "Effect (percentage points)"
    # Zero line and reference line at -1.
    assert any(np.allclose(line.get_ydata(), 0) for line in ax.lines)
    assert any(np.allclose(line.get_xdata(), -1) for line in ax.lines)


def test_norwegian_axes_use_decimal_comma(full_bundle: Bundle) -> None:
    fig = event_study_plot(full_bundle.read_table("twfe_event_study"), lang="nb")
    fig.canvas.draw()
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert any("," in t for t in ticks) and not any("." in t for t in ticks)


def test_forest_plot_hides_sites_below_threshold(full_bundle: Bundle) -> None:
    sites = full_bundle.read_table("site_effects")
    fig = site_forest_plot(sites, pooled=0.044, lang="nb")
    shown = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    small = set(sites.loc[sites["n_treated"] < 5, "site"])
    assert small and not (shown & small)
    assert shown == set(sites.loc[sites["n_treated"] >= 5, "site"])
    assert any("vises ikke" in t.get_text() for t in fig.texts)


def test_posterior_and_npv_titles_give_the_probabilities() -> None:
    draws = np.r_[np.full(900, 0.05), np.full(100, -0.02)]
    fig = pooled_posterior_plot(draws, rope=0.01, lang="en")
    assert fig.axes[0].get_title() == "P(effect > 1.0 pp) = 90%"
    fig = npv_distribution_plot(np.r_[np.full(3, 1e6), np.full(1, -1e6)], lang="nb")
    assert fig.axes[0].get_title() == "P(netto nåverdi > 0) = 75\u00a0%"
    with pytest.raises(DataError):
        npv_distribution_plot(np.array([np.nan]))


def test_ledger_tornado_and_group_time(full_bundle: Bundle) -> None:
    ledger = full_bundle.read_table("ledger")
    fig = ledger_plot(ledger, lang="en")
    widths = sorted(p.get_width() for p in fig.axes[0].patches)
    np.testing.assert_allclose(widths, np.sort(ledger["present_value_nok"].to_numpy() / 1e6))
    tornado = full_bundle.read_table("tornado")
    fig = tornado_plot(tornado, base_npv=48.3e6)
    names = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert names[-1] == "Effektens varighet"  # widest range on top
    fig = tornado_plot(tornado.assign(parameter=["discount_rate", "effect_duration", "x_y"]))
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == [
        "x y",
        "Diskonteringsrente",
        "Effektens varighet",
    ]
    att_gt = full_bundle.read_table("att_gt")
    fig = group_time_plot(att_gt.assign(cohort=att_gt["cohort"].astype(float)), lang="en")
    assert [a.get_title() for a in fig.axes if a.get_visible()] == [
        "Start cohort 2018",
        "Start cohort 2020",
    ]


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataError, match="ci_upper"):
        event_study_plot(pd.DataFrame({"event_time": [0], "estimate": [0.1], "ci_lower": [0.0]}))
