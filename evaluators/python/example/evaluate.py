#!/usr/bin/env python3
"""Genesis evaluator (contract v1) for approx_exp in approx.py.

Run by Genesis as `python3 evaluate.py` in the root of a sandbox copy of this folder, or by hand
(it then evaluates ./approx.py). It:
  1. imports the candidate from GENESIS_CANDIDATE_FILE,
  2. runs test_approx.py against it (with pytest when importable, else plainly),
  3. measures the error against math.exp on 201 points of [-1, 1] and the time per call,
  4. writes {"score", "correct", "metrics", "feedback"} to GENESIS_RESULT and prints it as the
     last line of stdout.

score = -(max abs error): higher is better and it depends on the code only, never on timing, so a
run is reproducible. The time per call is reported as a metric.
"""
import contextlib
import importlib.util
import io
import json
import math
import os
import statistics
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
FUNCTION = os.environ.get("GENESIS_FUNCTION") or "approx_exp"
CANDIDATE_FILE = os.environ.get("GENESIS_CANDIDATE_FILE") or os.path.join(HERE, "approx.py")
TEST_FILE = os.path.join(HERE, "test_approx.py")
POINTS = [-1.0 + 2.0 * i / 200 for i in range(201)]


def load_candidate():
    """Imports the candidate file as module `approx`, so the tests' `from approx import ...` sees it."""
    spec = importlib.util.spec_from_file_location("approx", CANDIDATE_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules["approx"] = module
    spec.loader.exec_module(module)
    return module


def short_exception(exc):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return " ".join(text.split())[:300]


def run_tests_with_pytest(pytest):
    """Runs the tests in-process; returns (passed, failures) with failures as 'name: message'."""
    failures = []
    passed = [0]

    class Collector:
        def pytest_runtest_logreport(self, report):
            if report.when == "call" and report.passed:
                passed[0] += 1
            elif report.failed:
                crash = getattr(report.longrepr, "reprcrash", None)
                message = crash.message if crash is not None else report.longreprtext.strip()
                first = (message.strip().splitlines() or ["failed"])[0]
                failures.append(f"{report.nodeid.split('::')[-1]}: {first.strip()[:300]}")

    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        code = pytest.main([TEST_FILE, "-q", "-p", "no:cacheprovider", "--tb=line"], plugins=[Collector()])
    if code not in (0, 1) and not failures:
        failures.append(f"pytest could not run the tests (exit code {int(code)}): {quiet.getvalue().strip()[-300:]}")
    return passed[0], failures


def run_tests_plainly():
    """Without pytest: imports the test file and calls each test_* function."""
    spec = importlib.util.spec_from_file_location("test_approx", TEST_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    passed, failures = 0, []
    for name in sorted(n for n in dir(module) if n.startswith("test_")):
        test = getattr(module, name)
        if not callable(test):
            continue
        try:
            test()
            passed += 1
        except Exception as exc:  # a failing or crashing test
            failures.append(f"{name}: {short_exception(exc)}")
    return passed, failures


def run_tests():
    # The tests need no plugins, and autoloading installed ones (pytest-benchmark, ...) costs
    # time and can leave files behind.
    os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    try:
        import pytest
    except ImportError:
        return run_tests_plainly()
    return run_tests_with_pytest(pytest)


def measure_error(fn):
    """Max and mean abs error against math.exp, and where the error is largest."""
    errors = []
    for x in POINTS:
        errors.append((abs(float(fn(x)) - math.exp(x)), x))
    worst, worst_x = max(errors, key=lambda e: e[0] if not math.isnan(e[0]) else math.inf)
    mean = sum(e for e, _ in errors) / len(errors)
    return worst, mean, worst_x


def time_per_call_us(fn, repeats=7, passes=5):
    """Median over `repeats` timed batches (after a warm-up) of the time of one call, in µs."""
    for _ in range(passes):  # warm-up
        for x in POINTS:
            fn(x)
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(passes):
            for x in POINTS:
                fn(x)
        samples.append((time.perf_counter() - start) / (passes * len(POINTS)))
    return statistics.median(samples) * 1e6


def evaluate():
    try:
        module = load_candidate()
        fn = getattr(module, FUNCTION)
    except BaseException as exc:  # SyntaxError, NameError, a missing function, ...
        return {"score": None, "correct": False, "metrics": {},
                "feedback": f"candidate does not import: {short_exception(exc)}"}

    passed, failures = run_tests()
    try:
        worst, mean, worst_x = measure_error(fn)
        per_call = time_per_call_us(fn)
    except Exception as exc:
        failures.append(f"evaluation crashed: {short_exception(exc)}")
        return {"score": None, "correct": False, "metrics": {"tests_passed": passed},
                "feedback": "\n".join(failures)}

    finite = math.isfinite(worst)
    correct = not failures and finite
    lines = [f"tests: {passed} passed, {len(failures)} failed"]
    lines += [f"FAILED {f}" for f in failures]
    if finite:
        got = float(fn(worst_x))
        lines.append(f"max abs error {worst:.6f} at x={worst_x:+.3f} "
                     f"(got {got:.6f}, e**x = {math.exp(worst_x):.6f}); mean abs error {mean:.6f}")
    else:
        lines.append(f"the function returns a non-finite value at x={worst_x:+.3f}")
    metrics = {"us_per_call": round(per_call, 4), "tests_passed": passed, "tests_failed": len(failures)}
    if finite:
        metrics.update(max_error=worst, mean_error=mean)
    return {"score": -worst if finite else None, "correct": correct, "metrics": metrics, "feedback": "\n".join(lines)}


def main():
    result = evaluate()
    text = json.dumps(result)
    result_path = os.environ.get("GENESIS_RESULT")
    if result_path:
        with open(result_path, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    main()
