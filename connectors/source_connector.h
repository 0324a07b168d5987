// SourceConnector: what every CRM's connector holds — the source block it was built from,
// that block as the CRM's options parser reads it, the source's HTTP client and the JSON
// parser its pages are read with — so that a connector class says only how it pages.
// connector_type<Impl>() (connector_type.h) checks a block at load time with the same
// parser (validate), so `crm-index check` and the connector read a block alike.
// A connector is used by one thread at a time (connector.h).
#pragma once

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/page_parser.h"
#include "http/http_client.h"

namespace crm {

// `parse(source, errors)` reports every problem to `errors` when given one.
template <class Options, Options (*parse)(const SourceConfig&, ConfigErrors*)>
class SourceConnector : public Connector {
 public:
  static void validate(const SourceConfig& source, ConfigErrors& errors) { (void)parse(source, &errors); }

  // `source` passed validate(); it and `http` outlive the connector.
  SourceConnector(const SourceConfig& source, HttpClient& http)
      : source_(source), options_(parse(source, nullptr)), http_(http) {}

 protected:
  const SourceConfig& source_;
  const Options options_;
  HttpClient& http_;
  PageParser parser_;  // deep records fail alone, not the page (page_parser.h)
};

}  // namespace crm
