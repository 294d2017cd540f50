#!/usr/bin/env python3
"""Genesis evaluator for CUDA (contract v1), meant for a GPU runner (SSH or Slurm). Copy it into
your workspace root with harness.cu (the checks and timing; see the example) and edit the marked
part.

Genesis runs it once per candidate, e.g. with the command `python3 evaluate.py`, in the root of a
copy of your workspace, with GENESIS_CANDIDATE_FILE naming the .cu file that holds the candidate.
It:
  1. checks for a GPU (`nvidia-smi -L`) and for nvcc, and says clearly which one is missing,
  2. compiles the harness and the candidate with `nvcc -O3 -arch=sm_XX` (the GPU's compute
     capability, or GENESIS_CUDA_ARCH, e.g. sm_90) into a temporary folder,
  3. runs the program, which checks the result against the CPU, times the kernel with CUDA events
     and prints one line of contract JSON {"score", "correct", "metrics", "feedback"},
  4. adds the compile time to the metrics, writes the result to GENESIS_RESULT and prints it last.
Flags (or environment variables):
  --dry-run       (GENESIS_DRY_RUN=1)           print the nvcc command line and exit
  --compile-only  (GENESIS_CUDA_COMPILE_ONLY=1) compile without a GPU; correct stays false
Run it by hand too: it then evaluates CANDIDATE_FALLBACK.
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
# ---- EDIT: your files, nvcc flags and time limits (seconds) ----------------------------------------
CANDIDATE_FALLBACK = os.path.join(WORKDIR, "reduce.cu")
HARNESS_SOURCES = [os.path.join(WORKDIR, "harness.cu")]
FLAGS = ["-O3", "-std=c++17"]
DEFAULT_ARCH = "sm_80"
COMPILE_TIMEOUT = 300
RUN_TIMEOUT = 120
# ----------------------------------------------------------------------------------------------------

CANDIDATE_FILE = os.environ.get("GENESIS_CANDIDATE_FILE") or CANDIDATE_FALLBACK
RUNNER_HINT = "run this evaluator on a GPU runner (SSH or Slurm)"
SOURCE_SUFFIXES = (".cu", ".cpp", ".cc", ".cxx", ".c")


def flag(name, env):
    return name in sys.argv[1:] or os.environ.get(env, "") not in ("", "0", "false")


def failure(feedback, metrics=None):
    return {"score": None, "correct": False, "metrics": metrics or {}, "feedback": feedback}


def find_nvcc():
    found = os.environ.get("NVCC") or shutil.which("nvcc")
    if found:
        return found
    for home in (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"), "/usr/local/cuda"):
        if home and os.path.isfile(os.path.join(home, "bin", "nvcc")):
            return os.path.join(home, "bin", "nvcc")
    return None


def gpu_problem():
    """None when `nvidia-smi -L` lists a GPU, else why not."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return "nvidia-smi not found"
    try:
        listed = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "nvidia-smi -L did not answer within 30 s"
    if listed.returncode != 0:
        detail = (listed.stderr or listed.stdout).strip().splitlines()
        return f"nvidia-smi -L failed (exit code {listed.returncode}): {detail[0] if detail else 'no output'}"
    if not any(line.startswith("GPU ") for line in listed.stdout.splitlines()):
        return "nvidia-smi -L lists no GPU"
    return None


def target_arch():
    """GENESIS_CUDA_ARCH, else the first GPU's compute capability (9.0 -> sm_90), else DEFAULT_ARCH."""
    if os.environ.get("GENESIS_CUDA_ARCH"):
        return os.environ["GENESIS_CUDA_ARCH"]
    smi = shutil.which("nvidia-smi")
    if smi:
        try:
            query = subprocess.run([smi, "--query-gpu=compute_cap", "--format=csv,noheader"],
                                   capture_output=True, text=True, timeout=30)
            cap = query.stdout.strip().splitlines()[0].strip() if query.returncode == 0 and query.stdout.strip() else ""
            if cap.replace(".", "").isdigit():
                return "sm_" + cap.replace(".", "")
        except (subprocess.TimeoutExpired, IndexError):
            pass
    return DEFAULT_ARCH


def compile_command(nvcc, binary, arch):
    # A candidate header is not compiled on its own: the harness includes it from its folder.
    sources = HARNESS_SOURCES + ([CANDIDATE_FILE] if CANDIDATE_FILE.endswith(SOURCE_SUFFIXES) else [])
    folders = dict.fromkeys([os.path.dirname(os.path.abspath(CANDIDATE_FILE)), os.path.abspath(WORKDIR)])
    includes = [arg for folder in folders for arg in ("-I", folder)]
    return [nvcc, *FLAGS, f"-arch={arch}", *includes, "-o", binary, *sources]


def compiler_errors(output, limit=25):
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


def evaluate(build_dir, compile_only):
    nvcc = find_nvcc()
    if not compile_only:
        problem = gpu_problem()
        if problem:
            also = "" if nvcc else " (and nvcc not found)"
            return failure(f"no GPU here: {problem}{also}; {RUNNER_HINT}")
    if nvcc is None:
        return failure("nvcc not found: install the CUDA toolkit on the GPU runner or add its bin/ to PATH "
                       "(or set NVCC or CUDA_HOME)")
    command = compile_command(nvcc, os.path.join(build_dir, "genesis_eval"), target_arch())
    started = time.perf_counter()
    try:
        build = subprocess.run(command, cwd=WORKDIR, env={**os.environ, "LC_ALL": "C"},
                               capture_output=True, text=True, timeout=COMPILE_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"nvcc took longer than {COMPILE_TIMEOUT} s: {shlex.join(command)}")
    build_ms = round((time.perf_counter() - started) * 1e3)
    if build.returncode != 0:
        return failure(f"compile error ({shlex.join(command[1:4])} ...):\n" + compiler_errors(build.stderr + build.stdout),
                       {"build_ms": build_ms})
    if compile_only:
        return failure(f"compile-only: nvcc built it in {build_ms} ms; not run, so no score", {"build_ms": build_ms})
    try:
        run = subprocess.run([command[command.index("-o") + 1]], cwd=WORKDIR, capture_output=True, text=True,
                             timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return failure(f"the program took longer than {RUN_TIMEOUT} s (a kernel that never ends?)", {"build_ms": build_ms})
    if run.returncode != 0:
        how = f"was killed by {signal.Signals(-run.returncode).name}" if run.returncode < 0 else f"exited with code {run.returncode}"
        tail = "\n".join(run.stderr.strip().splitlines()[-15:])
        return failure(f"the program {how}" + (f":\n{tail}" if tail else ""), {"build_ms": build_ms})
    try:
        result = last_json_line(run.stdout)
    except ValueError as exc:
        return failure(f"the program's output is not contract JSON: {exc}; last output: {run.stdout.strip()[-300:]}")
    result.setdefault("metrics", {})["build_ms"] = build_ms
    return result


def main():
    if flag("--dry-run", "GENESIS_DRY_RUN"):
        print(shlex.join(compile_command(find_nvcc() or "nvcc", "<build-dir>/genesis_eval", target_arch())))
        return 0
    with tempfile.TemporaryDirectory(prefix="genesis-cuda-") as build_dir:
        result = evaluate(build_dir, flag("--compile-only", "GENESIS_CUDA_COMPILE_ONLY"))
    text = json.dumps(result)
    result_path = os.environ.get("GENESIS_RESULT")
    if result_path:
        with open(result_path, "w", encoding="utf-8") as f:
            f.write(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
