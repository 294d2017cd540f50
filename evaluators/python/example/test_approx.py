"""Correctness tests for approx_exp (pytest style; evaluate.py also runs them without pytest)."""
import math

from approx import approx_exp

POINTS = [-1.0 + 2.0 * i / 200 for i in range(201)]


def test_close_to_exp_on_interval():
    worst = max(abs(approx_exp(x) - math.exp(x)) for x in POINTS)
    assert worst < 0.5, f"max abs error {worst:.4f} on [-1, 1] is not below 0.5"


def test_close_to_one_at_zero():
    assert abs(approx_exp(0.0) - 1.0) < 0.05, f"approx_exp(0) = {approx_exp(0.0)!r}, expected about 1"


def test_returns_a_float():
    assert isinstance(approx_exp(0.5), float), f"approx_exp(0.5) returned {type(approx_exp(0.5)).__name__}"
