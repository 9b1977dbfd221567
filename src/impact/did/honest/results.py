"""Result of :func:`impact.did.honest_did`: robust confidence sets over a grid of restrictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class HonestResult:
    """Robust confidence intervals over a grid of ``M`` (or ``Mbar``) and the breakdown value."""

    table: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    breakdown: float | None
    restriction: str
    method: str
    alpha: float
    breakdown_computed: bool = True

    def to_frame(self) -> pd.DataFrame:
        """``m, ci_lower, ci_upper, restriction, method`` with the original CI first (m = NaN)."""
        orig = pd.DataFrame(
            {
                "m": [np.nan],
                "ci_lower": [self.original[0]],
                "ci_upper": [self.original[1]],
                "restriction": ["parallel trends"],
                "method": ["original"],
            }
        )
        return pd.concat([orig, self.table], ignore_index=True)

    def summary(self) -> str:
        name = "M" if self.restriction == "smoothness" else "Mbar"
        if not self.breakdown_computed:
            bd = "not computed"
        elif self.breakdown is None:
            bd = (
                "not significant even at M = 0 (differences in trends that are exactly linear)"
                if self.restriction == "smoothness"
                else "not significant even at Mbar = 0 (no change in trends after adoption)"
            )
        else:
            bd = f"{name} = {self.breakdown:.4g}"
        return (
            f"Honest DiD sensitivity ({self.restriction}, {self.method}); estimate "
            f"{self.estimate:.4g}, original CI [{self.original[0]:.4g}, {self.original[1]:.4g}]; "
            f"breakdown: {bd}\n"
            + self.table.to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Robust CIs against ``M`` beside the original CI; zero line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        t = self.table
        m = t["m"].to_numpy()
        step = float(np.min(np.diff(m))) if len(m) > 1 else 1.0
        x0 = m.min() - step
        ax.vlines([x0], [self.original[0]], [self.original[1]], color="k", lw=3, label="original")
        ax.vlines(m, t["ci_lower"], t["ci_upper"], lw=3, label=self.method)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("M" if self.restriction == "smoothness" else "Mbar")
        ax.set_ylabel("Confidence interval")
        ax.legend(fontsize="small")
        return ax


# ---------------------------------------------------------------------------------------
