"""`streamapp backtest --plot out.png`: actual vs forecast, one panel per series.

Each panel shows the series, the chosen model's forecast from every origin (solid on the
held-out origins it is scored on, dotted on the origins it was chosen on) and the
seasonal naive forecast on the held-out origins, for comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plot_backtests(results: list[Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(results), 1, figsize=(10, 3 * len(results)), squeeze=False)
    for ax, r in zip(axes[:, 0], results, strict=True):
        b = r.backtest
        ax.plot(r.stamps, r.values, color="black", linewidth=1, label="actual")
        for origin in b.selection + b.holdout:
            held_out = origin in b.holdout
            span = r.stamps[origin : origin + b.horizon]
            chosen = b.forecasts[b.chosen][origin][: len(span)]
            ax.plot(
                span,
                chosen,
                color="tab:blue",
                linestyle="-" if held_out else ":",
                label=f"{b.chosen} (chosen)" if origin == b.holdout[0] else None,
            )
            if held_out:
                snaive = b.forecasts["seasonal_naive"][origin][: len(span)]
                first = origin == b.holdout[0]
                ax.plot(
                    span,
                    snaive,
                    color="tab:orange",
                    alpha=0.6,
                    label="seasonal naive" if first else None,
                )
        ax.set_title(f"{r.name} ({r.freq}, horizon {b.horizon})")
        ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)
