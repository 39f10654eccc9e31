// Configuration reading: positions and key paths in errors, includes, overrides, typed access.
// Expected lines and columns are read off the files in tests/data/yaml/ (1-based).
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <vector>

#include "atleus/models/param_check.hpp"
#include "atleus/platform/yaml_config.hpp"

using atleus::ConfigDoc;
using atleus::ConfigError;
using atleus::ConfigNode;
using atleus::load_config;

namespace {

std::string data(const std::string& name) {
  return std::string(ATLEUS_SOURCE_DIR) + "/tests/data/yaml/" + name;
}

template <typename F>
ConfigError error_of(F&& action) {
  try {
    action();
  } catch (const ConfigError& e) {
    return e;
  }
  FAIL("expected a ConfigError");
  throw std::logic_error("unreachable");
}

void check_position(const ConfigError& e, const std::string& file, int line, int column,
                    const std::string& path) {
  INFO(e.what());
  CHECK(e.file() == file);
  CHECK(e.line() == line);
  CHECK(e.column() == column);
  CHECK(e.key_path() == path);
}

}  // namespace

TEST_CASE("yaml_config: what() is file:line:col: path: message on one line", "[yaml_config]") {
  CHECK(std::string(ConfigError("f.yaml", 3, 7, "a.b[2].c", "bad").what()) ==
        "f.yaml:3:7: a.b[2].c: bad");
  // No position: the line and column are left out; no path: the path is left out.
  CHECK(std::string(ConfigError("--set", 0, 0, "a", "bad").what()) == "--set: a: bad");
  CHECK(std::string(ConfigError("f.yaml", 0, 0, "", "cannot open: x").what()) ==
        "f.yaml: cannot open: x");
  CHECK(std::string(ConfigError("f.yaml", 1, 2, "k", "two\nlines").what()) ==
        "f.yaml:1:2: k: two lines");
}

TEST_CASE("yaml_config: a syntax error gives the parser's line and column", "[yaml_config]") {
  const std::string file = data("syntax_error.yaml");
  // Line 3 is "  topology: mesh: torus"; the second ':' is at column 17.
  ConfigError e = error_of([&] { load_config(file); });
  check_position(e, file, 3, 17, "");
  CHECK(std::string(e.what()).rfind(file + ":3:17: ", 0) == 0);
  CHECK_FALSE(e.message().empty());
}

TEST_CASE("yaml_config: a missing file names the file and the reason", "[yaml_config]") {
  const std::string file = data("does_not_exist.yaml");
  ConfigError e = error_of([&] { load_config(file); });
  CHECK(e.file() == file);
  CHECK(e.line() == 0);
  CHECK(std::string(e.what()) == file + ": cannot open: No such file or directory");
}

TEST_CASE("yaml_config: typed values are read", "[yaml_config]") {
  const ConfigNode noc = load_config(data("values.yaml")).root().child("noc");
  CHECK(noc.get<unsigned>("flit_bytes") == 32u);
  CHECK(noc.get<int>("flit_bytes") == 32);
  CHECK(noc.get<double>("flit_bytes") == 32.0);
  CHECK(noc.get<std::string>("label") == "abc");
  CHECK(noc.get<double>("freq_ghz") == 1.5);
  CHECK(noc.get<bool>("enabled"));
  CHECK(noc.get<std::int64_t>("depth") == -3);
  CHECK(noc.get<std::vector<std::int64_t>>("grid") == std::vector<std::int64_t>{4, 4});
  CHECK(noc.get<std::vector<double>>("scales") == std::vector<double>{0.5, 1.0, 2000.0, -16.0});
  CHECK(noc.get<std::vector<std::string>>("names") == std::vector<std::string>{"a", "b"});
  CHECK(noc.get<std::string>("quoted") == "8");
  CHECK(noc.get<std::uint64_t>("big") == 5000000000ull);
  CHECK(noc.get_or<unsigned>("absent", 7u) == 7u);
  CHECK(noc.get_or<unsigned>("flit_bytes", 7u) == 32u);
  CHECK(noc.get_or<std::string>("absent", "x") == "x");
  CHECK(noc.keys() == std::vector<std::string>{"flit_bytes", "label", "freq_ghz", "enabled",
                                               "depth", "grid", "scales", "names", "quoted", "big",
                                               "empty"});
  const ConfigNode tiers = load_config(data("values.yaml")).root().child("tiers");
  REQUIRE(tiers.is_seq());
  REQUIRE(tiers.size() == 2);
  CHECK(tiers[1].get<std::string>("kind") == "systolic");
  CHECK(tiers[1].path() == "tiers[1]");
  CHECK(tiers[0].child("grid").path() == "tiers[0].grid");
  CHECK(tiers[0].child("grid").line() == 20);
  CHECK(tiers[0].child("grid").column() == 11);
}

