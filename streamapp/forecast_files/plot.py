"""`streamapp backtest --plot out.png`: actual vs forecast, one panel per series; and
`streamapp forecast --plot out.png`: history, forecast and band.

Each panel shows the series, the chosen model's forecast from every origin (solid on the
held-out origins it is scored on, dotted on the origins it was chosen on) and the
seasonal naive forecast on the held-out origins, for comparison.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _panels(count: int) -> tuple[Any, Any, Any]:
    import matplotlib

    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(count, 1, figsize=(10, 3 * count), squeeze=False)
    return plt, fig, axes[:, 0]


def _save(plt: Any, fig: Any, out: Path) -> None:
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    plt.close(fig)


def plot_forecasts(done: list[tuple[Any, Any]], out: Path) -> None:
    """`streamapp forecast --plot`: each series' history, forecast and band."""
    plt, fig, axes = _panels(len(done))
    for ax, (s, f) in zip(axes, done, strict=True):
        ax.plot(s.timestamps, s.values, color="black", linewidth=1, label="actual")
        stamps = [s.timestamps[-1], *(p.timestamp for p in f.points)]
        ax.plot(
            stamps, [s.values[-1], *(p.yhat for p in f.points)], color="tab:blue", label=f.model
        )
        ax.fill_between(
            stamps[1:],
            [p.yhat_lower for p in f.points],
            [p.yhat_upper for p in f.points],
            color="tab:blue",
            alpha=0.2,
            label="band",
        )
        used = f", drivers: {', '.join(f.drivers)}" if f.drivers else ""
        ax.set_title(f"{s.name} ({f.model}{used})")
        ax.legend(loc="upper left", fontsize="small")
    _save(plt, fig, out)


def plot_backtests(results: list[Any], out: Path) -> None:
    plt, fig, axes = _panels(len(results))
    for ax, r in zip(axes, results, strict=True):
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
    _save(plt, fig, out)
