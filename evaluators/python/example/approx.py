"""A tiny workspace for the Genesis demo: a polynomial approximation worth tuning."""


def approx_exp(x):
    """Approximate e**x on [-1, 1] with a cubic polynomial."""
    return 1.0 + 0.9 * x + 0.4 * x * x + 0.1 * x * x * x
