#include "fake/webhook_payloads.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/json_writer.h"
#include "fake/dynamics_dialect.h"
#include "fake/form_body.h"
#include "fake/hubspot_dialect.h"
#include "fake/odoo_dialect.h"
#include "fake/pipedrive_dialect.h"
#include "fake/salesforce_dialect.h"
#include "fake/suitecrm_records.h"
#include "fake/webhook_signing.h"
#include "fake/zoho_dialect.h"

namespace crm::fake {
namespace {

using Kind = RecordChange::Kind;
using Props = std::vector<std::pair<std::string_view, std::string>>;

constexpr size_t kMaxBatch = 100;  // HubSpot's events per request; Zoho's and rest's ids
constexpr int64_t kHubspotPortal = 62515;  // the portal and app of HubSpot's own examples
constexpr int64_t kHubspotApp = 54321;
constexpr std::string_view kZohoChannel = "1000000068001";
constexpr std::string_view kJson = "application/json";

// Deterministic GUID-shaped ids (Pipedrive's meta.id, Dataverse's CorrelationId…).
std::string pseudo_uuid(uint64_t n) {
  uint64_t a = (n + 0x9e3779b97f4a7c15ULL) * 0xbf58476d1ce4e5b9ULL;
  uint64_t b = (a ^ (a >> 29)) * 0x94d049bb133111ebULL;
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     (b >> 52) & 0xfff, b & 0xffffffffffffULL);
}

// The keys whose values differ between two property lists of the same shape.
std::vector<size_t> changed_props(const Props& before, const Props& after) {
  std::vector<size_t> out;
  for (size_t i = 0; i < after.size() && i < before.size(); ++i)
    if (before[i].second != after[i].second) out.push_back(i);
  return out;
}

// --- HubSpot -----------------------------------------------------------------------------

// contact.propertyChange is one event per changed property; a touch changes none.
size_t hubspot_events(const RecordChange& c) {
  if (c.kind != Kind::updated) return 1;
  return changed_props(hubspot_properties(c.before), hubspot_properties(c.after)).size();
}

// --- Dataverse ---------------------------------------------------------------------------

constexpr std::string_view kDvUser = "75c2dd85-e89e-e711-8122-000d3aa2331c";
constexpr std::string_view kDvBusinessUnit = "e2b9dd85-e89e-e711-8122-000d3aa2331c";
constexpr std::string_view kDvOrganization = "4ef5b371-e89e-e711-8122-000d3aa2331c";
constexpr std::string_view kDvStep = "75417616-4ea2-e711-8122-000d3aa2331c";

// DataContractJsonSerializer writes "/" as "\/": in the type names and in "\/Date(ms)\/".
std::string dv_date(int64_t ms) { return fmt::format("\"\\/Date({})\\/\"", ms); }
std::string dv_type(std::string_view name) {
  return fmt::format("\"{}:http:\\/\\/schemas.microsoft.com\\/xrm\\/2011\\/Contracts\"", name);
}

void dv_reference(JsonWriter& w, std::string_view logical, std::string_view id, std::string_view name) {
  w.begin_object().key("__type").raw(dv_type("EntityReference")).field("Id", id);
  w.key("KeyAttributes").begin_array().end_array().field("LogicalName", logical);
  w.key("Name").string_or_null(name).key("RowVersion").null().end_object();
}

// The attributes of a contact or account, as a plug-in's Target entity holds them.
void dv_attributes(JsonWriter& w, const FakeRecord& r, const FakeRecord* before) {
  auto text = [&](std::string_view key, const std::string& now, const std::string& was) {
    if (before && now == was) return;
    w.begin_object().field("key", key).key("value").string_or_null(now).end_object();
  };
  if (r.company) {
    text("name", r.full_name, before ? before->full_name : "");
  } else {
    text("firstname", r.first_name, before ? before->first_name : "");
    text("lastname", r.last_name, before ? before->last_name : "");
    text("fullname", r.full_name, before ? before->full_name : "");
  }
  text("emailaddress1", r.email, before ? before->email : "");
  text("telephone1", r.phone, before ? before->phone : "");
  if (!r.company && (!before || before->company_name != r.company_name)) {
    w.begin_object().field("key", "parentcustomerid").key("value");
    if (r.company_name.empty()) w.null();
    else dv_reference(w, "account", dynamics_parent_guid(r.company_name), r.company_name);
    w.end_object();
  }
}

// --- Zoho --------------------------------------------------------------------------------

std::string_view zoho_module(const RecordChange& c) { return c.after.company ? "Accounts" : "Contacts"; }
std::string_view zoho_operation(Kind k) {
  return k == Kind::created ? "insert" : k == Kind::updated ? "update" : "delete";
}

Props zoho_fields(const FakeRecord& r) {
  if (r.company) return {{"Account_Name", r.full_name}, {"Phone", r.phone}};
  return {{"First_Name", r.first_name}, {"Last_Name", r.last_name}, {"Full_Name", r.full_name},
          {"Email", r.email}, {"Phone", r.phone}, {"Account_Name", r.company_name}};
}

// --- Odoo --------------------------------------------------------------------------------

// What Python's json.dumps(vals, sort_keys=True, default=str) writes, from compact JSON
// whose keys are already sorted: ", " and ": " between items, and ensure_ascii's \uXXXX
// (surrogate pairs above U+FFFF) for every non-ASCII character.
std::string python_json(std::string_view compact) {
  std::string out;
  out.reserve(compact.size() + compact.size() / 4);
  bool in_string = false;
  for (size_t i = 0; i < compact.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(compact[i]);
    if (!in_string) {
      out += static_cast<char>(c);
      if (c == '"') in_string = true;
      else if (c == ',') out += ' ';
      else if (c == ':') out += ' ';
      continue;
    }
    if (c == '\\') {
      out += compact.substr(i, 2);
      ++i;
    } else if (c == '"') {
      out += '"';
      in_string = false;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {  // JsonWriter wrote valid UTF-8
      size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      uint32_t cp = c & (0x7F >> n);
      for (size_t k = 1; k < n && i + k < compact.size(); ++k) cp = (cp << 6) | (compact[i + k] & 0x3F);
      i += n - 1;
      if (cp > 0xFFFF) {
        cp -= 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", cp);
      }
    }
  }
  return out;
}

// Odoo reads an empty char field as False.
void odoo_text(JsonWriter& w, std::string_view key, const std::string& v) {
  w.key(key);
  v.empty() ? w.value(false) : w.value(v);
}

}  // namespace

WebhookPayloads::WebhookPayloads(WebhookConfig config, WebhookContext context)
    : config_(std::move(config)), context_(std::move(context)) {}

Millis WebhookPayloads::timeout() const {
  using std::chrono::seconds;
  switch (config_.dialect) {
    case WebhookDialect::hubspot: return seconds(5);    // HubSpot: answer within 5 s or it retries
    case WebhookDialect::dynamics: return seconds(60);  // Dataverse: "The timeout is 60 seconds."
    case WebhookDialect::odoo: return seconds(1);       // ir.actions.server: requests.post(…, timeout=1)
    default: return seconds(10);                        // Apex's default callout timeout; the others alike
  }
}

size_t WebhookPayloads::batch(const std::deque<RecordChange>& pending) const {
  if (pending.empty()) return 0;
  size_t n = 1;
  switch (config_.dialect) {
    case WebhookDialect::hubspot: {
      size_t events = hubspot_events(pending.front());
      for (; n < pending.size() && events + hubspot_events(pending[n]) <= kMaxBatch; ++n)
        events += hubspot_events(pending[n]);
      break;
    }
    case WebhookDialect::zoho:  // one notification per module and operation
      while (n < kMaxBatch && n < pending.size() && pending[n].kind == pending.front().kind &&
             zoho_module(pending[n]) == zoho_module(pending.front()))
        ++n;
      break;
    case WebhookDialect::rest: n = std::min(pending.size(), kMaxBatch); break;
    default: break;  // one request per record
  }
  return n;
}

std::optional<WebhookRequest> WebhookPayloads::render(std::span<const RecordChange> changes, int64_t now_ms) {
  if (changes.empty()) return std::nullopt;
  const RecordChange& first = changes.front();
  switch (config_.dialect) {
    case WebhookDialect::hubspot: return hubspot(changes, now_ms);
    case WebhookDialect::pipedrive: return pipedrive(first);
    case WebhookDialect::dynamics: return dynamics(first);
    case WebhookDialect::zoho: return zoho(changes, now_ms);
    case WebhookDialect::rest: return rest(changes);
    case WebhookDialect::salesforce: return salesforce(first);
    case WebhookDialect::odoo: return odoo(first);
    case WebhookDialect::suitecrm: return suitecrm(first);
  }
  return std::nullopt;
}

// https://developers.hubspot.com/docs/api/webhooks: a JSON array of up to 100 events;
// signed with v3 (and v1, which HubSpot still sends for webhook subscriptions).
std::optional<WebhookRequest> WebhookPayloads::hubspot(std::span<const RecordChange> changes, int64_t now_ms) {
  std::string body;
  JsonWriter w(body);
  w.begin_array();
  size_t events = 0;
  for (const RecordChange& c : changes) {
    const std::string_view object = c.after.company ? "company" : "contact";
    const int64_t base = c.after.company ? 5200 : 4200;  // the app's subscription ids, one per type
    auto event = [&](std::string_view type, int64_t subscription, uint64_t object_id) {
      w.begin_object().field("eventId", static_cast<int64_t>(++sequence_)).field("subscriptionId", base + subscription);
      w.field("portalId", kHubspotPortal).field("appId", kHubspotApp).field("occurredAt", c.at_ms);
      w.field("subscriptionType", fmt::format("{}.{}", object, type)).field("attemptNumber", int64_t{0});
      w.field("objectId", static_cast<int64_t>(object_id));
      ++events;
    };
    auto source = [&] { w.field("changeSource", "CRM_UI").field("sourceId", "userId:1").end_object(); };
    if (c.kind == Kind::created) {
      event("creation", 1, c.after.id);
      source();
    } else if (c.kind == Kind::deleted && c.merged_into) {
      // contact.merge (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks):
      // the survivor keeps its id; the merged-away one is no longer a record of its own.
      event("merge", 3, c.merged_into);
      w.field("primaryObjectId", static_cast<int64_t>(c.merged_into));
      w.key("mergedObjectIds").begin_array().value(static_cast<int64_t>(c.before.id)).end_array();
      w.field("newObjectId", static_cast<int64_t>(c.merged_into)).field("numberOfPropertiesMoved", int64_t{0});
      source();
    } else if (c.kind == Kind::deleted) {
      event("deletion", 2, c.before.id);
      source();
    } else {
      const Props after = hubspot_properties(c.after);
      for (size_t i : changed_props(hubspot_properties(c.before), after)) {
        event("propertyChange", 10 + static_cast<int64_t>(i), c.after.id);
        w.field("propertyName", after[i].first).field("propertyValue", after[i].second);
        source();
      }
    }
  }
  w.end_array();
  if (events == 0) return std::nullopt;
  WebhookRequest r;
  r.headers = {{"Content-Type", std::string(kJson)},
               {"User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/)"},
               {"X-HubSpot-Signature", hubspot_signature_v1(config_.secret, body)},
               {"X-HubSpot-Signature-Version", "v1"},
               {"X-HubSpot-Signature-v3", hubspot_signature_v3(config_.secret, "POST", config_.url, body, now_ms)},
               {"X-HubSpot-Request-Timestamp", std::to_string(now_ms)}};
  r.body = std::move(body);
  return r;
}

// https://pipedrive.readme.io/docs/guide-for-webhooks-v2: one webhook per object change;
// "previous" holds the changed fields' old values (the whole object on delete, when
// "data" is null); a merge is a delete with meta.merged_to_id plus a change of the survivor.
WebhookRequest WebhookPayloads::pipedrive(const RecordChange& c) {
  const bool org = c.after.company;
  auto org_id = [&](const FakeRecord& r) { return org || !context_.pipedrive_org ? 0 : context_.pipedrive_org(r); };
  const uint64_t n = ++sequence_;
  std::string body;
  JsonWriter w(body);
  w.begin_object().key("meta").begin_object();
  w.field("action", c.kind == Kind::created ? "create" : c.kind == Kind::updated ? "change" : "delete");
  w.field("change_source", "app").field("company_id", "11923911").field("correlation_id", pseudo_uuid(n * 2));
  w.field("entity_id", std::to_string(c.after.id)).field("entity", org ? "organization" : "person");
  w.field("id", pseudo_uuid(n * 2 + 1)).field("is_bulk_edit", false);
  w.field("timestamp", format_iso8601(from_ms(c.at_ms))).field("type", "general").field("user_id", "1");
  w.field("version", "2.0").field("webhook_id", "401").field("webhook_owner_id", "1");
  w.key("permitted_user_ids").begin_array().value("1").end_array();
  w.field("attempt", int64_t{1}).field("host", "crm-e2e.pipedrive.com");
  if (c.merged_into) w.field("merged_to_id", std::to_string(c.merged_into));
  w.end_object();
  w.key("data");
  if (c.kind == Kind::deleted) w.null();
  else append_pipedrive_item(w, c.after, org_id(c.after));
  w.key("previous");
  if (c.kind == Kind::created) {
    w.null();
  } else if (c.kind == Kind::deleted) {
    append_pipedrive_item(w, c.before, org_id(c.before));
  } else {
    const FakeRecord &a = c.before, &b = c.after;
    w.begin_object();
    if (a.full_name != b.full_name) w.key("name").string_or_null(a.full_name);
    if (a.first_name != b.first_name) w.key("first_name").string_or_null(a.first_name);
    if (a.last_name != b.last_name) w.key("last_name").string_or_null(a.last_name);
    if (!org && a.email != b.email) append_pipedrive_channel(w, "emails", a.email);
    if (!org && a.phone != b.phone) append_pipedrive_channel(w, "phones", a.phone);
    if (!org && a.company_name != b.company_name) {
      uint64_t was = org_id(a);
      w.key("org_id");
      was ? w.value(static_cast<int64_t>(was)) : w.null();
    }
    if (a.modified_ms != b.modified_ms) w.field("update_time", pipedrive_time(a.modified_ms));
    w.end_object();
  }
  w.end_object();
  WebhookRequest r{std::move(body), {{"Content-Type", std::string(kJson)}, {"User-Agent", "Pipedrive-Webhook"}}};
  if (!config_.username.empty())
    r.headers.emplace_back("Authorization", basic_authorization(config_.username, config_.password));
  return r;
}

// https://learn.microsoft.com/power-apps/developer/data-platform/use-webhooks: the
// RemoteExecutionContext of one message (an asynchronous PostOperation step on Create,
// Update and Delete of contact and account), with the x-ms-dynamics-* headers and the
// step's HttpHeader key. A merged-away row is deactivated (Update: statecode 1, merged,
// masterid), not deleted, as the Dataverse dialect lists it.
WebhookRequest WebhookPayloads::dynamics(const RecordChange& c) {
  const FakeRecord& r = c.after;
  const std::string_view entity = r.company ? "account" : "contact";
  const std::string id = dynamics_guid(r.id, r.company);
  const bool merged = c.kind == Kind::deleted && c.merged_into;
  std::string_view message = "Update";
  if (c.kind == Kind::created) message = "Create";
  else if (c.kind == Kind::deleted && !merged) message = "Delete";
  const uint64_t n = ++sequence_;
  const std::string correlation = pseudo_uuid(n * 2);
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("BusinessUnitId", kDvBusinessUnit).field("CorrelationId", correlation);
  w.field("Depth", int64_t{1}).field("InitiatingUserId", kDvUser);
  w.key("InputParameters").begin_array().begin_object().field("key", "Target").key("value");
  if (message == "Delete") {
    dv_reference(w, entity, id, "");
  } else {
    w.begin_object().key("__type").raw(dv_type("Entity")).key("Attributes").begin_array();
    if (merged) {
      w.begin_object().field("key", "statecode").key("value").begin_object();
      w.key("__type").raw(dv_type("OptionSetValue")).field("Value", int64_t{1}).end_object().end_object();
      w.begin_object().field("key", "merged").field("value", true).end_object();
      w.begin_object().field("key", "masterid").key("value");
      dv_reference(w, entity, dynamics_guid(c.merged_into, r.company), "");
      w.end_object();
    } else {
      dv_attributes(w, r, c.kind == Kind::updated ? &c.before : nullptr);
    }
    w.begin_object().field("key", r.company ? "accountid" : "contactid").field("value", id).end_object();
    const int64_t modified = merged ? c.at_ms / 1000 * 1000 : r.modified_ms;  // merges stamp whole seconds too
    w.begin_object().field("key", "modifiedon").key("value").raw(dv_date(modified)).end_object();
    w.begin_object().field("key", "modifiedby").key("value");
    dv_reference(w, "systemuser", kDvUser, "");
    w.end_object();
    w.end_array().key("EntityState").null().key("FormattedValues").begin_array().end_array().field("Id", id);
    w.key("KeyAttributes").begin_array().end_array().field("LogicalName", entity);
    w.key("RelatedEntities").begin_array().end_array().key("RowVersion").null().end_object();
  }
  w.end_object().end_array();
  w.field("IsExecutingOffline", false).field("IsInTransaction", false).field("IsOfflinePlayback", false);
  w.field("IsolationMode", int64_t{1}).field("MessageName", message).field("Mode", int64_t{1});
  w.key("OperationCreatedOn").raw(dv_date(c.at_ms)).field("OperationId", pseudo_uuid(n * 2 + 1));
  w.field("OrganizationId", kDvOrganization).field("OrganizationName", "crm-e2e");
  w.key("OutputParameters").begin_array();
  if (message == "Create") w.begin_object().field("key", "id").field("value", id).end_object();
  w.end_array();
  w.key("OwningExtension").begin_object().field("Id", kDvStep).key("KeyAttributes").begin_array().end_array();
  w.field("LogicalName", "sdkmessageprocessingstep").key("Name").null().key("RowVersion").null().end_object();
  w.key("ParentContext").null();
  w.key("PostEntityImages").begin_array().end_array().key("PreEntityImages").begin_array().end_array();
  w.field("PrimaryEntityId", id).field("PrimaryEntityName", entity).key("RequestId").null();
  w.field("SecondaryEntityName", "none").key("SharedVariables").begin_array().end_array();
  w.field("Stage", int64_t{40}).field("UserId", kDvUser).end_object();
  WebhookRequest req{std::move(body),
                     {{"Content-Type", std::string(kJson)},
                      {"x-ms-dynamics-organization", "crm-e2e.crm4.dynamics.com"},
                      {"x-ms-dynamics-entity-name", std::string(entity)},
                      {"x-ms-dynamics-request-name", std::string(message)},
                      {"x-ms-correlation-request-id", correlation}}};
  if (!config_.header.empty()) req.headers.emplace_back(config_.header, config_.value);
  return req;
}

// https://www.zoho.com/crm/developer/docs/api/v8/notifications/enable.html: one
// notification per module and operation, the record ids, the channel's token in the
// body, the notify URL's own query parameters echoed in query_params.
WebhookRequest WebhookPayloads::zoho(std::span<const RecordChange> changes, int64_t now_ms) const {
  const RecordChange& first = changes.front();
  const std::string_view module = zoho_module(first);
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("server_time", now_ms).key("query_params").begin_object();
  size_t q = config_.url.find('?');
  if (q != std::string::npos)
    for (const auto& [k, v] : form_fields(std::string_view(config_.url).substr(q + 1))) w.field(k, v);
  w.end_object().field("module", module);
  w.field("resource_uri", fmt::format("{}/crm/v8/{}", context_.base_url, module));
  w.key("ids").begin_array();
  for (const RecordChange& c : changes) w.value(zoho_id(c.after.id));
  w.end_array().key("affected_fields").begin_array();
  if (first.kind == Kind::updated) {
    for (const RecordChange& c : changes) {
      const Props after = zoho_fields(c.after);
      w.begin_object().key(zoho_id(c.after.id)).begin_array();
      for (size_t i : changed_props(zoho_fields(c.before), after)) w.value(after[i].first);
      w.end_array().end_object();
    }
  }
  w.end_array().field("operation", zoho_operation(first.kind)).field("channel_id", kZohoChannel);
  w.key("token").string_or_null(config_.token).end_object();
  return {std::move(body), {{"Content-Type", std::string(kJson)}}};
}

// The in-house CRM: the ids that changed, signed with an HMAC of the body.
WebhookRequest WebhookPayloads::rest(std::span<const RecordChange> changes) const {
  std::vector<uint64_t> ids;
  for (const RecordChange& c : changes)
    if (std::find(ids.begin(), ids.end(), c.after.id) == ids.end()) ids.push_back(c.after.id);
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("event", "changed").key("ids").begin_array();
  for (uint64_t id : ids) w.value(std::to_string(id));
  w.end_array().field("at", changes.back().at_ms).end_object();
  std::string signature = body_signature(config_.secret, body, config_.prefix, config_.base64);
  return {std::move(body), {{"Content-Type", std::string(kJson)}, {config_.header, std::move(signature)}}};
}

// A record-triggered flow's asynchronous path with an HTTP Callout action: one callout per
// record created or updated, authenticated by the named credential's custom header. A
// deletion sends nothing: flows triggered on delete run before the delete and cannot call
// out. The body is the flow author's; this one names the record and its SystemModstamp
// in Apex's JSON date form.
std::optional<WebhookRequest> WebhookPayloads::salesforce(const RecordChange& c) const {
  if (c.kind == Kind::deleted) return std::nullopt;
  const FakeRecord& r = c.after;
  std::string stamp = format_iso8601_seconds(from_ms(r.modified_ms));
  stamp.pop_back();  // "…Z" → "….000+0000"
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("recordId", salesforce_id(r.id, r.company));
  w.field("sobjectType", r.company ? "Account" : "Contact");
  w.field("event", c.kind == Kind::created ? "created" : "updated").field("systemModstamp", stamp + ".000+0000");
  w.end_object();
  WebhookRequest req{std::move(body), {{"Content-Type", std::string(kJson)}, {"User-Agent", "SFDC-Callout/62.0"}}};
  if (!config_.header.empty()) req.headers.emplace_back(config_.header, config_.value);
  return req;
}

// Odoo's automation rule with a "Send Webhook Notification" action
// (odoo/addons/base/models/ir_actions.py, _run_action_webhook): _model, _id, _action and
// the selected fields read from the record, json.dumps(sort_keys=True) through requests,
// no header but Content-Type. On create and edit one rule fires; on deletion another
// (trigger "On deletion"), with the record as it was.
WebhookRequest WebhookPayloads::odoo(const RecordChange& c) const {
  const FakeRecord& r = c.kind == Kind::deleted ? c.before : c.after;
  std::string compact;
  JsonWriter w(compact);
  w.begin_object();
  w.field("_action", c.kind == Kind::deleted ? "Notify crm-index of deletion(#42)" : "Notify crm-index(#41)");
  w.field("_id", static_cast<int64_t>(r.id)).field("_model", "res.partner");
  odoo_text(w, "email", r.email);
  w.field("id", static_cast<int64_t>(r.id));
  odoo_text(w, "name", r.full_name);
  odoo_text(w, "phone", r.phone);
  w.field("write_date", odoo_time(r.modified_ms)).end_object();
  return {python_json(compact), {{"Content-Type", std::string(kJson)}, {"User-Agent", "python-requests/2.31.0"}}};
}

// A SuiteCRM logic hook (after_save, after_delete) is the admin's own PHP: it posts the
// bean's module and id with a header, either a fixed key or hash_hmac('sha256', $body,
// $secret).
WebhookRequest WebhookPayloads::suitecrm(const RecordChange& c) const {
  const FakeRecord& r = c.after;
  std::string body;
  JsonWriter w(body);
  w.begin_object().field("module", r.company ? "Accounts" : "Contacts").field("id", suite_guid(r.id));
  w.field("event", c.kind == Kind::deleted ? "after_delete" : "after_save");
  if (c.kind != Kind::deleted) w.field("isUpdate", c.kind == Kind::updated);
  w.end_object();
  std::string auth = config_.secret.empty() ? config_.value
                                            : body_signature(config_.secret, body, config_.prefix, config_.base64);
  return {std::move(body), {{"Content-Type", std::string(kJson)}, {config_.header, std::move(auth)}}};
}

}  // namespace crm::fake