TEST_CASE("yaml_config: a wrong type is reported at the value", "[yaml_config]") {
  const std::string file = data("values.yaml");
  const ConfigDoc doc = load_config(file);
  const ConfigNode noc = doc.root().child("noc");

  // Line 4 is "  label: abc": the value starts at column 10.
  ConfigError e = error_of([&] { noc.get<unsigned>("label"); });
  check_position(e, file, 4, 10, "noc.label");
  CHECK(e.message() == "expected an integer, got 'abc'");
  CHECK(std::string(e.what()) == file + ":4:10: noc.label: expected an integer, got 'abc'");

  CHECK(error_of([&] { noc.get<double>("label"); }).message() == "expected a number, got 'abc'");
  CHECK(error_of([&] { noc.get<bool>("label"); }).message() == "expected true or false, got 'abc'");
  CHECK(error_of([&] { noc.get<int>("grid"); }).message() == "expected an integer, got a list");
  CHECK(error_of([&] { noc.get<std::vector<double>>("label"); }).message() ==
        "expected a list, got 'abc'");
  CHECK(error_of([&] { noc.get<std::string>("grid"); }).message() ==
        "expected a string, got a list");
  CHECK(error_of([&] { noc.get<unsigned>("freq_ghz"); }).message() ==
        "expected an integer, got '1.5'");
  // A quoted value is a string even when it looks like a number (line 11, column 11).
  e = error_of([&] { noc.get<int>("quoted"); });
  check_position(e, file, 11, 11, "noc.quoted");
  CHECK(e.message() == "expected an integer, got the quoted string '8'");
  // An absent value points at its key (line 13 is "  empty:").
  e = error_of([&] { noc.get<double>("empty"); });
  check_position(e, file, 13, 3, "noc.empty");
  CHECK(e.message() == "expected a number, got an empty value");
  // get_or only defaults an absent key, never a bad value.
  CHECK_THROWS_AS(noc.get_or<unsigned>("label", 1u), ConfigError);

  // A bad list item: line 22 is "    grid: [4, x]", the 'x' is at column 15.
  e = error_of([&] { doc.root().child("tiers")[1].get<std::vector<std::int64_t>>("grid"); });
  check_position(e, file, 22, 15, "tiers[1].grid[1]");
  e = error_of([&] { doc.root().child("tiers")[2]; });
  check_position(e, file, 19, 3, "tiers");
}

TEST_CASE("yaml_config: negative or too large values for unsigned types", "[yaml_config]") {
  const std::string file = data("values.yaml");
  const ConfigNode noc = load_config(file).root().child("noc");
  // Line 7 is "  depth: -3".
  ConfigError e = error_of([&] { noc.get<unsigned>("depth"); });
  check_position(e, file, 7, 10, "noc.depth");
  CHECK(e.message() == "must be >= 0 (got -3)");
  CHECK(error_of([&] { noc.get<std::uint64_t>("depth"); }).message() == "must be >= 0 (got -3)");
  // 5000000000 > 2^32 - 1 = 4294967295 and > 2^31 - 1 = 2147483647.
  CHECK(error_of([&] { noc.get<unsigned>("big"); }).message() ==
        "value 5000000000 is out of range [0, 4294967295]");
  CHECK(error_of([&] { noc.get<int>("big"); }).message() ==
        "value 5000000000 is out of range [-2147483648, 2147483647]");
  CHECK(noc.get<std::int64_t>("big") == 5000000000ll);
}

TEST_CASE("yaml_config: a missing required key names the full key path", "[yaml_config]") {
  const std::string file = data("values.yaml");
  const ConfigNode root = load_config(file).root();
  CHECK(root.has("noc"));
  CHECK_FALSE(root.has("noc.flit_bytes"));
  CHECK(root.child("noc").has("flit_bytes"));
  // Reported at the map's own key, "noc:" on line 2.
  ConfigError e = error_of([&] { root.child("noc").get<unsigned>("flit_byte"); });
  check_position(e, file, 2, 1, "noc.flit_byte");
  CHECK(std::string(e.what()) == file + ":2:1: noc.flit_byte: missing required key");
}

