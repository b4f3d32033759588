"""Summaries and ratios the benchmarks print and store."""

from __future__ import annotations

import pytest

from bench.common import parse_engines
from bench.summary import ratio, summarize


def test_summary_of_no_samples_is_none() -> None:
    assert summarize([]) is None


def test_median_and_p90_come_from_the_samples() -> None:
    summary = summarize([float(v) for v in range(1, 11)])
    assert summary is not None
    assert summary.median_ms == 5.5
    assert summary.p90_ms == pytest.approx(9.1)
    assert (summary.min_ms, summary.max_ms, summary.n) == (1.0, 10.0, 10)


def test_a_single_sample_is_its_own_p90() -> None:
    summary = summarize([42.0])
    assert summary is not None
    assert summary.p90_ms == 42.0


def test_ratio_is_dockyard_median_over_dockerd_median() -> None:
    assert ratio(summarize([100.0]), summarize([400.0])) == 0.25


def test_ratio_without_both_engines_is_none() -> None:
    assert ratio(None, summarize([400.0])) is None


def test_engines_are_parsed_in_the_given_order() -> None:
    assert parse_engines("dockerd, dockyard") == ["dockerd", "dockyard"]


def test_an_unknown_engine_is_rejected() -> None:
    with pytest.raises(ValueError, match="--engines"):
        parse_engines("dockyard,podman")
