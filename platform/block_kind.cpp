#include "atleus/platform/block_kind.hpp"

#include <dlfcn.h>

#include <filesystem>
#include <set>
#include <stdexcept>

namespace atleus {

double BlockKind::area_mm2(const CoreType& type) const {
  double a = 0;
  for (const auto& c : components(type)) a += c.area_mm2;
  return a;
}

double BlockKind::static_power_w(const CoreType& type) const {
  double w = 0;
  for (const auto& c : components(type)) w += c.static_power_w;
  return w;
}

bool BlockKind::can_run(const std::string& kernel_class) const {
  // Crossbars hold frozen matrices and nothing else; other kinds run every class.
  return role() != BlockRole::kCrossbar || kernel_class == "frozen";
}

BlockKindRegistry& BlockKindRegistry::instance() {
  static BlockKindRegistry* registry = [] {
    auto* r = new BlockKindRegistry();
    register_builtin_block_kinds(*r);
    return r;
  }();
  return *registry;
}

void BlockKindRegistry::add(std::unique_ptr<BlockKind> kind) {
  if (!kind) throw std::invalid_argument("block kind registry: null kind");
  if (find(kind->name()) != nullptr)
    throw std::invalid_argument("block kind '" + kind->name() + "' is already registered");
  kinds_.push_back(std::move(kind));
}

const BlockKind* BlockKindRegistry::find(const std::string& name) const {
  for (const auto& k : kinds_)
    if (k->name() == name) return k.get();
  return nullptr;
}

std::vector<std::string> BlockKindRegistry::names() const {
  std::vector<std::string> v;
  for (const auto& k : kinds_) v.push_back(k->name());
  return v;
}

void load_block_kind_plugin(const std::string& path) {
  static std::set<std::string> loaded;
  std::error_code ec;
  const std::string key = std::filesystem::weakly_canonical(path, ec).string();
  if (loaded.count(key) != 0) return;
  // Kinds register from the plugin's static constructors; the handle stays open for good.
  if (dlopen(key.c_str(), RTLD_NOW | RTLD_GLOBAL) == nullptr) {
    const char* why = dlerror();
    throw std::invalid_argument("cannot load plugin '" + path + "': " + (why ? why : "?"));
  }
  loaded.insert(key);
}

}  // namespace atleus
