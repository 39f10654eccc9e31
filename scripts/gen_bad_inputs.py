#!/usr/bin/env python3
"""Writes the malformed-input suite: tests/bad_inputs/files/* and tests/bad_inputs/manifest.tsv.

Each case is one atleus-vp command line that must fail with one line on stderr, a known exit code
(2 bad input, 3 infeasible) and nothing else: no stdout, no output folder. The cases are generated
systematically (every numeric key of the Atleus preset given NaN, infinities, text; structural
mutations of platform, workload, HuggingFace and sweep files; every flag given 0, empty or out of
range values) and the generated files are committed, so the suite is plain data. Rerun this
script after changing it; tests/bad_inputs/run_bad_inputs.py runs the suite.

Manifest columns (tab-separated): name, exit code, regex the first stderr line must match from its
start, then the arguments (JSON list). In arguments, {files} is tests/bad_inputs/files and {out}
a folder that must not exist after the run.
"""
import json
import os
import re
import shutil
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUITE = os.path.join(ROOT, "tests", "bad_inputs")
FILES = os.path.join(SUITE, "files")
PRESET = os.path.join(ROOT, "platform", "configs", "atleus.yaml")

shutil.rmtree(FILES, ignore_errors=True)
os.makedirs(FILES)

cases = []  # (name, code, regex, args)
names = set()

E = r"atleus-vp: error: "


def case(name, code, regex, args):
    assert name not in names, name
    assert ";" not in name and not name.startswith("--"), name
    names.add(name)
    cases.append((name, code, regex, args))


