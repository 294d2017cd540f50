#!/usr/bin/env python3
"""Genesis evaluator template for Python (contract v1). Copy it into your workspace and edit the
three marked parts: TEST_PATHS, make_args() and score_from().

Genesis runs it once per candidate, e.g. with the command `python3 evaluate.py`, in the root of a
sandbox copy of your workspace, with:
  GENESIS_CANDIDATE_FILE  absolute path of the source file with the function replaced
  GENESIS_FUNCTION        the function's name
  GENESIS_WORKDIR         root of the workspace copy (also the current directory)
  GENESIS_RESULT          where to write the result JSON
What it does:
  1. imports the candidate file (as the module its file name says, so your tests' imports see it),
  2. runs your tests (pytest when importable, else every plain `test_*` function),
  3. times the function: warm-up calls, then the median of REPEATS timed calls,
  4. writes {"score", "correct", "metrics", "feedback"} to GENESIS_RESULT and prints it last.
Run it by hand too: without the variables it evaluates CANDIDATE_FALLBACK.
"""
import contextlib
import glob
import importlib.util
import io
import json
import math
import os
import random
import statistics
import sys
import time
import traceback

WORKDIR = os.environ.get("GENESIS_WORKDIR") or os.getcwd()
# ---- EDIT 1: your source file (used when run by hand), function name and tests ----------------
CANDIDATE_FALLBACK = os.path.join(WORKDIR, "my_module.py")
FUNCTION_FALLBACK = "my_function"
# Test files, folders or pytest node ids (file::test_name); the default finds test_*.py in the
# workspace root and tests/.
TEST_PATHS = sorted(glob.glob(os.path.join(WORKDIR, "test_*.py"))) + (
    [os.path.join(WORKDIR, "tests")] if os.path.isdir(os.path.join(WORKDIR, "tests")) else [])
WARMUP = 3
REPEATS = 9


# ---- EDIT 2: the arguments of one timed call -----------------------------------------------------
def make_args():
    """Returns the positional arguments of one call of the function (fixed seed: same every run)."""
    rng = random.Random(0)
    return ([rng.random() for _ in range(10_000)],)


# ---- EDIT 3: the score (higher is better) ---------------------------------------------------------
def score_from(seconds_per_call):
    """Default: faster is better. Prefer a deterministic score (an error, a count) when you have one:
    timings vary between runs and between machines."""
    return -seconds_per_call
# ----------------------------------------------------------------------------------------------------

CANDIDATE_FILE = os.environ.get("GENESIS_CANDIDATE_FILE") or CANDIDATE_FALLBACK
FUNCTION = os.environ.get("GENESIS_FUNCTION") or FUNCTION_FALLBACK


def short_exception(exc):
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return " ".join(text.split())[:300]


def load_candidate():
    """Imports the candidate under its module name, so `import <module>` in the tests gets it."""
    if WORKDIR not in sys.path:
        sys.path.insert(0, WORKDIR)
    name = os.path.splitext(os.path.basename(CANDIDATE_FILE))[0]
    spec = importlib.util.spec_from_file_location(name, CANDIDATE_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_tests_with_pytest(pytest):
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
                failures.append(f"{report.nodeid}: {first.strip()[:300]}")

    quiet = io.StringIO()  # keep pytest's report off stdout, whose last line is the result
    with contextlib.redirect_stdout(quiet):
        code = pytest.main([*TEST_PATHS, "-q", "-p", "no:cacheprovider", "--tb=line"], plugins=[Collector()])
    if int(code) not in (0, 1, 5) and not failures:  # 5: no tests collected
        failures.append(f"pytest could not run the tests (exit code {int(code)}): {quiet.getvalue().strip()[-300:]}")
    return passed[0], failures


def run_tests_plainly():
    files = []  # (file, the test names to run there: None for every test_* function)
    for path in TEST_PATHS:
        path, _, selected = path.partition("::")  # a pytest node id: file::test_name
        if os.path.isdir(path):
            files += [(f, None) for f in sorted(glob.glob(os.path.join(path, "test_*.py")))]
        else:
            files.append((path, {selected} if selected else None))
    passed, failures = 0, []
    for path, selected in files:
        name = os.path.splitext(os.path.basename(path))[0]
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        except Exception as exc:
            failures.append(f"{name}: does not import: {short_exception(exc)}")
            continue
        for test_name in sorted(n for n in dir(module) if n.startswith("test_") and (selected is None or n in selected)):
            test = getattr(module, test_name)
            if not callable(test):
                continue
            try:
                test()
                passed += 1
            except Exception as exc:
                failures.append(f"{name}::{test_name}: {short_exception(exc)}")
    return passed, failures


def run_tests():
    if not TEST_PATHS:
        return 0, []
    os.environ.setdefault("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # faster, and no stray files
    try:
        import pytest
    except ImportError:
        return run_tests_plainly()
    return run_tests_with_pytest(pytest)


def time_call(fn, args):
    """Median seconds of one call after WARMUP untimed calls."""
    for _ in range(WARMUP):
        fn(*args)
    samples = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn(*args)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), min(samples)


def evaluate():
    try:
        fn = getattr(load_candidate(), FUNCTION)
    except BaseException as exc:  # SyntaxError, a missing function, an import that fails
        return {"score": None, "correct": False, "metrics": {},
                "feedback": f"candidate does not import: {short_exception(exc)}"}
    passed, failures = run_tests()
    metrics = {"tests_passed": passed, "tests_failed": len(failures)}
    lines = [f"tests: {passed} passed, {len(failures)} failed"] + [f"FAILED {f}" for f in failures]
    if failures:
        return {"score": None, "correct": False, "metrics": metrics, "feedback": "\n".join(lines)}
    try:
        median, best = time_call(fn, make_args())
    except Exception as exc:
        lines.append(f"the timed call crashed: {short_exception(exc)}")
        return {"score": None, "correct": False, "metrics": metrics, "feedback": "\n".join(lines)}
    metrics.update(median_ms=median * 1e3, min_ms=best * 1e3)
    score = score_from(median)
    lines.append(f"median {median * 1e3:.4f} ms per call (min {best * 1e3:.4f} ms, {REPEATS} repeats)")
    return {"score": score if math.isfinite(score) else None, "correct": True, "metrics": metrics,
            "feedback": "\n".join(lines)}


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
