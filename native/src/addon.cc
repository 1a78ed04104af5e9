#include <utility>
#include <vector>

#include "frugal/registry.h"

namespace frugal {
namespace {
std::vector<std::pair<const char*, ModuleInit>>& Modules() {
  static std::vector<std::pair<const char*, ModuleInit>> modules;
  return modules;
}
}  // namespace

int RegisterModule(const char* name, ModuleInit init) {
  Modules().emplace_back(name, init);
  return static_cast<int>(Modules().size());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Array names = Napi::Array::New(env, Modules().size());
  uint32_t i = 0;
  for (auto& [name, init] : Modules()) {
    init(env, exports);
    names.Set(i++, Napi::String::New(env, name));
  }
  exports.Set("modules", names);
  return exports;
}
}  // namespace frugal

static Napi::Object InitFrugalNative(Napi::Env env, Napi::Object exports) { return frugal::Init(env, exports); }

NODE_API_MODULE(frugal_native, InitFrugalNative)
