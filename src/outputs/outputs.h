// Outputs: the configured outputs of a running daemon (`outputs:` of the config), one
// OutputDelivery thread each. apply() starts what the config names and restarts what
// changed; a restart is safe at any time because positions live in the index.
// Thread-safe: the daemon applies, the API reads status().
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.h"
#include "outputs/output_delivery.h"

namespace crm {

// The spec of each configured output (name, type, filters, retries), by name.
std::vector<OutputSpec> output_specs(const OutputsConfig& config);

class Outputs {
 public:
  Outputs(std::string database, ChangeNotifier& changes, Metrics& metrics, const Clock& clock);
  ~Outputs();  // stops every output

  void apply(const OutputsConfig& config);
  void stop();
  // Every configured output, by name.
  std::vector<OutputStatus> status() const;

 private:
  struct Running;
  std::string database_;
  ChangeNotifier& changes_;
  Metrics& metrics_;
  const Clock& clock_;
  mutable std::mutex mu_;
  OutputsConfig config_;
  std::map<std::string, std::unique_ptr<OutputDelivery>> running_;
};

}  // namespace crm
