// The config loader on any text: it must report errors, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "connectors/connector_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SET") return std::string("value");
    return std::nullopt;
  };
  auto loaded = crm::load_config_text(text, "/fuzz/crm-index.yaml", env);
  if (loaded.config)
    for (const auto& s : loaded.config->sources) (void)crm::summarize(s);
  for (const auto& e : loaded.errors) (void)e.format();
  return 0;
}
