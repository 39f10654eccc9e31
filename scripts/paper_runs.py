"""Runs of atleus-vp for the paper studies: specs, a two-worker pool, and reading the results.

A study first lists the runs it needs (RunSpec, DescribeSpec, TrafficSpec); the pool executes
each distinct spec once, two at a time, in a scratch folder; the study then reads the parsed
JSON back by spec. A failing command stops everything with a message naming the command.
"""

import concurrent.futures
import csv
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field

WORKERS = 2  # the reproduction targets a 2-core machine


class RunError(Exception):
    """A command of the reproduction failed; the message names the command."""


@dataclass(frozen=True)
class RunSpec:
    """One `atleus-vp run` with a single mode (its summary keys sit at the top level)."""

    platform: str
    model: str
    task: str
    mode: str  # finetune | inference | generate
    batch: int
    seq_len: int = 0  # 0: the task's default
    backward: str = ""  # "" (default: full), full, lora-only
    quant: str = ""  # "" (default: M8F8)
    sets: tuple = field(default_factory=tuple)  # ("key=value", ...)
    duplication: str = ""  # "" (default: auto) or a number of weight copies
    steady: bool = False  # --steady-state: also half the batch, differenced (summary steady_state)
    prompt_len: int = 0  # generate: prompt tokens per request
    gen_len: int = 0  # generate: tokens generated per request

    def args(self):
        a = ["run", "--quiet", "--platform", self.platform, "--model", self.model, "--mode",
             self.mode, "--batch", str(self.batch)]
        if self.mode != "generate":  # generation takes --prompt-len / --gen-len instead
            a += ["--task", self.task]
        if self.seq_len:
            a += ["--seq-len", str(self.seq_len)]
        if self.backward:
            a += ["--backward", self.backward]
        if self.quant:
            a += ["--quant", self.quant]
        if self.duplication:
            a += ["--duplication", self.duplication]
        if self.prompt_len:
            a += ["--prompt-len", str(self.prompt_len), "--gen-len", str(self.gen_len)]
        for s in self.sets:
            a += ["--set", s]
        if self.steady:
            a += ["--steady-state"]
        return a


@dataclass(frozen=True)
class DescribeSpec:
    platform: str
    sets: tuple = field(default_factory=tuple)

    def args(self):
        a = ["describe", "--json", "--platform", self.platform]
        for s in self.sets:
            a += ["--set", s]
        return a


@dataclass(frozen=True)
class TrafficSpec:
    """Synthetic traffic (BookSim-style) for a packet latency under a fixed offered load."""

    platform: str
    pattern: str = "uniform"
    rate: float = 0.05
    packets: int = 2000

    def args(self):
        return ["traffic", "--json", "--platform", self.platform, "--pattern", self.pattern,
                "--rate", repr(self.rate), "--packets", str(self.packets)]


def _slug(spec):
    return hashlib.sha1(repr(spec).encode()).hexdigest()[:16]


class Pool:
    def __init__(self, binary, scratch):
        self.binary = binary
        self.scratch = scratch
        self.results = {}
        self._presets = None

    def presets(self):
        """The preset names the executable lists in `describe --help`."""
        if self._presets is None:
            p = subprocess.run([self.binary, "describe", "--help"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            m = re.search(r"presets: ([^)]*)\)", p.stdout)
            if p.returncode != 0 or not m:
                raise RunError(f"cannot list the presets: {self.binary} describe --help")
            self._presets = {n.strip() for n in m.group(1).split(",")}
        return self._presets

    def available(self, platform):
        """Whether the executable has this preset (a listed preset that fails to load is an
        error of its run, not a missing preset)."""
        return platform in self.presets()

    def _execute(self, spec):
        cmd = [self.binary] + spec.args()
        if isinstance(spec, RunSpec):
            out = os.path.join(self.scratch, _slug(spec))
            cmd += ["--out", out]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        shown = " ".join(shlex.quote(c) for c in cmd)
        if p.returncode != 0:
            raise RunError(f"command failed (exit {p.returncode}): {shown}\n{p.stderr.strip()}")
        try:
            if isinstance(spec, RunSpec):
                with open(os.path.join(out, "summary.json")) as f:
                    j = json.load(f)
                # A run of one mode has its figures at the top level; generate's own section
                # is named like its mode.
                if spec.mode != "generate" and spec.mode in j and isinstance(j[spec.mode], dict):
                    j = j[spec.mode]
                with open(os.path.join(out, "kernels.csv")) as f:
                    j["_kernels"] = [r for r in csv.DictReader(f) if r["mode"] == spec.mode]
                return j
            return json.loads(p.stdout)
        except (OSError, ValueError) as e:
            raise RunError(f"unreadable output of: {shown}: {e}")

    def execute(self, specs):
        todo = sorted({s for s in specs if s not in self.results}, key=repr)
        if not todo:
            return
        print(f"  {len(todo)} runs, {WORKERS} at a time", file=sys.stderr, flush=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as ex:
            futures = {ex.submit(self._execute, s): s for s in todo}
            try:
                for fut in concurrent.futures.as_completed(futures):
                    self.results[futures[fut]] = fut.result()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise

    def get(self, spec):
        return self.results[spec]


def steady_state(run):
    """Per-sequence time and energy of a pipeline in flight, from a run with --steady-state:
    atleus-vp differences the batch and half the batch, so the fill/drain latency and the
    energy spent during it cancel out."""
    st = run["steady_state"]
    return st["time_per_sequence_s"], st["energy_per_sequence_j"]


def steady_breakdown(run):
    """Per-sequence energy by component, differenced the same way as steady_state."""
    b = run["steady_state"]["energy_breakdown_per_sequence_j"]
    return {k: b[k] for k in sorted(b)}
