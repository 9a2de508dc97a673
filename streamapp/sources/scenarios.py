"""Market-event scenarios: the `Scenario` spec, its parsing and its effects on posts and trends."""

from __future__ import annotations

from dataclasses import dataclass

from streamapp.analytics.platforms import PLATFORM_IDS

__all__ = ["MIN_SURGE_SHARE", "SCENARIO_POSTS", "SCENARIO_TRENDS", "Scenario"]

# While a scenario is active its platform gets this many times its normal posts per label.
SCENARIO_POSTS: dict[str, dict[str, float]] = {
    "price-hike": {"price_complaint": 8.0, "cancellation": 6.0, "switching": 5.0},
    "content-exit": {"content_gap": 8.0, "switching": 5.0, "piracy": 5.0},
    "piracy-wave": {"piracy": 10.0},
    "outage": {"outage": 10.0},
}
# ... and search interest becomes level * multiplier + points. Targets: "brand" (the
# platform's own keyword), "cancel" ("cancel <platform>") or a literal keyword.
SCENARIO_TRENDS: dict[str, dict[str, tuple[float, float]]] = {
    "price-hike": {"cancel": (6.0, 6.0), "brand": (1.15, 0.0)},
    "content-exit": {"cancel": (2.0, 2.0), "free streaming": (1.5, 2.0)},
    "piracy-wave": {"free streaming": (3.0, 5.0), "watch free online": (3.0, 4.0)},
    "outage": {"brand": (1.5, 3.0)},
}
# A surging label gets at least this share of `rate`, so small platforms surge visibly too.
MIN_SURGE_SHARE = 0.015


@dataclass(frozen=True)
class Scenario:
    """A market event that changes the mix while active: "price-hike:netflix@60/600"."""

    kind: str
    platform: str
    start_after_s: float = 0.0
    duration_s: float = 300.0

    def __post_init__(self) -> None:
        if self.kind not in SCENARIO_POSTS:
            raise ValueError(_scenario_help(f"unknown scenario kind {self.kind!r}"))
        if self.platform not in PLATFORM_IDS:
            raise ValueError(_scenario_help(f"unknown platform {self.platform!r}"))
        if self.start_after_s < 0 or self.duration_s <= 0:
            raise ValueError("a scenario needs start_after_s >= 0 and duration_s > 0")

    @classmethod
    def parse(cls, text: str) -> Scenario:
        """`KIND:PLATFORM[@START_AFTER_S[/DURATION_S]]`, e.g. `outage:hulu@120/60`."""
        spec, _, timing = text.strip().partition("@")
        kind, sep, platform = spec.partition(":")
        if not sep or not kind or not platform:
            raise ValueError(_scenario_help(f"scenario {text!r} is not KIND:PLATFORM"))
        start, duration = 0.0, 300.0
        if timing:
            first, _, second = timing.partition("/")
            try:
                start = float(first)
                duration = float(second) if second else duration
            except ValueError:
                raise ValueError(
                    f"scenario {text!r}: timing must be @START_AFTER_S[/DURATION_S] in seconds"
                ) from None
        platform = platform.strip().lower().replace("-", "_").replace("+", "_plus")
        return cls(kind.strip().lower(), platform, start, duration)

    def __str__(self) -> str:
        return f"{self.kind}:{self.platform}"

    def window(self, origin: float) -> tuple[float, float]:
        begin = origin + self.start_after_s
        return begin, begin + self.duration_s

    def is_active(self, origin: float, t: float) -> bool:
        begin, end = self.window(origin)
        return begin <= t < end


def _scenario_help(problem: str) -> str:
    return (
        f"{problem}; valid kinds: {', '.join(SCENARIO_POSTS)}; "
        f"valid platforms: {', '.join(sorted(PLATFORM_IDS))}"
    )