def write(name, data):
    path = os.path.join(FILES, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(path, mode) as f:
        f.write(data)
    return "{files}/" + name


def fq(name):
    """The regex of a file under {files} in a message."""
    return r"\S*" + re.escape("/" + name)


# Subcommands that load a platform, rotated over the platform cases so each is covered.
PLATFORM_CMDS = [
    ["describe"],
    ["traffic", "--rate", "0.1", "--packets", "10"],
    ["run", "--out", "{out}", "--quiet"],
    ["probe", "gemm", "--core", "sa", "--m", "8", "--k", "8", "--n", "8"],
    ["probe", "mvm", "--core", "reram", "--d-in", "128", "--d-out", "128"],
    ["probe", "sfu", "--core", "sa", "--func", "gelu", "--elements", "64"],
]
_rot = [0]


def platform_cmd(extra):
    cmd = PLATFORM_CMDS[_rot[0] % len(PLATFORM_CMDS)]
    _rot[0] += 1
    if cmd[0] == "probe":
        return cmd[:2] + extra + cmd[2:]
    return cmd[:1] + extra + cmd[1:]


# ------------------------------------------------------------------------------------------
# 1. --set: every scalar key of the Atleus preset given values no key accepts.

with open(PRESET) as f:
    preset = yaml.safe_load(f)


def leaves(node, path):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from leaves(v, path + [k])
    elif isinstance(node, list):
        return
    else:
        yield ".".join(path), node


STRING_KEYS = {"name", "description"}
for key, value in leaves(preset, []):
    if key in STRING_KEYS or key == "schema_version":
        continue
    slug = key.replace(".", "-").replace("_", "-")
    k = re.escape(key)
    if isinstance(value, bool):
        for bad in ["maybe", "1.5", "[true]"]:
            case(f"set-{slug}-{re.sub('[^a-z0-9]', 'x', bad)}", 2,
                 E + r"--set: " + k + r": expected true or false",
                 platform_cmd(["--set", f"{key}={bad}"]))
    elif isinstance(value, (int, float)):
        for label, bad, msg in [
            ("nan", ".nan", r"(must be a finite number|expected an integer)"),
            ("inf", ".inf", r"(must be a finite number|expected an integer)"),
            ("neg-inf", "-.inf", r"(must be a finite number|expected an integer)"),
            ("text", "fast", r"expected (a number|an integer)"),
        ]:
            case(f"set-{slug}-{label}", 2, E + r"--set: " + k + ": " + msg,
                 platform_cmd(["--set", f"{key}={bad}"]))
    elif isinstance(value, str):
        case(f"set-{slug}-list", 2, E + r"--set: " + k + r": expected a string",
             platform_cmd(["--set", f"{key}=[a, b]"]))
        case(f"set-{slug}-unknown", 2, E + r"--set: " + k + r": ",
             platform_cmd(["--set", f"{key}=no-such-value"]))

# Values that are numbers but out of what the model represents.
for key, bad, msg in [
    ("core_types.sa.clock_mhz", "1e-300", r"must be in \[0.001, 1000000\] MHz"),
    ("core_types.sa.clock_mhz", "1e18", r"must be in \[0.001, 1000000\] MHz"),
    ("core_types.sa.clock_mhz", "0", r"must be in \[0.001, 1000000\] MHz"),
    ("core_types.sa.clock_mhz", "-800", r"must be in \[0.001, 1000000\] MHz"),
    ("noc.router.clock_mhz", "1e-300", r"must be in \[0.001, 1000000\] MHz"),
    ("noc.router.clock_mhz", "1e300", r"must be in \[0.001, 1000000\] MHz"),
    ("noc.router.clock_mhz", "3e6", r"must be in \[0.001, 1000000\] MHz"),
    ("core_types.reram.read_cycle_ns", "1e30", r"must be in \[0, 1e9\] ns"),
    ("core_types.reram.write_row_ns", "1e300", r"must be in \[0, 1e9\] ns"),
    ("memory.hbm.access_latency_ns", "1e20", r"must be in \[0, 1e9\] ns"),
    ("core_types.sa.clock_mhz", "1e999", r"value 1e999 is out of range for a double"),
    ("core_types.sa.rows", "4294967296", r"value 4294967296 is out of range"),
    ("core_types.sa.rows", "-1", r"must be >= 0"),
    ("core_types.sa.rows", "0", r"must be > 0"),
    ("core_types.reram.adc_bits", "99", r"must be in \[1, 16\]"),
    ("cost.wafer_diameter_mm", ".inf", r"must be a finite number"),
    ("tiers[0].die_area_mm2", ".nan", r"must be a finite number"),
    ("tiers[0].grid", "[4294967296, 4]", r"each grid dimension must be in \[1, 64\]"),
    ("tiers[0].grid", "[65, 4]", r"each grid dimension must be in \[1, 64\]"),
    ("tiers[0].grid", "[0, 4]", r"each grid dimension must be in \[1, 64\]"),
    ("vertical.skip", "[[0, 4294967296]]", r"value 4294967296 is out of range"),
    ("vertical.skip", "[[0, 4294967299]]", r"value 4294967299 is out of range"),
    ("host.attach", "[4294967296, 0, 0]", r"tier 4294967296 does not exist"),
    ("host.attach", "[0, 4294967296, 0]", r"site \(4294967296, 0\) is outside"),
    ("host.attach", "[0, 0, 4294967299]", r"site \(0, 4294967299\) is outside"),
    ("host.attach", "[0, 0]", r"a core site is \[tier, x, y\]"),
    ("memory.hbm.attach", "[[0, 0, 4294967296]]", r"site \(0, 4294967296\) is outside"),
]:
    k = re.escape(key)
    slug = re.sub("[^a-z0-9]+", "-", (key + "-" + bad).lower()).strip("-")
    case(f"set-range-{slug}", 2, E + r"--set: " + r"\S*" + ": " + r".*" + msg,
         platform_cmd(["--set", f"{key}={bad}"]))

# Malformed overrides.
for label, text, msg in [
    ("no-equals", "core_types.sa.clock_mhz", r"--set: core_types.sa.clock_mhz: malformed override"),
    ("empty-key", "=5", r"--set: malformed override '=5', expected key.path=value"),
    ("double-dot", "noc..router=1", r"--set: noc..router: malformed override"),
    ("bad-index", "tiers[x].grid=[1,1]", r"--set: tiers\[x\].grid: malformed override"),
    ("missing-parent", "nope.x=1", r"--set: nope.x: cannot apply override"),
    ("index-out-of-range", "tiers[99].grid=[1,1]", r"--set: tiers\[99\].grid: cannot apply"),
    ("tag-in-value", "core_types.sa.clock_mhz=!foo 5", r"--set: core_types.sa.clock_mhz: invalid value"),
    ("two-docs-in-value", "name=a\n---\nb", r"--set: name: invalid value"),
    ("alias-in-value", "name=*x", r"--set: name: invalid value"),
    ("unclosed-list", "tiers[0].grid=[1,", r"--set: tiers\[0\].grid: invalid value"),
    ("noc-null", "noc=null", r"--set: noc: expected a map of keys, got an empty value"),
    ("noc-empty", "noc=", r"--set: noc: expected a map of keys, got an empty value"),
    ("memory-null", "memory=~", r"--set: memory: expected a map of keys, got an empty value"),
    ("router-null", "noc.router=null", r"--set: noc.router: expected a map of keys"),
    ("core-types-null", "core_types=null", r"--set: core_types: expected a map"),
    ("unknown-leaf", "noc.router.clok_mhz=5", r"--set: noc.router.clok_mhz: unknown key 'clok_mhz', did you mean 'clock_mhz'"),
    ("tiers-map", "tiers={a: 1}", r"--set: tiers: expected a list"),
    ("tiers-empty", "tiers=[]", r"--set: tiers: "),
    ("schema-version", "schema_version=2", r"--set: schema_version: this atleus-vp reads schema_version 1"),
]:
    case(f"set-malformed-{label}", 2, E + msg, platform_cmd(["--set", text]))

# ------------------------------------------------------------------------------------------
# 2. Platform YAML files: structure, includes, aliases, tags, bytes.

BASE = "include: {inc}\n"
atleus_rel = os.path.relpath(PRESET, os.path.join(FILES, "platform"))


def plat(name, body, include=True):
    text = (BASE.format(inc=atleus_rel) if include else "") + body
    return write("platform/" + name, text)


def plat_case(name, body, regex, include=True, code=2):
    path = plat(name + ".yaml", body, include)
    case("platform-" + name, code, E + regex, platform_cmd(["--platform", path]))


F = lambda n: fq("platform/" + n + ".yaml")  # noqa: E731

plat_case("two-documents", "name: a\n---\nname: b\n",
          F("two-documents") + r":3:1: a second YAML document")
plat_case("two-documents-explicit", "name: a\n...\n---\nname: b\n",
          F("two-documents-explicit") + r":\d+:\d+: a second YAML document")
plat_case("unterminated-quote", "name: \"abc\ndescription: x\n",
          F("unterminated-quote") + r":2:7: name: a double-quoted string that is never closed")
plat_case("unterminated-single-quote", "description: 'it''s\n",
          F("unterminated-single-quote") + r":2:14: description: a single-quoted string that is never closed")
plat_case("custom-tag-value", "name: !foo a\n", F("custom-tag-value") + r":2:7: name: YAML tags are not accepted")
plat_case("std-tag-value", "name: !!str a\n", F("std-tag-value") + r":2:7: name: YAML tags are not accepted")
plat_case("custom-tag-map", "noc: !net {model: packet}\n", F("custom-tag-map") + r":2:6: noc: YAML tags are not accepted")
plat_case("custom-tag-list", "tiers: !t []\n", F("custom-tag-list") + r":2:8: tiers: YAML tags are not accepted")
plat_case("nul-byte", "name: a\x00b\n", F("nul-byte") + r":2:8: a NUL byte")
plat_case("nul-byte-start", "\x00name: a\n", F("nul-byte-start") + r":2:1: a NUL byte")
path = write("platform/bad-utf8-name.yaml", (BASE.format(inc=atleus_rel) + "name: ab").encode() + b"\xff\xfe\n")
case("platform-bad-utf8-name", 2, E + fq("platform/bad-utf8-name.yaml") + r":2:9: invalid UTF-8 \(byte 0xff\)",
     platform_cmd(["--platform", path]))
path = write("platform/bad-utf8-overlong.yaml", (BASE.format(inc=atleus_rel) + "name: a").encode() + b"\xc0\xaf\n")
case("platform-bad-utf8-overlong", 2, E + fq("platform/bad-utf8-overlong.yaml") + r":2:8: invalid UTF-8",
     platform_cmd(["--platform", path]))
path = write("platform/bad-utf8-surrogate.yaml", (BASE.format(inc=atleus_rel) + "name: a").encode() + b"\xed\xa0\x80\n")
case("platform-bad-utf8-surrogate", 2, E + fq("platform/bad-utf8-surrogate.yaml") + r":2:8: invalid UTF-8",
     platform_cmd(["--platform", path]))
path = write("platform/bad-utf8-truncated.yaml", (BASE.format(inc=atleus_rel) + "name: a").encode() + b"\xe2\x82")
case("platform-bad-utf8-truncated", 2, E + fq("platform/bad-utf8-truncated.yaml") + r":2:8: invalid UTF-8",
     platform_cmd(["--platform", path]))
path = write("platform/bad-utf8-key.yaml", (BASE.format(inc=atleus_rel)).encode() + b"n\xffme: a\n")
case("platform-bad-utf8-key", 2, E + fq("platform/bad-utf8-key.yaml") + r":2:2: invalid UTF-8",
     platform_cmd(["--platform", path]))

# Alias bombs: nested anchors that expand to billions of nodes.
bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
for i in range(1, 10):
    bomb += f"a{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]\n"
plat_case("alias-bomb", "description: *a9\n" .replace("description: *a9\n", "") + bomb.replace("a", "b") + "description: *b9\n",
          F("alias-bomb") + r":\d+:\d+: \S+: the document expands to more than 2000000 nodes")
bomb_map = "x0: &m0 {k: v}\n"
for i in range(1, 12):
    bomb_map += f"x{i}: &m{i} {{" + ", ".join(f"k{j}: *m{i-1}" for j in range(8)) + "}\n"
plat_case("alias-bomb-maps", bomb_map, F("alias-bomb-maps") + r":\d+:\d+: \S+: the document expands to more than 2000000 nodes")
deep = "name: &d0 [1]\n"
for i in range(1, 70):
    deep += f"d{i}: &d{i} [*d{i-1}]\n"
plat_case("alias-deep", deep, F("alias-deep") + r":\d+:\d+: \S+: nested deeper than 64 levels")
plat_case("nesting-deep", "description: " + "[" * 200 + "]" * 200 + "\n",
          F("nesting-deep") + r":2:\d+: description(\[0\])*: nested deeper than 64 levels")
plat_case("alias-in-placement", "x: &p {a: 1}\nplacement: *p\n",
          F("alias-in-placement") + r":\d+:\d+: (x|placement)")
plat_case("alias-undefined", "name: *nope\n", F("alias-undefined") + r":2:7: ")
plat_case("anchor-self", "name: &s [*s]\n", F("anchor-self") + r":2:\d+: ")
many = "".join(f"a{i}: &a{i} 1\n" for i in range(10)) + "description: [" + ", ".join(f"*a{i % 10}" for i in range(20001)) + "]\n"
plat_case("alias-count", many, F("alias-count") + r":\d+:\d+: description\[\d+\]: more than 20000 alias uses")

# Null and empty sections where a map is meant.
SECTION_MESSAGE = {"core_types": "expected a map of core types", "placement": "expected a map of kernel class: core type",
                   "ports": "expected a map of port names"}
for sect in ["noc", "memory", "core_types", "vertical", "cost", "host", "placement", "ports"]:
    for label, text in [("null", f"{sect}: null\n"), ("empty", f"{sect}:\n"), ("tilde", f"{sect}: ~\n")]:
        msg = SECTION_MESSAGE.get(sect, "expected a map of keys, got an empty value")
        plat_case(f"{sect}-{label}", text, F(f"{sect}-{label}") + rf":2:1: {sect}: {msg}")
for sect in ["noc.router", "noc.wire", "noc.planar", "noc.tsv", "noc.flit", "memory.hbm", "core_types.sa.sfu"]:
    parts = sect.split(".")
    text = ""
    for depth, p in enumerate(parts[:-1]):
        text += "  " * depth + p + ":\n"
    text += "  " * (len(parts) - 1) + parts[-1] + ": null\n"
    line = len(parts) + 1
    col = 2 * (len(parts) - 1) + 1
    plat_case(f"{sect.replace('.', '-')}-null", text,
              F(f"{sect.replace('.', '-')}-null") + rf":{line}:{col}: {re.escape(sect)}: expected a map")

# Duplicate keys.
plat_case("duplicate-top", "name: a\nname: b\n", F("duplicate-top") + r":3:1: name: duplicate key 'name' \(first at line 2\)")
plat_case("duplicate-nested", "noc:\n  model: packet\n  model: flit\n",
          F("duplicate-nested") + r":4:3: noc.model: duplicate key 'model' \(first at line 3\)")
plat_case("duplicate-flow", "host: {attach: [0, 0, 0], attach: [0, 0, 1]}\n",
          F("duplicate-flow") + r":2:\d+: host.attach: duplicate key 'attach'")
plat_case("duplicate-include", "include: a.yaml\n", F("duplicate-include") + r":2:1: include: duplicate key")

# Top level and syntax.
plat_case("top-list", "- a\n- b\n", F("top-list") + r":1:1: the top level must be a map of keys, got a list", include=False)
plat_case("top-scalar", "hello\n", F("top-scalar") + r":1:1: the top level must be a map of keys", include=False)
plat_case("empty-file", "", F("empty-file") + r": core_types: missing required key", include=False)
plat_case("only-comment", "# nothing\n", F("only-comment") + r": core_types: missing required key", include=False)
plat_case("unclosed-flow", "tiers: [\n", F("unclosed-flow") + r":\d+:\d+: ")
plat_case("bad-indent", "noc:\n  model: packet\n bad: 1\n", F("bad-indent") + r":\d+:\d+: ")
plat_case("tab-indent", "noc:\n\tmodel: packet\n", F("tab-indent") + r":\d+:\d+: ")
plat_case("unterminated-flow-map", "noc: {model: packet\nname: x\n", F("unterminated-flow-map") + r":\d+:\d+: ")
plat_case("core-type-null", "core_types:\n  sa: null\n", F("core-type-null") + r":3:3: core_types.sa.kind: missing required key")
plat_case("complex-key", "? [a, b]\n: 1\n", F("complex-key") + r":\d+:\d+: map keys must be names")
plat_case("unknown-top-key", "nmae: x\n", F("unknown-top-key") + r":2:1: nmae: unknown key 'nmae', did you mean 'name'\?")
plat_case("unknown-router-key", "noc:\n  router:\n    clok_mhz: 5\n",
          F("unknown-router-key") + r":4:5: noc.router.clok_mhz: unknown key 'clok_mhz', did you mean 'clock_mhz'\?")
plat_case("merge-key", "base: &b {model: packet}\nnoc:\n  <<: *b\n", F("merge-key") + r":\d+:\d+: ")

# Numbers in files: positions and keys.
plat_case("inf-wafer", "cost:\n  wafer_diameter_mm: .inf\n",
          F("inf-wafer") + r":3:22: cost.wafer_diameter_mm: must be a finite number \(got .inf\)")
plat_case("nan-wafer-cost", "cost:\n  wafer_cost_usd: .nan\n",
          F("nan-wafer-cost") + r":3:19: cost.wafer_cost_usd: must be a finite number \(got .nan\)")
plat_case("neg-inf-supply", "noc:\n  wire:\n    supply_v: -.inf\n",
          F("neg-inf-supply") + r":4:15: noc.wire.supply_v: must be a finite number")
plat_case("inf-die-area", "tiers:\n  - {name: sa, core: sa, grid: [4, 4], die_area_mm2: .Inf}\n",
          F("inf-die-area") + r":3:\d+: tiers\[0\].die_area_mm2: must be a finite number")
plat_case("clock-tiny", "core_types:\n  sa:\n    clock_mhz: 1e-300\n",
          F("clock-tiny") + r":4:5: core_types.sa.clock_mhz: must be in \[0.001, 1000000\] MHz")
plat_case("clock-huge", "core_types:\n  sa:\n    clock_mhz: 1e18\n",
          F("clock-huge") + r":4:5: core_types.sa.clock_mhz: must be in \[0.001, 1000000\] MHz")
plat_case("router-clock-tiny", "noc:\n  router:\n    clock_mhz: 1e-300\n",
          F("router-clock-tiny") + r":4:5: noc.router.clock_mhz: must be in \[0.001, 1000000\] MHz")
plat_case("skip-tier-2p32", "vertical:\n  skip: [[0, 4294967296]]\n",
          F("skip-tier-2p32") + r":3:\d+: vertical.skip\[0\]\[1\]: value 4294967296 is out of range")
plat_case("link-tier-2p32", "vertical:\n  links:\n    - {from: [4294967296, 0, 0], to: [1, 0, 0]}\n",
          F("link-tier-2p32") + r":4:\d+: vertical.links\[0\].from\[0\]: tier 4294967296 does not exist")
plat_case("link-x-2p32", "vertical:\n  links:\n    - {from: [0, 4294967296, 0], to: [1, 0, 0]}\n",
          F("link-x-2p32") + r":4:\d+: vertical.links\[0\].from: site \(4294967296, 0\) is outside")
plat_case("link-y-2p32-plus", "vertical:\n  links:\n    - {from: [0, 0, 4294967297], to: [1, 0, 0]}\n",
          F("link-y-2p32-plus") + r":4:\d+: vertical.links\[0\].from: site \(0, 4294967297\) is outside")
plat_case("host-site-neg", "host:\n  attach: [0, -1, 0]\n",
          F("host-site-neg") + r":3:\d+: host.attach: site \(-1, 0\) is outside")
plat_case("grid-2p32", "tiers:\n  - {name: sa, core: sa, grid: [4294967296, 4]}\n",
          F("grid-2p32") + r":3:\d+: tiers\[0\].grid: each grid dimension must be in \[1, 64\]")
plat_case("grid-text", "tiers:\n  - {name: sa, core: sa, grid: 4x4}\n",
          F("grid-text") + r":3:\d+: tiers\[0\].grid: expected a list")
plat_case("hex-overflow", "core_types:\n  sa:\n    rows: 0x100000000\n",
          F("hex-overflow") + r":4:\d+: core_types.sa.rows: value 0x100000000 is out of range")
plat_case("quoted-number", "core_types:\n  sa:\n    rows: \"128\"\n",
          F("quoted-number") + r":4:\d+: core_types.sa.rows: expected an integer, got the quoted string '128'")

# Includes: regular files only, limits, cycles, DAGs.
path = write("platform/include-dev-zero.yaml", "include: /dev/zero\n")
case("platform-include-dev-zero", 2, E + fq("platform/include-dev-zero.yaml") + r":1:10: include: cannot open '/dev/zero': is not a regular file",
     platform_cmd(["--platform", path]))
path = write("platform/include-dev-urandom.yaml", "include: [/dev/urandom]\n")
case("platform-include-dev-urandom", 2, E + fq("platform/include-dev-urandom.yaml") + r":1:11: include\[0\]: cannot open '/dev/urandom': is not a regular file",
     platform_cmd(["--platform", path]))
path = write("platform/include-dir.yaml", "include: .\n")
case("platform-include-dir", 2, E + fq("platform/include-dir.yaml") + r":1:10: include: cannot open '\S+': is a directory",
     platform_cmd(["--platform", path]))
path = write("platform/include-missing.yaml", "include: no-such-file.yaml\n")
case("platform-include-missing", 2, E + fq("platform/include-missing.yaml") + r":1:10: include: cannot open '\S+no-such-file.yaml': No such file or directory",
     platform_cmd(["--platform", path]))
path = write("platform/include-self.yaml", "include: include-self.yaml\n")
case("platform-include-self", 2, E + fq("platform/include-self.yaml") + r":1:10: include: include cycle: ",
     platform_cmd(["--platform", path]))
write("platform/cycle-b.yaml", "include: cycle-a.yaml\n")
path = write("platform/cycle-a.yaml", "include: cycle-b.yaml\n")
case("platform-include-cycle", 2, E + fq("platform/cycle-b.yaml") + r":1:10: include: include cycle: ",
     platform_cmd(["--platform", path]))
path = write("platform/include-map.yaml", "include: {a: 1}\n")
case("platform-include-map", 2, E + fq("platform/include-map.yaml") + r":1:1: include: expected a file name or a list of file names, got a map",
     platform_cmd(["--platform", path]))
path = write("platform/include-list-map.yaml", "include: [{a: 1}]\n")
case("platform-include-list-map", 2, E + fq("platform/include-list-map.yaml") + r":1:11: include\[0\]: expected a file name, got a map",
     platform_cmd(["--platform", path]))
path = write("platform/include-null.yaml", "include:\n")
case("platform-include-null", 2, E + fq("platform/include-null.yaml") + r":1:1: include: expected a file name or a list",
     platform_cmd(["--platform", path]))
for i in range(40):
    write(f"platform/chain/c{i}.yaml", f"include: c{i + 1}.yaml\n" if i < 39 else "name: end\n")
case("platform-include-depth", 2, E + fq("platform/chain/c31.yaml") + r":1:10: include: includes nest deeper than 32 files",
     platform_cmd(["--platform", "{files}/platform/chain/c0.yaml"]))
# 25 files that include each other as a DAG (every file includes all later ones): loaded once
# each, so the error in the last one comes at once rather than after 2^24 loads.
for i in range(25):
    later = [f"d{j}.yaml" for j in range(i + 1, 25)]
    body = ("include: [" + ", ".join(later) + "]\n") if later else "bogus_key: 1\n"
    write(f"platform/dag/d{i}.yaml", body)
case("platform-include-dag", 2, E + fq("platform/dag/d24.yaml") + r":\d+:\d+: bogus_key: unknown key",
     platform_cmd(["--platform", "{files}/platform/dag/d0.yaml"]))
path = write("platform/include-two-docs.yaml", "include: two-docs-inc.yaml\n")
write("platform/two-docs-inc.yaml", "name: a\n---\nname: b\n")
case("platform-include-two-docs", 2, E + fq("platform/two-docs-inc.yaml") + r":2:1: a second YAML document",
     platform_cmd(["--platform", path]))

# The platform file itself.
case("platform-file-missing", 2, E + r"\S*no-such.yaml: cannot open: No such file or directory",
     ["describe", "--platform", "{files}/no-such.yaml"])
case("platform-file-dev-zero", 2, E + r"/dev/zero: cannot open: is not a regular file",
     ["describe", "--platform", "/dev/zero"])
case("platform-file-dir", 2, E + r"\S*platform: cannot open: is a directory",
     ["describe", "--platform", "{files}/platform"])
case("platform-preset-unknown", 2, E + r"no-such-preset: cannot open", ["describe", "--platform", "no-such-preset"])
case("platform-empty-name", 2, r"atleus-vp: (error: )?", ["describe", "--platform", ""])

# Structural problems in a whole platform.
plat_case("tiers-core-unknown", "tiers:\n  - {name: a, core: gpu, grid: [4, 4]}\n",
          F("tiers-core-unknown") + r":3:\d+: tiers\[0\].core: no core type named 'gpu'")
plat_case("tier-topology-unknown", "tiers:\n  - {name: a, core: sa, grid: [4, 4], topology: ring}\n",
          F("tier-topology-unknown") + r":3:\d+: tiers\[0\].topology: ")
plat_case("noc-model-unknown", "noc:\n  model: wormhole\n", F("noc-model-unknown") + r":3:\d+: noc.model: ")
plat_case("core-kind-unknown", "core_types:\n  x:\n    kind: quantum\n",
          F("core-kind-unknown") + r":4:\d+: core_types.x.kind: unknown core kind 'quantum'")
plat_case("dataflow-unknown", "core_types:\n  sa:\n    dataflow: xy\n", F("dataflow-unknown") + r":4:\d+: core_types.sa.dataflow: ")
plat_case("skip-self", "vertical:\n  skip: [[0, 0]]\n", F("skip-self") + r":\d+:\d+: vertical")
plat_case("skip-tier-missing", "vertical:\n  skip: [[0, 9]]\n", F("skip-tier-missing") + r":3:\d+: vertical.skip\[0\]\[1\]: tier 9 does not exist")
plat_case("hbm-attach-outside", "memory:\n  hbm:\n    attach: [[0, 9, 9]]\n", F("hbm-attach-outside") + r":4:\d+: memory.hbm.attach\[0\]: site \(9, 9\) is outside")
plat_case("long-link-list", "vertical:\n  links:\n" + "".join("    - {from: [0, 0, 0], to: [1, 0, 0]}\n" for _ in range(3000)),
          F("long-link-list") + r":\d+:\d+: vertical")

# ------------------------------------------------------------------------------------------
# 3. Command-line flags.

T = ["traffic"]
for label, args, regex in [
    ("rate-nan", ["--rate", "nan"], r"--rate: must be in \[1e-09, 1\] \(got nan\)"),
    ("rate-inf", ["--rate", "inf"], r"--rate: must be in \[1e-09, 1\] \(got inf\)"),
    ("rate-neg-inf", ["--rate=-inf"], r"--rate: must be in \[1e-09, 1\] \(got -inf\)"),
    ("rate-zero", ["--rate", "0"], r"--rate: must be in \[1e-09, 1\] \(got 0\)"),
    ("rate-neg", ["--rate=-0.5"], r"--rate: must be in \[1e-09, 1\] \(got -0.5\)"),
    ("rate-two", ["--rate", "2"], r"--rate: must be in \[1e-09, 1\] \(got 2\)"),
    ("rate-text", ["--rate", "fast"], r"--rate: expected a number \(got 'fast'\)"),
    ("rate-empty", ["--rate", ""], r"--rate: expected a number"),
    ("rate-hex-inf", ["--rate", "1e999"], r"--rate: must be in \[1e-09, 1\] \(got 1e999\)"),
    ("rate-missing", [], r"--rate is required"),
    ("packets-zero", ["--rate", "0.1", "--packets", "0"], r"--packets: must be in \[10, 100000000\] \(got 0\)"),
    ("packets-huge", ["--rate", "0.1", "--packets", "1000000000"], r"--packets: must be in \[10, 100000000\]"),
    ("packets-neg", ["--rate", "0.1", "--packets=-5"], r"--packets: expected a whole number"),
    ("packets-float", ["--rate", "0.1", "--packets", "1e3"], r"--packets: expected a whole number"),
    ("packets-empty", ["--rate", "0.1", "--packets", ""], r"--packets: expected a whole number"),
    ("packet-flits-zero", ["--rate", "0.1", "--packet-flits", "0"], r"--packet-flits: must be in \[1, 1024\]"),
    ("packet-flits-huge", ["--rate", "0.1", "--packet-flits", "5000"], r"--packet-flits: must be in \[1, 1024\]"),
    ("hotspot-nan", ["--rate", "0.1", "--hotspot-fraction", "nan"], r"--hotspot-fraction: must be in \[0, 1\] \(got nan\)"),
    ("hotspot-two", ["--rate", "0.1", "--hotspot-fraction", "2"], r"--hotspot-fraction: must be in \[0, 1\]"),
    ("pattern-unknown", ["--rate", "0.1", "--pattern", "zigzag"], r"--pattern: "),
    ("pattern-empty", ["--rate", "0.1", "--pattern", ""], r"--pattern: "),
    ("seed-text", ["--rate", "0.1", "--seed", "abc"], r"--seed: expected a whole number"),
    ("seed-neg", ["--rate", "0.1", "--seed=-1"], r"--seed: expected a whole number"),
    ("seed-2p64", ["--rate", "0.1", "--seed", "18446744073709551616"], r"--seed: "),
    ("unknown-flag", ["--rate", "0.1", "--bogus"], r"The following argument was not expected: --bogus"),
    ("transpose-nonsquare", ["--rate", "0.1", "--pattern", "transpose", "--platform", "{files}/platform/line3.yaml"],
     r"error: command line: --pattern: transpose on a non-square"),
    ("check-protocol-flit", ["--rate", "0.1", "--check-protocol", "--set", "noc.model=flit"], r"error: --set: noc.model: --check-protocol checks the TLM sockets of the packet model"),
]:
    case("traffic-" + label, 2, r"atleus-vp: " + regex, T + args)
write("platform/tiny-reram.yaml", "include: " + atleus_rel + "\nname: tiny\ntiers:\n  - {name: sa, core: sa, grid: [1, 1], topology: mesh}\n"
      "  - {name: r, core: reram, grid: [1, 1], topology: mesh}\n"
      "vertical: {adjacent: true, skip: [], links: []}\nmemory:\n  hbm: {attach: [[0, 0, 0]]}\nhost: {attach: [0, 0, 0]}\n")
write("platform/big64.yaml", "include: " + atleus_rel + "\nname: big64\ntiers:\n"
      + "".join(f"  - {{name: t{i}, core: {'sa' if i == 0 else 'reram'}, grid: [64, 64], topology: mesh}}\n" for i in range(4))
      + "vertical: {adjacent: true, skip: [], wrap: false, links: []}\n")
case("describe-die-larger-than-wafer", 3, r"atleus-vp: infeasible: \S*big64.yaml: cost.wafer_diameter_mm: ", ["describe", "--platform", "{files}/platform/big64.yaml"])
case("traffic-big64-routing-limit", 2, r"atleus-vp: error: command line: --platform: would build about 268,451,840 routing-table entries", ["traffic", "--rate", "0.1", "--platform", "{files}/platform/big64.yaml", "--set", "cost.wafer_diameter_mm=3000"])
case("traffic-packets-limit", 2, r"atleus-vp: error: command line: --packets: would build about 6,400,000,000 packets \(64 nodes x 100,000,000 packets each\)", ["traffic", "--rate", "0.1", "--packets", "100000000"])
case("run-batch-limit", 2, r"atleus-vp: error: command line: --batch: would build about [0-9,]+ tasks \(1,000,000 sequences x", ["run", "--out", "{out}", "--quiet", "--batch", "1000000"])
write("platform/line3.yaml", "include: " + atleus_rel + "\nname: line3\ntiers:\n  - {name: t0, core: sa, grid: [3, 2], topology: mesh}\n"
      "vertical: {adjacent: true, skip: [], links: []}\nmemory:\n  hbm: {attach: [[0, 0, 0]]}\nhost: {attach: [0, 0, 0]}\n")

R = ["run", "--out", "{out}", "--quiet"]
GEN = ["--model", "smollm2-360m", "--mode", "generate", "--prompt-len", "8", "--gen-len", "2"]
for label, args, regex, code in [
    ("seq-len-zero", ["--seq-len", "0"], r"--seq-len: must be in \[1, 1048576\] \(got 0\)", 2),
    ("seq-len-neg", ["--seq-len=-1"], r"--seq-len: expected a whole number", 2),
    ("seq-len-huge", ["--seq-len", "1000000000"], r"--seq-len: must be in \[1, 1048576\]", 2),
    ("seq-len-text", ["--seq-len", "long"], r"--seq-len: expected a whole number", 2),
    ("seq-len-empty", ["--seq-len", ""], r"--seq-len: expected a whole number", 2),
    ("seq-len-over-model", ["--seq-len", "4096"], r"error: task.seq_len: 4096 tokens exceed the maximum of roberta-base \(512\)", 2),
    ("batch-zero", ["--batch", "0"], r"--batch: must be in \[1, 1048576\] \(got 0\)", 2),
    ("batch-huge", ["--batch", "4294967296"], r"--batch: must be in \[1, 1048576\]", 2),
    ("lora-rank-zero", ["--lora-rank", "0"], r"--lora-rank: must be in \[1, 65536\] \(got 0\)", 2),
    ("lora-rank-over-d", ["--lora-rank", "5000"], r"error: lora.rank: must be in \[1, d_model = 768\]", 2),
    ("quant-empty", ["--quant", ""], r"--quant: must not be empty", 2),
    ("quant-m0f8", ["--quant", "M0F8"], r"error: command line: --quant: mha_bits: must be in \[1, 16\] bits \(got 0\)", 2),
    ("quant-m99f8", ["--quant", "M99F8"], r"error: command line: --quant: mha_bits: must be in \[1, 16\] bits \(got 99\)", 2),
    ("quant-x8f8", ["--quant", "X8F8"], r"error: command line: --quant: quant: 'X8F8' is not MnFm", 2),
    ("quant-m8", ["--quant", "M8"], r"error: command line: --quant: quant: 'M8' is not MnFm", 2),
    ("quant-huge-digits", ["--quant", "M99999999999F8"], r"error: command line: --quant: quant: 'M99999999999F8' is not MnFm", 2),
    ("mode-unknown", ["--mode", "train"], r"--mode: ", 2),
    ("mode-empty", ["--mode", ""], r"--mode: ", 2),
    ("backward-unknown", ["--backward", "half"], r"--backward: ", 2),
    ("transpose-on-unknown", ["--transpose-on", "gpu"], r"--transpose-on: ", 2),
    ("duplication-zero", ["--duplication", "0"], r"--duplication: ", 2),
    ("duplication-text", ["--duplication", "many"], r"--duplication: ", 2),
    ("duplication-empty", ["--duplication", ""], r"--duplication: ", 2),
    ("model-empty", ["--model", ""], r"--model: must not be empty", 2),
    ("model-unknown", ["--model", "llama-7b"], r"error: unknown model 'llama-7b'", 2),
    ("model-missing-json", ["--model", "{files}/no-such.json"], r"error: \S*no-such.json: cannot open", 2),
    ("model-dev-zero", ["--model", "/dev/zero"], r"error: /dev/zero: cannot open: is not a regular file", 2),
    ("task-empty", ["--task", ""], r"--task: must not be empty", 2),
    ("task-unknown", ["--task", "mnli"], r"error: .*mnli", 2),
    ("model-beside-workload", ["--workload", "{files}/workload/ok.yaml", "--model", "bert-base"], r"--workload excludes --model", 2),
    ("task-beside-workload", ["--workload", "{files}/workload/ok.yaml", "--task", "swag"], r"--workload excludes --task", 2),
    ("workload-missing", ["--workload", "{files}/no-such-workload.yaml"], r"--workload: File does not exist", 2),
    ("packet-bytes-small", ["--packet-bytes", "1"], r"--packet-bytes: ", 2),
    ("adc-bits-zero", ["--adc-bits", "0"], r"--adc-bits: ", 2),
    ("adc-bits-huge", ["--adc-bits", "17"], r"--adc-bits: ", 2),
    ("noise-nan", ["--noise", "nan"], r"--noise: must be in \[0, 1\] \(got nan\)", 2),
    ("noise-inf", ["--noise", "inf"], r"--noise: must be in \[0, 1\] \(got inf\)", 2),
    ("noise-neg", ["--noise=-0.1"], r"--noise: must be in \[0, 1\]", 2),
    ("layers-zero", ["--layers", "0"], r"--layers: ", 2),
    ("layers-huge", ["--layers", "5000"], r"--layers: ", 2),
    ("plugin-missing", ["--plugin", "{files}/no-such.so"], r"error: command line: --plugin: ", 2),
    ("plugin-not-so", ["--plugin", "{files}/platform/line3.yaml"], r"error: command line: --plugin: ", 2),
    ("external-memory", ["--set", "memory.kind=external"], r"error: ", 2),
    ("flit-adaptive", ["--set", "noc.model=flit", "--set", "noc.flit.routing=adaptive"], r"error: .*: noc.flit.routing: a run under noc.model flit keeps per-link statistics", 2),
    ("unknown-flag", ["--turbo"], r"The following argument was not expected: --turbo", 2),
    ("set-no-value", ["--set"], r"--set: ", 2),
    ("does-not-fit", ["--platform", "{files}/platform/tiny-reram.yaml", "--model", "bert-large"], r"infeasible: the model does not fit in ReRAM: it needs 73728 crossbars", 3),
    ("die-larger-than-wafer", ["--platform", "{files}/platform/big64.yaml"], r"infeasible: \S*big64.yaml: cost.wafer_diameter_mm: a \S+ mm\^2 die does not fit on a \S+ mm wafer", 3),    ("serve-rate-without-generate", ["--arrival-rate", "2", "--requests", "4", "--max-batch", "2"], r"error: .*--arrival-rate: only --mode generate reads it", 2),
    ("serve-rate-zero", GEN + ["--arrival-rate", "0"], r"--arrival-rate: must be a positive finite number", 2),
    ("serve-rate-neg", GEN + ["--arrival-rate=-1"], r"--arrival-rate: must be a positive finite number", 2),
    ("serve-rate-nan", GEN + ["--arrival-rate", "nan"], r"--arrival-rate: must be a positive finite number", 2),
    ("serve-rate-inf", GEN + ["--arrival-rate", "inf"], r"--arrival-rate: must be a positive finite number", 2),
    ("serve-rate-text", GEN + ["--arrival-rate", "fast"], r"--arrival-rate: must be a positive finite number", 2),
    ("serve-max-batch-zero", GEN + ["--arrival-rate", "2", "--requests", "4", "--max-batch", "0"], r"--max-batch: must be in \[1, 65536\] \(got 0\)", 2),
    ("serve-requests-zero", GEN + ["--arrival-rate", "2", "--requests", "0", "--max-batch", "2"], r"--requests: must be in \[1, 1048576\] \(got 0\)", 2),
    ("serve-rate-beside-batch", GEN + ["--arrival-rate", "2", "--requests", "4", "--max-batch", "2", "--batch", "2"], r"error: .*--batch: a serving run \(--arrival-rate\) batches continuously", 2),
    ("serve-rate-without-requests", GEN + ["--arrival-rate", "2", "--max-batch", "2"], r"error: .*--arrival-rate: needs --requests", 2),
    ("serve-rate-without-max-batch", GEN + ["--arrival-rate", "2", "--requests", "4"], r"error: .*--arrival-rate: needs --max-batch", 2),
    ("serve-requests-without-rate", GEN + ["--requests", "4"], r"error: .*--requests: only a serving run \(--arrival-rate\) reads it", 2),
    ("serve-max-batch-without-rate", GEN + ["--max-batch", "4"], r"error: .*--max-batch: only a serving run \(--arrival-rate\) reads it", 2),
    ("serve-rate-beside-trace", GEN + ["--arrival-rate", "2", "--requests", "4", "--max-batch", "2", "--trace"], r"error: .*--trace: a serving run \(--arrival-rate\) does not read it", 2),
    ("explain-model-beside-batch", ["--model", "qwen2.5-0.5b", "--explain-model", "--batch", "2"], r"error: .*--batch: --explain-model reads only --model", 2),
    ("explain-model-beside-mode", ["--model", "qwen2.5-0.5b", "--explain-model", "--mode", "generate"], r"error: .*--mode: --explain-model reads only --model", 2),
    ("explain-model-beside-set", ["--set", "kv_cache=sram", "--model", "qwen2.5-0.5b", "--explain-model"], r"error: .*--set: --explain-model reads only --model", 2),
]:
    case("run-" + label, code, r"atleus-vp: " + regex, R + args)
case("cli-bad-utf8-arg", 2, r"atleus-vp: command line: argument 3: invalid UTF-8", ["describe", "--platform", "\udcff"])
case("cli-unknown-subcommand", 2, r"atleus-vp: The following argument was not expected: frobnicate", ["frobnicate"])
case("cli-describe-unknown-flag", 2, r"atleus-vp: The following argument was not expected: --yaml", ["describe", "--yaml"])

P = ["probe"]
for label, args, regex in [
    ("gemm-no-core", ["gemm", "--m", "8", "--k", "8", "--n", "8"], r"--core is required"),
    ("gemm-core-unknown", ["gemm", "--core", "tpu", "--m", "8", "--k", "8", "--n", "8"], r"error: \S+: --core: "),
    ("gemm-m-zero", ["gemm", "--core", "sa", "--m", "0", "--k", "8", "--n", "8"], r"error: command line: --m/--k/--n: "),
    ("gemm-m-text", ["gemm", "--core", "sa", "--m", "x", "--k", "8", "--n", "8"], r"Could not convert: --m = x"),
    ("gemm-dataflow-unknown", ["gemm", "--core", "sa", "--m", "8", "--k", "8", "--n", "8", "--dataflow", "rs"], r"error: command line: --dataflow: "),
    ("gemm-topology-missing", ["gemm", "--core", "sa", "--topology", "{files}/no-such.csv"], r"error: \S*no-such.csv: topology: "),
    ("gemm-topology-bad", ["gemm", "--core", "sa", "--topology", "{files}/probe/bad-topology.csv"], r"error: \S*bad-topology.csv:\d+:\d+: topology"),
    ("gemm-topology-empty", ["gemm", "--core", "sa", "--topology", "{files}/probe/empty-topology.csv"], r"error: \S*empty-topology.csv: topology: no GEMM rows"),
    ("mvm-d-in-zero", ["mvm", "--core", "reram", "--d-in", "0", "--d-out", "8"], r"error: command line: --vectors/--d-in/--d-out: "),
    ("mvm-on-systolic", ["mvm", "--core", "sa", "--d-in", "8", "--d-out", "8"], r"error: \S+: --core: "),
    ("sfu-func-unknown", ["sfu", "--core", "sa", "--func", "relu", "--elements", "64"], r"error: command line: --func: "),
    ("sfu-elements-zero", ["sfu", "--core", "sa", "--func", "gelu", "--elements", "0"], r"error: command line: --elements: "),
    ("packet-from-malformed", ["packet", "--from", "0,0", "--to", "0,1,0", "--bytes", "8"], r"error: command line: --from: "),
    ("packet-to-no-site", ["packet", "--from", "0,0,0", "--to", "9,0,0", "--bytes", "8"], r"error: command line: --to: "),
    ("packet-bytes-zero", ["packet", "--from", "0,0,0", "--to", "0,1,0", "--bytes", "0"], r"error: command line: --bytes: "),
    ("packet-no-bytes", ["packet", "--from", "0,0,0", "--to", "0,1,0"], r"--bytes is required"),
    ("hbm-bytes-zero", ["hbm", "--bytes", "0"], r"error: command line: --bytes: "),
    ("hbm-bytes-text", ["hbm", "--bytes", "x"], r"Could not convert: --bytes = x"),
    ("no-subcommand", [], r"A subcommand is required"),
]:
    case("probe-" + label, 2, r"atleus-vp: " + regex, P + args)
write("probe/bad-topology.csv", "Layer name, M, N, K,\nconv1, 8, x, 8,\n")
write("probe/empty-topology.csv", "Layer name, M, N, K,\n")

# ------------------------------------------------------------------------------------------
# 4. Workload YAML.

write("workload/ok.yaml", "model: roberta-base\ntask: squad\n")


def wl_case(name, body, regex, code=2, data=None):
    path = write("workload/" + name + ".yaml", data if data is not None else body)
    case("workload-" + name, code, regex, R + ["--workload", path])


W = lambda n: fq("workload/" + n + ".yaml")  # noqa: E731
wl_case("duplicate-key", "model: roberta-base\ntask: squad\nmodel: bert-base\n",
        E + W("duplicate-key") + r":3:1: model: duplicate key 'model' \(first at line 1\)")
wl_case("duplicate-nested", "model: roberta-base\ntask: {seq_len: 128, seq_len: 256}\n",
        E + W("duplicate-nested") + r":2:\d+: task.seq_len: duplicate key 'seq_len'")
wl_case("two-documents", "model: roberta-base\ntask: squad\n---\nmode: inference\n",
        E + W("two-documents") + r":3:1: a second YAML document")
wl_case("tag", "model: !hf roberta-base\ntask: squad\n", E + W("tag") + r":1:8: model: YAML tags are not accepted")
wl_case("nul", None, E + W("nul") + r":1:\d+: a NUL byte", data=b"model: rob\x00erta\ntask: squad\n")
wl_case("bad-utf8", None, E + W("bad-utf8") + r":2:\d+: invalid UTF-8", data=b"model: roberta-base\ntask: sq\xffuad\n")
wl_case("alias-bomb", "a0: &a0 [1,1,1,1,1,1,1,1,1,1]\n" + "".join(f"a{i}: &a{i} [" + ", ".join([f'*a{i-1}'] * 10) + "]\n" for i in range(1, 9)) + "model: roberta-base\ntask: squad\n",
        E + W("alias-bomb") + r":\d+:\d+: \S+: the document expands to more than 2000000 nodes")
wl_case("top-list", "- model\n", E + W("top-list") + r":1:1: the top level must be a map of keys")
wl_case("empty", "", E + W("empty") + r":\d+:\d+: the top level must be a map|" + E + W("empty") + r": ")
wl_case("unknown-key", "model: roberta-base\ntask: squad\nepochs: 3\n", E + W("unknown-key") + r":3:1: epochs: unknown key")
wl_case("no-model", "task: squad\n", E + W("no-model") + r":1:1: model: missing required key")
wl_case("no-task", "model: roberta-base\n", E + W("no-task") + r":1:1: task: missing required key")
wl_case("model-null", "model:\ntask: squad\n", E + W("model-null") + r":\d+:\d+: model: must be a single value")
wl_case("model-list", "model: [a]\ntask: squad\n", E + W("model-list") + r":1:8: model: must be a single value, got a list")
wl_case("model-unknown", "model: llama\ntask: squad\n", E + W("model-unknown") + r":1:8: model: unknown model 'llama'")
wl_case("model-missing-json", "model: nope.json\ntask: squad\n", E + W("model-missing-json") + r":1:8: model: \S*nope.json: cannot open")
wl_case("task-unknown", "model: roberta-base\ntask: mnli\n", E + W("task-unknown") + r":2:7: task: ")
wl_case("seq-len-zero", "model: roberta-base\ntask: squad\nseq_len: 0\n", E + W("seq-len-zero") + r":3:10: seq_len: must be > 0")
wl_case("seq-len-huge", "model: roberta-base\ntask: squad\nseq_len: 999999999\n", E + W("seq-len-huge") + r":3:10: seq_len: must be at most 1048576")
wl_case("seq-len-too-long", "model: roberta-base\ntask: squad\nseq_len: 10000000000\n", E + W("seq-len-too-long") + r":3:10: seq_len: must be a non-negative integer")
wl_case("seq-len-neg", "model: roberta-base\ntask: squad\nseq_len: -5\n", E + W("seq-len-neg") + r":3:10: seq_len: must be a non-negative integer")
wl_case("seq-len-nan", "model: roberta-base\ntask: squad\nseq_len: .nan\n", E + W("seq-len-nan") + r":3:10: seq_len: must be a non-negative integer")
wl_case("seq-len-over-model", "model: roberta-base\ntask: squad\nseq_len: 4096\n", E + W("seq-len-over-model") + r":3:10: seq_len: 4096 tokens exceed")
wl_case("batch-zero", "model: roberta-base\ntask: squad\nbatch: 0\n", E + W("batch-zero") + r":3:8: batch: must be > 0")
wl_case("batch-inf", "model: roberta-base\ntask: squad\nbatch: .inf\n", E + W("batch-inf") + r":3:8: batch: must be a non-negative integer")
wl_case("task-map-no-seq", "model: roberta-base\ntask: {batch: 4}\n", E + W("task-map-no-seq") + r":2:7: task.seq_len: missing required key")
wl_case("task-map-unknown", "model: roberta-base\ntask: {seq_len: 128, epochs: 2}\n", E + W("task-map-unknown") + r":2:\d+: task.epochs: unknown key")
wl_case("task-head-huge", "model: roberta-base\ntask: {seq_len: 128, head_outputs: 9999999999}\n", E + W("task-head-huge") + r":2:\d+: task.head_outputs: must be a non-negative integer")
wl_case("quant-bad", "model: roberta-base\ntask: squad\nquant: Q8\n", E + W("quant-bad") + r":3:8: quant: 'Q8' is not MnFm")
wl_case("quant-bits-zero", "model: roberta-base\ntask: squad\nquant: {mha_bits: 0}\n", E + W("quant-bits-zero") + r":3:\d+: quant.mha_bits: must be in \[1, 16\] bits")
wl_case("quant-map-unknown", "model: roberta-base\ntask: squad\nquant: {w_bits: 4}\n", E + W("quant-map-unknown") + r":3:\d+: quant.w_bits: unknown key")
wl_case("lora-rank-zero", "model: roberta-base\ntask: squad\nlora: {rank: 0}\n", E + W("lora-rank-zero") + r":3:\d+: lora.rank: must be in \[1, d_model = 768\]")
wl_case("lora-targets-bad", "model: roberta-base\ntask: squad\nlora: {targets: [q, z]}\n", E + W("lora-targets-bad") + r":3:\d+: lora.targets: unknown target 'z'")
wl_case("lora-targets-dup", "model: roberta-base\ntask: squad\nlora: {targets: [q, q]}\n", E + W("lora-targets-dup") + r":3:\d+: lora.targets: target 'q' is listed twice")
wl_case("lora-not-map", "model: roberta-base\ntask: squad\nlora: 32\n", E + W("lora-not-map") + r":3:7: lora: must be a map")
wl_case("lora-null", "model: roberta-base\ntask: squad\nlora: null\n", E + W("lora-null") + r":3:7: lora: must be a map")
wl_case("mode-bad", "model: roberta-base\ntask: squad\nmode: train\n", E + W("mode-bad") + r":3:7: mode: unknown mode 'train'")
wl_case("mode-null", "model: roberta-base\ntask: squad\nmode:\n", E + W("mode-null") + r":3:1: mode: must be a single value, got nothing$")
wl_case("backward-bad", "model: roberta-base\ntask: squad\nbackward: half\n", E + W("backward-bad") + r":3:11: backward: unknown backward accounting")
wl_case("transpose-bad", "model: roberta-base\ntask: squad\ntranspose_on: gpu\n", E + W("transpose-bad") + r":3:15: transpose_on: unknown unit")
wl_case("causal-skip-bad", "model: roberta-base\ntask: squad\ncausal_skip: yes\n", E + W("causal-skip-bad") + r":3:14: causal_skip: must be true or false")
wl_case("attention-tile-zero", "model: roberta-base\ntask: squad\nattention_tile: 0\n", E + W("attention-tile-zero") + r":3:17: attention_tile: must be > 0")
wl_case("duplication-zero", "model: roberta-base\ntask: squad\nduplication: 0\n", E + W("duplication-zero") + r":3:14: duplication: '0' is neither auto")
wl_case("finetune-no-targets", "model: roberta-base\ntask: squad\nmode: finetune\nlora: {targets: []}\n", E + W("finetune-no-targets") + r":4:\d+: lora.targets: fine-tuning needs at least one LoRA target")
wl_case("syntax", "model: [roberta\ntask: squad\n", E + W("syntax") + r":\d+:\d+: ")
wl_case("complex-key", "? [a]\n: 1\nmodel: roberta-base\n", E + W("complex-key") + r":1:3: : unknown key|" + E + W("complex-key") + r":\d+:\d+: ")
case("workload-dev-zero", 2, E + r"/dev/zero: cannot open: is not a regular file", R + ["--workload", "/dev/zero"])

# ------------------------------------------------------------------------------------------
# 5. HuggingFace config.json.

BERT = {"model_type": "bert", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
        "intermediate_size": 3072, "max_position_embeddings": 512, "vocab_size": 30522, "hidden_act": "gelu"}
VIT = {"model_type": "vit", "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
       "intermediate_size": 3072, "image_size": 224, "patch_size": 16, "num_labels": 1000, "hidden_act": "gelu"}


def hf_case(name, doc, regex, extra=(), code=2, raw=None):
    text = raw if raw is not None else json.dumps(doc)
    path = write("hf/" + name + ".json", text)
    case("hf-" + name, code, regex if regex.startswith("atleus-vp") else "atleus-vp: " + regex,
         R + ["--model", path] + list(extra))


H = lambda n: fq("hf/" + n + ".json")  # noqa: E731
for key in ["hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "max_position_embeddings", "vocab_size"]:
    for label, value, msg in [
        ("zero", 0, r"must be in \[1, 4294967295\] \(got 0\)"),
        ("neg", -1, r"must be in \[1, 4294967295\] \(got -1\)"),
        ("float", 1.5, r"must be a positive integer, got a fractional number"),
        ("string", "768", r"must be a positive integer, got a string"),
        ("null", None, r"must be a positive integer, got null"),
        ("2p32", 4294967296, r"must be in \[1, 4294967295\] \(got 4294967296\)"),
    ]:
        doc = dict(BERT)
        doc[key] = value
        hf_case(f"{key.replace('_', '-')}-{label}", doc, E + H(f"{key.replace('_', '-')}-{label}") + f": {key}: {msg}")
for label, doc_patch, msg in [
    ("layers-2p32-minus-1", {"num_hidden_layers": 4294967295}, r"num_hidden_layers: must be at most 1024 \(got 4294967295\)"),
    ("layers-100000", {"num_hidden_layers": 100000}, r"num_hidden_layers: must be at most 1024"),
    ("vocab-2p32-minus-1", {"vocab_size": 4294967295}, r"vocab_size: must be at most 16777216"),
    ("hidden-huge", {"hidden_size": 1 << 20, "num_attention_heads": 16}, r"hidden_size: must be at most 65536"),
    ("heads-not-dividing", {"num_attention_heads": 7}, r"num_attention_heads: d_model 768 is not divisible by heads 7"),
    ("model-type-unknown", {"model_type": "mamba"}, r"unsupported model_type 'mamba'"),
    ("model-type-number", {"model_type": 5}, r"model_type: must be a string, got a number"),
    ("activation-relu", {"hidden_act": "relu"}, r"activation: unsupported activation 'relu'"),
    ("hidden-1e400", None, r"invalid JSON: number overflow parsing '1e400'"),
]:
    if doc_patch is None:
        hf_case(label, None, E + H(label) + ": " + msg, raw=json.dumps(BERT).replace('"hidden_size": 768', '"hidden_size": 1e400'))
        continue
    doc = dict(BERT)
    doc.update(doc_patch)
    hf_case(label, doc, E + H(label) + ": " + msg)
doc = dict(BERT)
del doc["model_type"]
hf_case("no-model-type", doc, E + H("no-model-type") + r": missing field 'model_type'")
doc = dict(BERT)
del doc["hidden_size"]
hf_case("no-hidden-size", doc, E + H("no-hidden-size") + r": missing field 'hidden_size' \(or 'n_embd'\)")
hf_case("max-pos-1e9-seq-1e9", dict(BERT, max_position_embeddings=1000000000), r"--seq-len: must be in \[1, 1048576\]", extra=["--seq-len", "1000000000"])
hf_case("max-pos-1e9-seq-2m", dict(BERT, max_position_embeddings=1000000000), r"--seq-len: must be in \[1, 1048576\]", extra=["--seq-len", "2000000"])
hf_case("vit-65536-patches", dict(VIT, image_size=65536, patch_size=1), E + H("vit-65536-patches") + r": image_size: \(image_size / patch_size\)\^2 \+ 1 = 4294967297 tokens")
hf_case("vit-not-multiple", dict(VIT, image_size=225), E + H("vit-not-multiple") + r": image_size 225 is not a multiple of patch_size 16")
hf_case("vit-id2label-empty", dict(VIT, id2label={}), E + H("vit-id2label-empty") + r": id2label: must hold 1 to 16777216 labels \(got 0\)")
hf_case("vit-id2label-list", dict(VIT, id2label=[1]), E + H("vit-id2label-list") + r": field 'id2label' must be an object")
hf_case("roberta-pad-huge", dict(BERT, model_type="roberta", pad_token_id=4294967295), E + H("roberta-pad-huge") + r": pad_token_id: must be in \[0, 16777215\]")
hf_case("roberta-pad-neg", dict(BERT, model_type="roberta", pad_token_id=-9), E + H("roberta-pad-neg") + r": pad_token_id: must be in \[0, 16777215\]")
hf_case("bloom-no-seq", {"model_type": "bloom", "n_embd": 1024, "n_layer": 24, "n_head": 16, "vocab_size": 250880}, E + H("bloom-no-seq") + r": missing field 'seq_length'")
hf_case("invalid-json", None, E + H("invalid-json") + r": invalid JSON: parse error at line 1, column 23: syntax error", raw='{"model_type": "bert",')
hf_case("nan-literal", None, E + H("nan-literal") + r": invalid JSON: ", raw=json.dumps(BERT).replace('"vocab_size": 30522', '"vocab_size": NaN'))
hf_case("infinity-literal", None, E + H("infinity-literal") + r": invalid JSON: ", raw=json.dumps(BERT).replace('"vocab_size": 30522', '"vocab_size": Infinity'))
hf_case("top-array", [1, 2], E + H("top-array") + r": the top level must be a JSON object, got an array")
hf_case("empty", None, E + H("empty") + r": invalid JSON: ", raw="")
path = write("hf/bad-utf8.json", json.dumps(BERT).replace('"gelu"', '"ge\\u00ff"').encode().replace(b"\\u00ff", b"\xff"))
case("hf-bad-utf8", 2, E + fq("hf/bad-utf8.json") + r": invalid JSON: ", R + ["--model", path])
path = write("hf/deep.json", "[" * 100000 + "]" * 100000)
case("hf-deep-nesting", 2, E + fq("hf/deep.json") + r": (the top level must be a JSON object|invalid JSON)", R + ["--model", path])
case("hf-folder-without-config", 2, E + r"\S*probe/config.json: cannot open", R + ["--model", "{files}/probe"])
hf_case("name-not-string", dict(BERT, _name_or_path=5), E + H("name-not-string") + r": _name_or_path: must be a string, got a number")

# ------------------------------------------------------------------------------------------
# 6. compare and sweep.

write("compare/empty/placeholder.txt", "not a run\n")
write("compare/bad-json/summary.json", "{ not json")
write("compare/bad-utf8/summary.json", b'{"schema_version": 1, "name": "\xff"}')
write("compare/not-object/summary.json", "[1, 2]")
write("compare/wrong-types/summary.json", '{"schema_version": 1, "platform": 5, "simulated_time_s": "x", "energy_j": [1]}')
os.makedirs(os.path.join(FILES, "compare", "dir-summary", "summary.json"), exist_ok=True)
write("compare/dir-summary/summary.json/keep.txt", "a folder named summary.json\n")
C = ["compare", "--out", "{out}"]
for label, args, regex in [
    ("one-dir", ["{files}/compare/bad-json"], r"dirs: "),
    ("no-dirs", [], r"dirs is required"),
    ("missing-dirs", ["{files}/nope1", "{files}/nope2"], r"error: \S*nope1/summary.json: cannot open: No such file or directory"),
    ("no-summary", ["{files}/compare/empty", "{files}/compare/empty"], r"error: \S*compare/empty/summary.json: cannot open"),
    ("bad-json", ["{files}/compare/bad-json", "{files}/compare/bad-json"], r"error: \S*bad-json/summary.json: not a valid summary: parse error at line 1, column 4"),
    ("bad-utf8", ["{files}/compare/bad-utf8", "{files}/compare/bad-utf8"], r"error: \S*bad-utf8/summary.json: not a valid summary: "),
    ("not-object", ["{files}/compare/not-object", "{files}/compare/not-object"], r"error: \S*not-object/summary.json: not a valid summary: not a run summary"),
    ("wrong-types", ["{files}/compare/wrong-types", "{files}/compare/wrong-types"], r"error: compare: a summary.json lacks what the report reads: "),
    ("dir-summary", ["{files}/compare/dir-summary", "{files}/compare/dir-summary"], r"error: \S*dir-summary/summary.json: cannot open: is a directory"),
    ("dev-zero-label", ["{files}/compare/empty", "{files}/compare/empty", "--label", "a"], r"error: --label: 1 labels for 2 runs"),
]:
    case("compare-" + label, 2, r"atleus-vp: " + regex, C + args)

S = ["sweep", "--out", "{out}", "--dry-run"]


def sweep_case(name, body, regex, data=None):
    path = write("sweep/" + name + ".yaml", data if data is not None else body)
    case("sweep-" + name, 2, regex, S + [path])


SW = lambda n: fq("sweep/" + n + ".yaml")  # noqa: E731
OKW = "  workloads:\n    w: {model: roberta-base, task: squad, mode: inference}\n"
sweep_case("two-docs", "base:\n  platform: atleus\n" + OKW + "---\nbase: x\n", E + SW("two-docs") + r":5:1: a second YAML document")
sweep_case("tag", "base:\n  platform: !p atleus\n" + OKW, E + SW("tag") + r":2:13: base.platform: YAML tags are not accepted")
sweep_case("dup", "base:\n  platform: atleus\n  platform: atleus\n" + OKW, E + SW("dup") + r":3:3: base.platform: duplicate key")
sweep_case("nul", None, E + SW("nul") + r":1:\d+: a NUL byte", data=b"base: atl\x00eus\n")
sweep_case("alias-bomb", "a0: &a0 [1,1,1,1,1,1,1,1,1,1]\n" + "".join(f"a{i}: &a{i} [" + ", ".join([f'*a{i-1}'] * 10) + "]\n" for i in range(1, 9)),
           E + SW("alias-bomb") + r":\d+:\d+: \S+: the document expands to more than 2000000 nodes")
B0 = "base:\n  platform: atleus\n" + OKW
sweep_case("axes-null", B0 + "axes: null\n", E + SW("axes-null") + r":5:1: axes: ")
sweep_case("base-null", "base: null\n", E + SW("base-null") + r":1:1: base: ")
sweep_case("base-missing", "base:\n  platform: no-such-platform\n" + OKW, E + SW("base-missing") + r":\d+:\d+: base: the base platform does not load: ")
sweep_case("base-set-nan", "base:\n  platform: atleus\n  set: {core_types.sa.clock_mhz: .nan}\n" + OKW, E + SW("base-set-nan") + r":\d+:\d+: base: the base platform does not load: .*must be a finite number")
sweep_case("axis-nan", B0 + "axes:\n  core_types.sa.clock_mhz: [.nan]\n", E + SW("axis-nan") + r":\d+:\d+: ")
sweep_case("axis-empty", B0 + "axes:\n  core_types.sa.clock_mhz: []\n", E + SW("axis-empty") + r":\d+:\d+: axes.core_types.sa.clock_mhz: empty axis")
sweep_case("unknown-key", B0 + "axis: {}\n", E + SW("unknown-key") + r":5:1: axis: unknown key")
sweep_case("workloads-null", "base:\n  platform: atleus\n  workloads: null\n", E + SW("workloads-null") + r":3:\d+: base.workloads: name at least one workload")
sweep_case("top-list", "- a\n", E + SW("top-list") + r":1:1: the top level must be a map")
case("sweep-spec-missing", 2, r"atleus-vp: spec: File does not exist", S + ["{files}/no-such-spec.yaml"])
case("sweep-collect-not-sweep", 2, r"atleus-vp: error: \S*compare/empty: no spec.yaml: not a sweep folder", ["sweep", "collect", "{files}/compare/empty"])
case("sweep-jobs-zero", 2, r"atleus-vp: --jobs: ", ["sweep", "--jobs", "0", "{files}/sweep/top-list.yaml"])

# ------------------------------------------------------------------------------------------

def main():
    with open(os.path.join(SUITE, "manifest.tsv"), "w") as f:
        f.write("# name\texit\tstderr regex (first line, from its start)\targs (JSON)\n")
        for name, code, regex, args in cases:
            assert "\t" not in regex and "\n" not in regex, name
            f.write(f"{name}\t{code}\t{regex}\t{json.dumps(args)}\n")
    print(f"{len(cases)} cases")


main()
