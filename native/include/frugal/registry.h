// Each kernel family registers its JS functions here with FRUGAL_MODULE, so that adding a
// family touches no central file. addon.cc calls every registered init on load.
#pragma once
#include <napi.h>

namespace frugal {
using ModuleInit = void (*)(Napi::Env env, Napi::Object exports);
int RegisterModule(const char* name, ModuleInit init);
}  // namespace frugal

#define FRUGAL_MODULE(name, init) \
  static const int frugal_module_registered_##name = ::frugal::RegisterModule(#name, init);
