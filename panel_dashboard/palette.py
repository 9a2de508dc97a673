"""One fixed colour per platform, the same in every chart, legend and table.

The ten platforms get the eight Okabe-Ito colours (chosen to stay apart for the common
colour-vision deficiencies: protanopia, deuteranopia, tritanopia) plus two from Paul Tol's
palettes (indigo, olive) that keep their distance from those eight. Brand colours are
followed where that clashes with nothing: Netflix takes the red-orange, Disney+ the blue,
Hulu the green, Prime Video the sky blue, Apple TV+ black. YouTube TV (red, like Netflix)
and Paramount+ (blue, like Disney+) get colours of their own instead.
tests/unit/test_dashboard_palette.py checks every pair is apart under simulated CVD.
"""

from __future__ import annotations

from streamapp.analytics.platforms import PLATFORMS

PLATFORM_COLOURS: dict[str, str] = {
    "netflix": "#D55E00",  # vermillion (brand red)
    "disney_plus": "#0072B2",  # blue (brand blue)
    "hulu": "#009E73",  # bluish green (brand green)
    "max": "#CC79A7",  # reddish purple (brand purple)
    "prime_video": "#56B4E9",  # sky blue (brand light blue)
    "apple_tv_plus": "#000000",  # black (brand black)
    "peacock": "#E69F00",  # orange
    "paramount_plus": "#332288",  # Tol indigo: a blue that is not Disney+'s
    "youtube_tv": "#882255",  # Tol wine: a red that is not Netflix's
    "sling_tv": "#999933",  # Tol olive
}
OTHER = "#999999"  # platform-less lines ("alternative viewing") and unknown ids
assert set(PLATFORM_COLOURS) == set(PLATFORMS), "a platform without a colour"


def colour(platform: str) -> str:
    return PLATFORM_COLOURS.get(platform, OTHER)
