"""The configurable choices of METRICS.md (marked cfg there), read from settings.KAM_METRICS."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction

from django.conf import settings


@dataclass(frozen=True)
class MetricsSettings:
    output_basis: str = "contract"  # contract | payment
    key_tiers: tuple[str, ...] = ("S", "A", "B")
    # Potential-output weights for closeness, solution and price acceptance (sum to 1).
    potential_weights: tuple[float, float, float] = field(default=(1 / 3, 1 / 3, 1 / 3))
    noise_band: float = 0.01
    stability_tolerance: float = 0.10
    hours_per_day: float = 8.0

    def __post_init__(self):
        if self.output_basis not in ("contract", "payment"):
            raise ValueError("output_basis must be 'contract' or 'payment'")
        total = sum(Fraction(w).limit_denominator(10**6) for w in self.potential_weights)
        if len(self.potential_weights) != 3 or total != 1:
            raise ValueError("potential_weights must be three weights summing to 1")
        if not self.key_tiers or any(t not in ("S", "A", "B", "C") for t in self.key_tiers):
            raise ValueError("key_tiers must be a non-empty subset of S, A, B, C")
        if self.hours_per_day <= 0:
            raise ValueError("hours_per_day must be positive")

    def with_overrides(self, **overrides) -> MetricsSettings:
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})


def metrics_settings() -> MetricsSettings:
    raw = dict(getattr(settings, "KAM_METRICS", {}) or {})
    if "key_tiers" in raw:
        raw["key_tiers"] = tuple(raw["key_tiers"])
    if "potential_weights" in raw:
        raw["potential_weights"] = tuple(float(w) for w in raw["potential_weights"])
    return MetricsSettings(**raw)