TEST_CASE("yaml_config: an unknown key is reported at the key with a suggestion", "[yaml_config]") {
  const std::string file = data("values.yaml");
  const ConfigNode reram = load_config(file).root().child("core_types").child("reram");
  reram.expect_keys({"adc_bit", "xbar_size"});  // all present keys allowed: no error

  // Line 16 is "    adc_bit: 8".
  ConfigError e = error_of([&] { reram.expect_keys({"adc_bits", "xbar_size"}); });
  check_position(e, file, 16, 5, "core_types.reram.adc_bit");
  CHECK(std::string(e.what()) == file +
                                     ":16:5: core_types.reram.adc_bit: unknown key 'adc_bit', "
                                     "did you mean 'adc_bits'?");

  // Nothing close enough: the allowed keys are listed instead.
  e = error_of([&] { reram.expect_keys(std::vector<std::string>{"xbar_size", "cell_levels"}); });
  CHECK(e.message() == "unknown key 'adc_bit' (allowed keys: xbar_size, cell_levels)");

  CHECK(atleus::edit_distance("adc_bit", "adc_bits") == 1);
  CHECK(atleus::edit_distance("nco", "noc") == 1);  // one transposition
  CHECK(atleus::edit_distance("kitten", "sitting") == 3);
  CHECK(atleus::edit_distance("", "abc") == 3);
}

TEST_CASE("yaml_config: fail_key reports a validation error at the key", "[yaml_config]") {
  const std::string file = data("values.yaml");
  const ConfigNode reram = load_config(file).root().child("core_types").child("reram");
  try {
    throw atleus::ParamError("xbar_size", "must be a power of two");
  } catch (const atleus::ParamError& err) {
    // Line 17 is "    xbar_size: 128".
    ConfigError e = error_of([&] { reram.fail_key(err.field(), err.what()); });
    check_position(e, file, 17, 5, "core_types.reram.xbar_size");
    CHECK(e.message() == "must be a power of two");
  }
  ConfigError e = error_of([&] { reram.fail("impossible"); });
  check_position(e, file, 16, 5, "core_types.reram");
}

TEST_CASE("yaml_config: a duplicate key is an error", "[yaml_config]") {
  const std::string file = data("duplicate_key.yaml");
  ConfigError e = error_of([&] { load_config(file); });
  check_position(e, file, 3, 3, "noc.flit_bytes");
  CHECK(e.message() == "duplicate key 'flit_bytes' (first at line 2)");
}

TEST_CASE("yaml_config: includes merge first and the including file overrides them",
          "[yaml_config]") {
  const ConfigDoc doc = load_config(data("inc_top.yaml"));
  const ConfigNode root = doc.root();
  CHECK(doc.files() == std::vector<std::string>{data("inc_top.yaml"), data("inc_base.yaml"),
                                                data("sub/inc_second.yaml"),
                                                data("sub/inc_leaf.yaml")});
  // Key order: the first file's order, then keys that later files add.
  CHECK(root.keys() == std::vector<std::string>{"noc", "tiers", "clock_ghz", "leaf_value"});
  const ConfigNode noc = root.child("noc");
  CHECK(noc.keys() == std::vector<std::string>{"flit_bytes", "topology", "buffers"});
  CHECK(noc.get<unsigned>("flit_bytes") == 64u);       // top overrides base
  CHECK(noc.get<std::string>("topology") == "mesh");   // only in base
  CHECK(noc.child("buffers").get<int>("depth") == 8);  // maps merge deeply...
  CHECK(noc.child("buffers").get<int>("vcs") == 2);
  CHECK(root.get<std::vector<std::string>>("tiers") == std::vector<std::string>{"x"});  // lists
  CHECK(root.get<double>("clock_ghz") == 2.0);  // second include overrides its own include
  CHECK(root.get<int>("leaf_value") == 7);
  CHECK_FALSE(root.has("include"));

  // Every node keeps its own file and position.
  CHECK(noc.child("flit_bytes").file() == data("inc_top.yaml"));
  CHECK(noc.child("flit_bytes").line() == 4);
  CHECK(noc.child("topology").file() == data("inc_base.yaml"));
  CHECK(noc.child("topology").line() == 4);
  // inc_base.yaml line 5 is "  buffers: {depth: 4, vcs: 2}"; inc_top.yaml line 5 is
  // "  buffers: {depth: 8}".
  check_position(error_of([&] { noc.child("buffers").fail_key("vcs", "x"); }),
                 data("inc_base.yaml"), 5, 23, "noc.buffers.vcs");
  check_position(error_of([&] { noc.child("buffers").child("depth").fail("x"); }),
                 data("inc_top.yaml"), 5, 20, "noc.buffers.depth");
  check_position(error_of([&] { root.child("clock_ghz").fail("x"); }), data("sub/inc_second.yaml"),
                 3, 12, "clock_ghz");
  check_position(error_of([&] { root.fail_key("leaf_value", "x"); }), data("sub/inc_leaf.yaml"), 3,
                 1, "leaf_value");

  // Overrides win over every file.
  const ConfigNode over =
      load_config(data("inc_top.yaml"), {"noc.flit_bytes=128", "noc.buffers.vcs=4"}).root();
  CHECK(over.child("noc").get<unsigned>("flit_bytes") == 128u);
  CHECK(over.child("noc").child("buffers").get<int>("vcs") == 4);
  CHECK(over.child("noc").child("buffers").get<int>("depth") == 8);
  CHECK(over.child("noc").child("buffers").child("vcs").file() == "--set");
  CHECK(over.child("noc").child("buffers").child("depth").file() == data("inc_top.yaml"));
}

