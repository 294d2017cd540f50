#!/usr/bin/env python3
"""Genesis evaluator for C/C++ (contract v1). Copy it into your workspace root with harness.cpp
(the checks and timing; see the template) and edit the marked part.

Genesis runs it once per candidate, e.g. with the command `python3 evaluate.py`, in the root of a
sandbox copy of your workspace, with GENESIS_CANDIDATE_FILE naming the source file that holds the
candidate function. It:
  1. compiles the harness and the candidate with `g++ -O2` (CXX overrides the compiler) into a
     temporary folder,
  2. runs the program, which checks the function against a reference, times it and prints one line
     of contract JSON {"score", "correct", "metrics", "feedback"},
  3. adds the compile time to the metrics, writes the result to GENESIS_RESULT and prints it last.
A compile error, a crash or a missing compiler gives {"correct": false, "score": null} with the
reason in "feedback". Run it by hand too: it then evaluates CANDIDATE_FALLBACK.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WORKDIR = os.environ.get("GENESIS_WORKDIR") or os.getcwd()
# ---- EDIT: your files, compiler flags and time limits (seconds) -----------------------------------
CANDIDATE_FALLBACK = os.path.join(WORKDIR, "my_function.cpp")
HARNESS_SOURCES = [os.path.join(WORKDIR, "harness.cpp")]
FLAGS = ["-O2", "-std=c++17", "-Wall"]
LIBS = []
COMPILE_TIMEOUT = 120
RUN_TIMEOUT = 120
# ----------------------------------------------------------------------------------------------------

CANDIDATE_FILE = os.environ.get("GENESIS_CANDIDATE_FILE") or CANDIDATE_FALLBACK
COMPILER = os.environ.get("CXX") or "g++"
SOURCE_SUFFIXES = (".cpp", ".cc", ".cxx", ".c++", ".c")


def failure(feedback, metrics=None):
    return {"score": None, "correct": False, "metrics": metrics or {}, "feedback": feedback}


def compiler_errors(output, limit=25):
    """The compiler's error lines first (`transpose.cpp:7:5: error: ...`), then the rest if none."""
    lines = [l.rstrip() for l in output.splitlines() if l.strip()]
    errors = [l for l in lines if "error" in l]
    chosen = errors or lines
    text = "\n".join(chosen[:limit])
    return text + (f"\n... ({len(chosen) - limit} more lines)" if len(chosen) > limit else "")


def last_json_line(stdout):
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("the harness printed no JSON line")


def compile_command(binary):
    # A candidate header is not compiled on its own: the harness includes it from its folder.
    sources = HARNESS_SOURCES + ([CANDIDATE_FILE] if CANDIDATE_FILE.endswith(SOURCE_SUFFIXES) else [])
    folders = dict.fromkeys([os.path.dirname(os.path.abspath(CANDIDATE_FILE)), os.path.abspath(WORKDIR)])
    includes = [arg for folder in folders for arg in ("-I", folder)]
    return [COMPILER, *FLAGS, *includes, "-o", binary, *sources, *LIBS]


def evaluate(build_dir):
    if shutil.which(COMPILER) is None:
        return failure(f"{COMPILER} not found on PATH: install a C++ compiler (apt-get install g++) "
                       "or set CXX for the evaluator")
    binary = os.path.join(build_dir, "genesis_eval")
    command = compile_command(binary)
    started = time.perf_counter()
    try:
        # LC_ALL=C: plain ASCII quotes in the messages the next prompt reads.
        build = subprocess.run(command, cwd=WORKDIR, env={**os.environ, "LC_ALL": "C"},
                               capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"compiling took longer than {COMPILE_TIMEOUT} s: {shlex.join(command)}")
    build_ms = round((time.perf_counter() - started) * 1e3)
    if build.returncode != 0:
        return failure(f"compile error ({shlex.join(command[:2])} ...):\n" + compiler_errors(build.stderr),
                       {"build_ms": build_ms})
    try:
        run = subprocess.run([binary], cwd=WORKDIR, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"the program took longer than {RUN_TIMEOUT} s (an endless loop?)", {"build_ms": build_ms})
    if run.returncode != 0:
        if run.returncode < 0:
            name = signal.Signals(-run.returncode).name
            how = f"was killed by {name}" + (" (a memory error: out-of-bounds access?)" if name == "SIGSEGV" else "")
        else:
            how = f"exited with code {run.returncode}"
        tail = "\n".join(run.stderr.strip().splitlines()[-15:])
        return failure(f"the program {how}" + (f":\n{tail}" if tail else ""), {"build_ms": build_ms})
    try:
        result = last_json_line(run.stdout)
    except ValueError as exc:
        return failure(f"the program's output is not contract JSON: {exc}; last output: {run.stdout.strip()[-300:]}")
    result.setdefault("metrics", {})["build_ms"] = build_ms
    return result


def main():
    with tempfile.TemporaryDirectory(prefix="genesis-cpp-") as build_dir:
        result = evaluate(build_dir)
    text = json.dumps(result)
    result_path = os.environ.get("GENESIS_RESULT")
    if result_path:
        with open(result_path, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
