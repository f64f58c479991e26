"""Shared fixtures: small inline plans and tables, and temporary folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest


def write(path: Path, text: str) -> Path:
    """Write dedented text to ``path`` and return it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def spec_plan_text() -> str:
    """The plan of SPEC section 1."""
    return textwrap.dedent("""
        id: csm-fy27-ar
        name: CSM Adoption & Renewal FY27
        currency: USD
        period: quarter
        archetype: adoption_renewal
        inputs:
          company_attainment: 1.04
        components:
          - id: renewal
            kind: bonus
            metric: gross_renewal_rate
            weight: 0.6
            target: 0.92
            threshold: 0.85
            curve:
              mode: marginal
              tiers:
                - {upto: 1.0, rate: 1.0}
                - {upto: 1.1, rate: 3.0}
                - {rate: 1.0}
            cap: 1.5
          - id: upsell
            kind: commission
            metric: upsell_arr
            quota: {column: quota_upsell}
            curve:
              mode: marginal
              tiers: [{upto: 1.0, rate: 0.05}, {rate: 0.08}]
            gate: {metric: gross_renewal_rate, min: 0.80}
        multipliers:
          - {metric: nps, applies_to: [renewal], bands: [{min: 30, factor: 1.05}, {min: 50, factor: 1.10}]}
        """).lstrip("\n")
