// The checks every YAML file passes before it is loaded (workloads/yaml_guard.hpp), and what
// the platform loader makes of them: positions, key paths, the alias budget, includes.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "atleus/noc/address_map.hpp"
#include "atleus/platform/yaml_config.hpp"
#include "atleus/workloads/yaml_guard.hpp"

using namespace atleus;

namespace {

std::string bomb(int levels, int fan) {
  std::string text = "a0: &a0 [x]\n";
  for (int i = 1; i <= levels; ++i) {
    text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < fan; ++j) text += (j ? ", *a" : "*a") + std::to_string(i - 1);
    text += "]\n";
  }
  return text;
}

}  // namespace

TEST_CASE("yaml guard: an alias bomb fails on the node that crosses the budget") {
  const auto t0 = std::chrono::steady_clock::now();
  const YamlProblem p = check_yaml_text(bomb(9, 10));  // 10^9 nodes expanded
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
  CHECK_THAT(p.message, Catch::StartsWith("the document expands to more than 2000000 nodes"));
  // a_k holds 1 + 10 a_(k-1) nodes (a6: 2,111,111): its ninth alias crosses the budget.
  CHECK(p.line == 7);
  CHECK(p.key_path == "a6[8]");
  // Within the budget, the same structure passes.
  CHECK(check_yaml_text(bomb(4, 10)).ok());
}

TEST_CASE("yaml guard: alias depth counts the aliased structure") {
  std::string text = "d0: &d0 [1]\n";
  for (int i = 1; i < 70; ++i)
    text += "d" + std::to_string(i) + ": &d" + std::to_string(i) + " [*d" + std::to_string(i - 1) +
            "]\n";
  const YamlProblem p = check_yaml_text(text);
  CHECK_THAT(p.message, Catch::StartsWith("nested deeper than 64 levels"));
}

TEST_CASE("yaml guard: one document, no tags, no NUL, UTF-8, unique keys") {
  YamlProblem p = check_yaml_text("a: 1\n---\nb: 2\n");
  CHECK(p.message == "a second YAML document; a file holds exactly one");
  CHECK(p.line == 2);
  CHECK(p.column == 1);

  p = check_yaml_text("a:\n  b: !custom 3\n");
  CHECK(p.message == "YAML tags are not accepted (got '!custom')");
  CHECK(p.key_path == "a.b");
  CHECK(p.line == 2);
  CHECK(p.column == 6);
  CHECK_FALSE(check_yaml_text("a: !!str 3\n").ok());
  CHECK(check_yaml_text("a: \"quoted\"\n").ok());

  p = check_yaml_text(std::string("a: x\0y\n", 7));
  CHECK(p.message == "a NUL byte in the text");
  CHECK(p.line == 1);
  CHECK(p.column == 5);

  p = check_yaml_text("a: 1\nname: ab\xff\n");
  CHECK(p.message == "invalid UTF-8 (byte 0xff)");
  CHECK(p.line == 2);
  CHECK(p.column == 9);
  CHECK(check_yaml_text("name: caf\xc3\xa9\n").ok());
  CHECK(find_invalid_utf8("\xc0\xaf") == 0);          // overlong
  CHECK(find_invalid_utf8("a\xed\xa0\x80") == 1);     // surrogate
  CHECK(find_invalid_utf8("\xf4\x90\x80\x80") == 0);  // above U+10FFFF

  p = check_yaml_text("t:\n  - {x: 1, x: 2}\n");
  CHECK(p.message == "duplicate key 'x' (first at line 2)");
  CHECK(p.key_path == "t[0].x");
}

TEST_CASE("yaml config: non-finite numbers and empty sections are errors at their key") {
  const ConfigDoc doc = load_config_text("cost:\n  wafer: .inf\nnoc: null\n", "p.yaml");
  try {
    doc.root().child("cost").get<double>("wafer");
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "p.yaml:2:10: cost.wafer: must be a finite number (got .inf)");
  }
  try {
    doc.root().child("noc").expect_keys({"model"});
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "p.yaml:3:1: noc: expected a map of keys, got an empty value");
  }
  CHECK_THROWS_AS(load_config_text("a: 1\n", "p.yaml", {"a=.nan"}).root().get<double>("a"),
                  ConfigError);
}

TEST_CASE("yaml config: a file included from two places is read once, device files never") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("atleus_guard_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // 25 files, each including every later one: 2^24 paths, 25 reads.
  for (int i = 0; i < 25; ++i) {
    std::ofstream f(dir / ("d" + std::to_string(i) + ".yaml"));
    std::string list;
    for (int j = i + 1; j < 25; ++j)
      list += (list.empty() ? "" : ", ") + ("d" + std::to_string(j) + ".yaml");
    f << (list.empty() ? "leaf: 1\n" : "include: [" + list + "]\nk" + std::to_string(i) + ": 1\n");
  }
  const ConfigDoc doc = load_config((dir / "d0.yaml").string());
  CHECK(doc.files().size() == 25);
  CHECK(doc.root().get<int>("leaf") == 1);
  {
    std::ofstream f(dir / "zero.yaml");
    f << "include: /dev/zero\n";
  }
  try {
    load_config((dir / "zero.yaml").string());
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(e.line() == 1);
    CHECK(e.key_path() == "include");
    CHECK(e.message() == "cannot open '/dev/zero': is not a regular file");
  }
  fs::remove_all(dir);
}

TEST_CASE("address map: windows added in order stay disjoint and decode") {
  noc::AddressMap map;
  for (int i = 0; i < 20000; ++i)
    map.add(uint64_t(i) << 20, 1 << 20, i, "core " + std::to_string(i));
  CHECK(map.decode((uint64_t(12345) << 20) + 7) == 12345);
  CHECK_THROWS_AS(map.add((uint64_t(5) << 20) + 1, 16, -1, "x"), std::invalid_argument);
  CHECK_THROWS_AS(map.add((uint64_t(5) << 20) - 8, 16, -1, "x"), std::invalid_argument);
  map.add(uint64_t(20000) << 20, 16, 20000, "after");
  CHECK(map.decode(uint64_t(20000) << 20) == 20000);
}

TEST_CASE("yaml guard: a quoted string never closed is an error at its opening quote") {
  // yaml-cpp itself takes the rest of the file as the value when the file ends in a newline.
  YamlProblem p = check_yaml_text("a: 1\nname: \"abc\nb: 2\n");
  CHECK(p.message ==
        "a double-quoted string that is never closed (it runs to the end of the file)");
  CHECK(p.key_path == "name");
  CHECK(p.line == 2);
  CHECK(p.column == 7);
  p = check_yaml_text("caf\xc3\xa9: &x 'it''s\n");  // multi-byte key, an anchor, '' escape
  CHECK(p.message ==
        "a single-quoted string that is never closed (it runs to the end of the file)");
  CHECK(p.line == 1);
  // Closed strings with escapes, quotes inside the other kind and block scalars stay valid.
  CHECK(check_yaml_text("a: \"x\\\"y\"\nb: 'it''s'\nc: \"it's\"\nd: |\n  \"q\ne: ['z']\n").ok());
}
