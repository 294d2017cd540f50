#!/usr/bin/env python3
"""Genesis evaluator for a Rust crate (contract v1). Copy it into the crate's root, next to
Cargo.toml, with src/bin/genesis_eval.rs (the checks and timing; see the template).

Genesis runs it once per candidate, e.g. with the command `python3 evaluate.py`, in the root of a
sandbox copy of your workspace; the candidate file (src/lib.rs, say) is already written into that
copy, and GENESIS_CANDIDATE_FILE names it. It:
  1. builds with `cargo build --release --offline` (no network in the sandbox: a crate with
     crates.io dependencies needs them vendored),
  2. runs target/release/genesis_eval, which checks the function and times it and prints one line
     of contract JSON {"score", "correct", "metrics", "feedback"},
  3. adds the build time to the metrics, writes the result to GENESIS_RESULT and prints it last.
A compile error, a panic or a missing cargo gives {"correct": false, "score": null} with the
reason in "feedback". Run it by hand too: it then builds and evaluates the crate as it is.
"""
import json
import os
import shutil
import subprocess
import sys
import time

# ---- EDIT: the harness binary, and time limits in seconds ----------------------------------------
BIN = "genesis_eval"
BUILD_TIMEOUT = 300
RUN_TIMEOUT = 120
# ----------------------------------------------------------------------------------------------------

WORKDIR = os.environ.get("GENESIS_WORKDIR") or os.getcwd()
CANDIDATE_FILE = os.environ.get("GENESIS_CANDIDATE_FILE") or os.path.join(WORKDIR, "src", "lib.rs")


def failure(feedback, metrics=None):
    return {"score": None, "correct": False, "metrics": metrics or {}, "feedback": feedback}


def compiler_errors(output, limit=30):
    """The error lines of cargo's short messages (`src/lib.rs:3:5: error[E0308]: ...`), first."""
    lines = [l.rstrip() for l in output.splitlines() if l.strip()]
    errors = [l for l in lines if "error" in l and not l.lstrip().startswith("Compiling")]
    chosen = errors or lines
    text = "\n".join(chosen[:limit])
    return text + (f"\n... ({len(chosen) - limit} more lines)" if len(chosen) > limit else "")


def last_json_line(stdout):
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("the harness printed no JSON line")


def evaluate():
    cargo = shutil.which("cargo")
    if cargo is None:
        return failure("cargo not found on PATH: install Rust (https://rustup.rs) on the machine that runs "
                       "this evaluator, or add ~/.cargo/bin to the PATH Genesis runs it with")
    crate_src = os.path.realpath(os.path.join(WORKDIR, "src"))
    if not os.path.realpath(CANDIDATE_FILE).startswith(crate_src + os.sep):
        return failure(f"the candidate {CANDIDATE_FILE} is not in this crate's src/ ({crate_src}): "
                       "cargo builds the crate in place")

    started = time.perf_counter()
    try:
        build = subprocess.run(
            [cargo, "build", "--release", "--offline", "--quiet", "--message-format=short", "--bin", BIN],
            cwd=WORKDIR, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"cargo build took longer than {BUILD_TIMEOUT} s")
    build_ms = (time.perf_counter() - started) * 1e3
    if build.returncode != 0:
        return failure("compile error (cargo build --release):\n" + compiler_errors(build.stderr + build.stdout),
                       {"build_ms": round(build_ms)})

    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(WORKDIR, "target")
    binary = os.path.join(target, "release", BIN)
    try:
        # No backtrace: the panic message and its place are what the next prompt needs.
        env = {**os.environ, "RUST_BACKTRACE": "0"}
        run = subprocess.run([binary], cwd=WORKDIR, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"{BIN} took longer than {RUN_TIMEOUT} s (an endless loop?)", {"build_ms": round(build_ms)})
    if run.returncode != 0:
        stderr = "\n".join(run.stderr.strip().splitlines()[-15:])
        how = f"signal {-run.returncode}" if run.returncode < 0 else f"exit code {run.returncode}"
        return failure(f"{BIN} failed ({how}):\n{stderr}", {"build_ms": round(build_ms)})
    try:
        result = last_json_line(run.stdout)
    except ValueError as exc:
        return failure(f"{BIN} output is not contract JSON: {exc}; last output: {run.stdout.strip()[-300:]}")
    result.setdefault("metrics", {})["build_ms"] = round(build_ms)
    return result


def main():
    result = evaluate()
    text = json.dumps(result)
    result_path = os.environ.get("GENESIS_RESULT")
    if result_path:
        with open(result_path, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
