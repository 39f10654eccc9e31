#!/usr/bin/env python3
"""Runs the malformed-input suite (manifest.tsv, written by scripts/gen_bad_inputs.py).

Usage: run_bad_inputs.py ATLEUS_VP [REGEX] [--jobs N]

Every case runs atleus-vp in a fresh empty working folder, under a 10 s time limit and a 1 GiB
address-space limit (not in AddressSanitizer builds, whose shadow memory needs terabytes of
address space), and must: exit with its code; print exactly one line on stderr whose start
matches its regex; print nothing on stdout; leave no output folder ({out}) and nothing else in
the working folder. Prints each failure and a count; exits 1 if any case failed.
"""
import concurrent.futures
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TIME_LIMIT_S = 10
MEMORY_LIMIT = 1 << 30


def limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def sanitized(binary):
    """An AddressSanitizer build reserves terabytes of shadow address space at start, so an
    address-space limit stops it before main: those builds run without one (the Release build's
    run of the suite holds the 1 GiB limit)."""
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


def load(pattern):
    cases = []
    with open(os.path.join(HERE, "manifest.tsv")) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            name, code, regex, args = line.rstrip("\n").split("\t")
            if pattern and not re.search(pattern, name):
                continue
            cases.append((name, int(code), regex, json.loads(args)))
    return cases


def run_case(binary, case, memory_limit=True):
    name, code, regex, args = case
    work = tempfile.mkdtemp(prefix="atleus-bad-")
    try:
        out = os.path.join(work, "out")
        files = os.path.join(HERE, "files")
        argv = [binary] + [a.replace("{files}", files).replace("{out}", out) for a in args]
        env = dict(os.environ, SYSC_DISABLE_COPYRIGHT_MESSAGE="1")
        try:
            p = subprocess.run(argv, cwd=work, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=TIME_LIMIT_S,
                               preexec_fn=limit_memory if memory_limit else None, env=env)
        except subprocess.TimeoutExpired:
            return name, [f"did not finish within {TIME_LIMIT_S} s"]
        problems = []
        err = p.stderr.decode("utf-8", "replace")
        lines = err.splitlines()
        if p.returncode != code:
            problems.append(f"exit code {p.returncode}, expected {code}")
        if len(lines) != 1:
            problems.append(f"{len(lines)} lines on stderr, expected 1")
        if not lines or not re.match(regex, lines[0]):
            problems.append(f"stderr does not match /{regex}/")
        if p.stdout:
            problems.append("stdout is not empty: " + p.stdout[:200].decode("utf-8", "replace"))
        left = os.listdir(work)
        if left:
            problems.append("left behind in the working folder: " + ", ".join(sorted(left)))
        if problems:
            problems.append("stderr: " + err.strip()[:400])
        return name, problems
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    args = sys.argv[1:]
    jobs = os.cpu_count() or 2
    if "--jobs" in args:
        i = args.index("--jobs")
        jobs = int(args[i + 1])
        del args[i:i + 2]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    binary = os.path.abspath(args[0])
    cases = load(args[1] if len(args) > 1 else None)
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        limit = not sanitized(binary)
        for name, problems in pool.map(lambda c: run_case(binary, c, limit), cases):
            if problems:
                failed += 1
                print(f"FAIL {name}:\n    " + "\n    ".join(problems))
    print(f"{len(cases) - failed} of {len(cases)} malformed-input cases passed")
    return 1 if failed or not cases else 0


if __name__ == "__main__":
    sys.exit(main())