TEST_CASE("yaml_config: an error inside an included file names that file", "[yaml_config]") {
  const std::string inner = data("sub/inc_bad.yaml");
  const ConfigNode noc = load_config(data("inc_bad_parent.yaml")).root().child("noc");
  CHECK(noc.get<unsigned>("flit_bytes") == 64u);
  // sub/inc_bad.yaml line 4 is "  link_bits: many".
  ConfigError e = error_of([&] { noc.get<unsigned>("link_bits"); });
  check_position(e, inner, 4, 14, "noc.link_bits");
  CHECK(std::string(e.what()) == inner + ":4:14: noc.link_bits: expected an integer, got 'many'");
  // Line 5 is "  vc_count: 2".
  e = error_of([&] { noc.expect_keys({"flit_bytes", "topology", "link_bits", "vcs_count"}); });
  check_position(e, inner, 5, 3, "noc.vc_count");
  CHECK(e.message() == "unknown key 'vc_count', did you mean 'vcs_count'?");
}

TEST_CASE("yaml_config: include cycles and missing includes are errors", "[yaml_config]") {
  // cycle_b.yaml line 2 is "include: cycle_a.yaml"; the file name starts at column 10.
  ConfigError e = error_of([&] { load_config(data("cycle_a.yaml")); });
  check_position(e, data("cycle_b.yaml"), 2, 10, "include");
  CHECK(e.message() == "include cycle: " + data("cycle_a.yaml") + " -> " + data("cycle_b.yaml") +
                           " -> " + data("cycle_a.yaml"));

  // include_missing.yaml line 1 is "include: [inc_base.yaml, no_such_file.yaml]".
  e = error_of([&] { load_config(data("include_missing.yaml")); });
  check_position(e, data("include_missing.yaml"), 1, 26, "include[1]");
  CHECK(e.message() ==
        "cannot open '" + data("no_such_file.yaml") + "': No such file or directory");
}

TEST_CASE("yaml_config: --set overrides a scalar, a list item and adds a leaf", "[yaml_config]") {
  const ConfigDoc doc =
      load_config(data("values.yaml"),
                  {"noc.flit_bytes=64", "tiers[0].grid=[16, 2]", "noc.label = torus",
                   "noc.new_key=5", "tiers[1]={kind: reram, grid: [1, 1]}", "noc.empty.inner=1"});
  const ConfigNode root = doc.root();
  const ConfigNode noc = root.child("noc");
  CHECK(noc.get<unsigned>("flit_bytes") == 64u);
  CHECK(noc.get<std::string>("label") == "torus");
  CHECK(noc.get<int>("new_key") == 5);
  CHECK(noc.child("empty").get<int>("inner") == 1);
  CHECK(root.child("tiers")[0].get<std::vector<std::int64_t>>("grid") ==
        std::vector<std::int64_t>{16, 2});
  CHECK(root.child("tiers")[0].get<std::string>("kind") == "reram");
  CHECK(root.child("tiers")[1].get<std::vector<std::int64_t>>("grid") ==
        std::vector<std::int64_t>{1, 1});
  // A replaced key keeps its place; a new key goes last.
  CHECK(noc.keys().front() == "flit_bytes");
  CHECK(noc.keys().back() == "new_key");
  // Untouched values keep their file position.
  CHECK(noc.child("freq_ghz").file() == data("values.yaml"));
  CHECK(noc.child("freq_ghz").line() == 5);
  CHECK(root.child("tiers")[0].child("kind").line() == 19);

  // A bad override value is reported against --set and quotes the override.
  const ConfigNode bad = load_config(data("values.yaml"), {"noc.flit_bytes=abc"}).root();
  ConfigError e = error_of([&] { bad.child("noc").get<unsigned>("flit_bytes"); });
  check_position(e, "--set", 0, 0, "noc.flit_bytes");
  CHECK(std::string(e.what()) ==
        "--set: noc.flit_bytes: expected an integer, got 'abc' (override 'noc.flit_bytes=abc')");
  e = error_of([&] { bad.child("noc").fail_key("flit_bytes", "must be > 0"); });
  check_position(e, "--set", 0, 0, "noc.flit_bytes");
}

