// The probes of `crm-index check --connect` for one source: through the connector as the
// sync engine sees it (the SecretGuard of make_source_context, so every message is already
// redacted), the first page of a full pass, the first page of an incremental pass since
// `since`, and, where the connector has one, one call of its deleted-records endpoint.
// Never follows a page's `next`: a probe is one request, plus the client's bounded
// retries. Prints one line per probe to `out` ("NAME: full page: 100 records (ok)",
// "NAME: incremental page since 2026-12-01T10:00:00Z: failed: <error>").
// Stateless functions; the connector is used by the calling thread only.
#pragma once

#include <optional>
#include <ostream>
#include <string>

#include "connectors/connector.h"
#include "core/redact.h"
#include "core/time.h"

namespace crm {

// Where the probes start: the incremental pass's `since` and the connector state the
// index holds for the source (the sync hands it to every page of a run).
struct ProbeStart {
  TimePoint since{};
  std::optional<std::string> state;
};

// `redactor` is the source's client's: the first skipped record's reason is the
// connector's text from a record, which SecretGuard does not clean (only errors).
// False when a probe failed. A connector that declines on purpose (Error::skipped, a
// quota reserve) and an incremental pass that needs a full pass first (Page::needs_full_pass,
// as a sync would run one at once) are reported, not failures.
bool probe_connector(const std::string& source, Connector& connector, const ProbeStart& start,
                     const Redactor& redactor, std::ostream& out);

// The `since` of the incremental probe: the stored watermark minus the overlap, as the
// next incremental run would ask; without a watermark, a day before `now`.
TimePoint probe_since(const std::optional<TimePoint>& watermark, Millis overlap, TimePoint now);

}  // namespace crm
