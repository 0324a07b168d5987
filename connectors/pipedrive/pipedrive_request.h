// Building Pipedrive v2 list requests, the plan of a run, and the connector's page tokens.
//
// A list page is GET {base}/api/v2/{persons|organizations}?limit=N&sort_by=update_time
// &sort_direction=asc[&updated_since=<UTC>][&cursor=<next_cursor>]: keyset paging in
// (update_time, id) order, so a record edited during the run moves behind the cursor and
// is still read; updated_since is inclusive (>=), as connector.h requires.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/pipedrive/pipedrive_options.h"
#include "core/sync_mode.h"
#include "core/time.h"

namespace crm {

std::string pipedrive_list_url(std::string_view base_url, const PipedriveObject& object, int page_size,
                               std::optional<TimePoint> since, std::string_view cursor);
// GET /api/v2/{persons|organizations}/{id}: one record (a live read).
std::string pipedrive_one_url(std::string_view base_url, const PipedriveObject& object, uint64_t id);
// GET /api/v2/organizations?ids=1,2,…&limit=100 (at most kPipedriveMaxIds ids).
std::string pipedrive_orgs_by_id_url(std::string_view base_url, const std::vector<int64_t>& ids);
// GET /api/v2/persons?org_id=X&limit=N&sort_by=update_time&sort_direction=asc[&cursor=…]
std::string pipedrive_org_persons_url(std::string_view base_url, int64_t org_id, int page_size,
                                      std::string_view cursor);

// One list a run walks: an object, whether its records are handed to the engine (the
// organizations list also runs, record-less, to find renamed organizations when only
// persons are configured), and whether its changed organizations send us to their persons.
struct PipedriveStep {
  PipedriveObject object;
  bool emit = true;
  bool follow_renames = false;
};
// Full runs: the configured objects. Incremental runs: the same, plus, for persons with
// follow_org_renames, an organizations list (added last when not configured) whose
// changed organizations' persons are read again.
std::vector<PipedriveStep> pipedrive_plan(const PipedriveOptions& options, SyncMode mode);

enum class PipedrivePhase { list, org_persons };

// Where a run stands. In org_persons, `pending` holds the changed organizations of the
// organizations page just read (id, current name), the front one being walked with
// `person_cursor`; `cursor` is where that organizations list resumes ("" and list_done:
// it had ended).
struct PipedriveToken {
  size_t step = 0;
  PipedrivePhase phase = PipedrivePhase::list;
  std::string cursor;
  bool list_done = false;
  std::string person_cursor;
  std::vector<std::pair<int64_t, std::string>> pending;
};
std::string encode_pipedrive_token(const PipedriveToken& token);
std::optional<PipedriveToken> decode_pipedrive_token(std::string_view text);

}  // namespace crm