TEST_CASE("yaml_config: --set needs an existing parent path", "[yaml_config]") {
  const std::string file = data("values.yaml");
  ConfigError e = error_of([&] { load_config(file, {"nosuch.flit_bytes=1"}); });
  check_position(e, "--set", 0, 0, "nosuch.flit_bytes");
  CHECK(std::string(e.what()) ==
        "--set: nosuch.flit_bytes: cannot apply override 'nosuch.flit_bytes=1': 'nosuch' does "
        "not exist");
  e = error_of([&] { load_config(file, {"tiers[7].grid=[1]"}); });
  CHECK(e.message() == "cannot apply override 'tiers[7].grid=[1]': 'tiers[7]' does not exist");
  e = error_of([&] { load_config(file, {"tiers[2]=1"}); });
  CHECK(e.message() == "cannot apply override 'tiers[2]=1': 'tiers' has 2 items");
  e = error_of([&] { load_config(file, {"noc.flit_bytes.x=1"}); });
  CHECK(e.message() ==
        "cannot apply override 'noc.flit_bytes.x=1': 'noc.flit_bytes' is not a map (it is "
        "'32')");
  e = error_of([&] { load_config(file, {"noc.flit_bytes"}); });
  CHECK(e.message() == "malformed override 'noc.flit_bytes', expected key.path=value");
  CHECK_THROWS_AS(load_config(file, {"noc..x=1"}), ConfigError);
  CHECK_THROWS_AS(load_config(file, {"tiers[a]=1"}), ConfigError);
  e = error_of([&] { load_config(file, {"noc.grid=[1, 2"}); });
  check_position(e, "--set", 0, 0, "noc.grid");
}

TEST_CASE("yaml_config: text documents and the merged YAML round-trip", "[yaml_config]") {
  // Includes of an in-memory document are relative to its source name.
  const ConfigDoc doc = atleus::load_config_text("include: inc_top.yaml\nextra: 1\n",
                                                 data("inline.yaml"), {"clock_ghz=5"});
  CHECK(doc.root().get<int>("extra") == 1);
  CHECK(doc.root().child("noc").get<unsigned>("flit_bytes") == 64u);
  const ConfigDoc again = atleus::load_config_text(doc.to_yaml(), "merged.yaml");
  CHECK(again.root().keys() == doc.root().keys());
  CHECK(again.root().get<double>("clock_ghz") == 5.0);
  CHECK(again.root().child("noc").child("buffers").get<int>("vcs") == 2);
  CHECK(error_of([&] { atleus::load_config_text("- a\n- b\n", "list.yaml"); }).message() ==
        "the top level must be a map of keys, got a list");
  CHECK(atleus::load_config_text("", "empty.yaml").root().keys().empty());
}

TEST_CASE("yaml_config: assigning a ConfigNode rebinds the view only", "[yaml_config]") {
  const ConfigDoc doc = load_config(data("values.yaml"));
  ConfigNode node = doc.root().child("noc").child("flit_bytes");
  node = doc.root().child("noc").child("label");
  CHECK(node.as<std::string>() == "abc");
  CHECK(node.path() == "noc.label");
  CHECK(doc.root().child("noc").get<unsigned>("flit_bytes") == 32u);
  ConfigDoc other = load_config(data("inc_base.yaml"));
  other = doc;
  CHECK(other.root().child("noc").get<unsigned>("flit_bytes") == 32u);
  CHECK(load_config(data("inc_base.yaml")).root().child("noc").get<unsigned>("flit_bytes") == 16u);
}
