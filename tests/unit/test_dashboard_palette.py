"""The platform colours stay apart for normal vision and simulated colour-vision deficiency
(Machado, Oliveira & Fernandes 2009, severity 1.0), measured as CIELAB distance."""

from __future__ import annotations

import itertools

import numpy as np

from streamapp.analytics.platforms import PLATFORMS
from streamapp.panel_dashboard.palette import OTHER, PLATFORM_COLOURS, colour

MACHADO = {
    "normal": np.eye(3),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "tritanopia": np.array(
        [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
         [0.004733, 0.691367, 0.303900]]
    ),
}  # fmt: skip
MIN_DISTANCE = 12.0  # CIELAB delta-E 76: ~2.3 is "just noticeable"; lines need far more


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    ) @ np.clip(linear, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_every_platform_has_its_own_colour():
    assert set(PLATFORM_COLOURS) == set(PLATFORMS)
    assert len(set(PLATFORM_COLOURS.values()) | {OTHER}) == len(PLATFORMS) + 1
    assert colour("netflix") == "#D55E00" and colour("nobody") == OTHER


def test_colours_stay_apart_under_simulated_colour_vision_deficiency():
    worst = {}
    for vision, matrix in MACHADO.items():
        lab = {p: _lab(matrix @ _linear(c)) for p, c in PLATFORM_COLOURS.items()}
        worst[vision] = min(
            (float(np.linalg.norm(lab[a] - lab[b])), a, b)
            for a, b in itertools.combinations(lab, 2)
        )
    assert all(d >= MIN_DISTANCE for d, _, _ in worst.values()), worst
