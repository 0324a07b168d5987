// Config: the validated YAML contract of design.md ("Configuration contract"), with
// defaults merged into every source and secrets resolved. Built once by read_config_file();
// immutable afterwards and safe to share between threads.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/secret.h"
#include "core/time.h"

namespace crm {

struct RateLimit {
  double per_second = 10.0;
  std::string text = "10/s";  // as written, for summaries
};

struct AuthConfig {
  std::string type;  // "" (none) | bearer | api_key | basic | oauth2 | odoo
  Secret token;      // bearer
  std::string in = "header";  // api_key: header | query
  std::string name;           // api_key: header or parameter name
  Secret value;               // api_key
  std::string username;       // basic, odoo
  Secret password;            // basic, odoo (password or API key)
  std::string token_url;      // oauth2
  std::string grant;          // oauth2: client_credentials | refresh_token
  std::string client_id;      // oauth2
  Secret client_secret;       // oauth2
  Secret refresh_token;       // oauth2, grant refresh_token
  std::string scope;          // oauth2, optional
  // oauth2: how the client authenticates to the token endpoint (RFC 6749 §2.3.1):
  // "body" (client_id and client_secret in the form) or "basic" (HTTP Basic; Pipedrive).
  std::string client_auth = "body";
  // bearer, oauth2: the Authorization scheme word before the token; "" = the connector's
  // default ("Bearer"; Zoho's is "Zoho-oauthtoken"). Optional.
  std::string scheme;
};

// The per-source knobs of `defaults:`; every one may be overridden in a source block.
struct SourceSettings {
  Millis interval = std::chrono::minutes(5);
  double jitter = 0.10;
  Millis timeout = std::chrono::seconds(30);
  int page_size = 200;
  Millis overlap = std::chrono::minutes(5);
  Millis full_sync_every = std::chrono::hours(24);
  double delete_guard = 0.50;
  RateLimit rate_limit;
  std::string quota_group;  // "" = the source's own bucket
  Millis max_backoff = std::chrono::minutes(30);
  // How often a source the CRM refuses (auth, permission, configuration) is tried again
  // until someone fixes it (or a config reload, which retries at once).
  Millis auth_retry = std::chrono::minutes(15);
  std::optional<Millis> stale_after;  // unset: three intervals
  bool insecure_skip_verify = false;  // TLS verification off: logged as a warning at start
  int64_t max_response_size = int64_t{256} << 20;  // bytes of one answer, after decompression
};

// Where a YAML node stood, for errors found after loading (e.g. by a connector).
struct ConfigPosition {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;  // 1-based
};

// `fields: { name: { from: ..., decode: html, trim: true } }`: what the engine does to a
// mapped text field before hashing, for CRMs that store text HTML-escaped or padded.
struct FieldTransform {
  bool decode_html = false;
  bool trim = false;
  bool operator==(const FieldTransform&) const = default;
};

// A source's `hints:` block (platform.md "Push hints in"): how a webhook from its CRM
// proves it came from there. A verified hint only makes the next incremental run happen
// sooner; its payload is never read as data.
struct SourceHints {
  std::string type;   // "" (no hints) | hubspot | basic | hmac | header | zoho | query
  Secret secret;      // hubspot: the app's client secret; hmac: the shared key
  std::string username;  // basic
  Secret password;       // basic
  std::string header;    // hmac: the signature header; header: the key's header (e.g. x-crm-key)
  std::string prefix;    // hmac: what precedes the digest in the header ("sha256="), may be ""
  std::string encoding = "hex";  // hmac: hex | base64
  Secret value;          // header: the header's expected value; query: the parameter's
  std::string param;     // query: the query parameter that carries the key (Odoo: no headers)
  Secret token;          // zoho: the notification channel's token
  bool operator==(const SourceHints& o) const {
    return type == o.type && secret.reveal() == o.secret.reveal() && username == o.username &&
           password.reveal() == o.password.reveal() && header == o.header && prefix == o.prefix &&
           encoding == o.encoding && value.reveal() == o.value.reveal() && param == o.param &&
           token.reveal() == o.token.reveal();
  }
};

// A source's `live:` block (platform.md "Live reads"): the dashboard may ask the CRM for
// one record now, through GET /v1/records/{source}/{id}/live.
struct SourceLive {
  bool enabled = false;             // the block is there
  std::vector<std::string> fields;  // the CRM's own fields the answer may show (allow-list)
  Millis timeout = std::chrono::seconds(5);  // of the one request to the CRM
  Millis cache = std::chrono::seconds(30);   // how long an answer is served again; 0: not kept
  std::string path;                 // type rest only: where one record is, "/customers/{id}"
  std::string item;                 // type rest only: JSON pointer to the record in that answer ("": all of it)
  bool operator==(const SourceLive&) const = default;
};

struct SourceConfig {
  std::string name;  // [a-z0-9-]+, unique
  std::string type;  // a name from the source type table (connectors/registry.cpp)
  std::string base_url;
  std::vector<std::string> objects;  // empty: the type's default list
  AuthConfig auth;
  std::string web_url;  // template; empty: the type's default
  std::string phone_region;  // ISO 3166 alpha-2, e.g. DE
  bool strip_email_tags = false;  // linking: a+tag@gmail.com is a@gmail.com
  std::map<std::string, std::string> fields;  // record field → CRM field / JSON pointer
  std::map<std::string, FieldTransform> field_transforms;  // record text field → transform
  std::vector<std::string> extra_fields;
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  bool enabled = true;
  SourceHints hints;  // type "": the source takes no hints
  SourceLive live;    // enabled false: no live reads
  SourceSettings settings;
  ConfigPosition position;  // of the source block
  YAML::Node node;  // the whole block, for the keys only its connector type knows
};

// `linking:` (design.md "Linking"): which identifiers join records into one customer,
// and which weak evidence only suggests it.
struct LinkingConfig {
  bool national_id = true;  // the rules that link
  bool email = true;
  bool phone = true;
  bool suggest_name_company = true;        // same name and company: a suggestion
  bool suggest_name_phone_country = true;  // same name and phone country: a suggestion
  // Mail providers that deliver a+tag@ to a@, for sources with strip_email_tags: true.
  std::vector<std::string> plus_tag_domains = {"gmail.com",   "googlemail.com", "outlook.com",
                                               "hotmail.com", "live.com",       "icloud.com",
                                               "me.com",      "fastmail.com",   "proton.me",
                                               "protonmail.com"};
  // linking.survivorship.name: which member names a customer in its summary. Empty: the
  // most recently changed one (most_recent); else these sources first, in this order.
  std::vector<std::string> survivorship_name;
};

// What the read API grants its clients, so that it stays answerable under abuse
// (docs/reliability.md, "The read API under abuse"). The api: keys of the same names.
struct ApiLimits {
  unsigned max_connections = 512;
  unsigned max_connections_per_client = 128;  // per client address; 0: no such limit
  unsigned max_long_polls = 128;              // parked /v1/changes?wait=; more: 503
  Millis header_timeout = std::chrono::seconds(10);
  Millis idle_timeout = std::chrono::seconds(30);
  bool operator==(const ApiLimits&) const = default;
};

// `api.write_tokens` (platform.md "People act"): who may make and take back marks over
// HTTP. The name is kept with each mark as its "by".
struct ApiWriteToken {
  std::string name;
  std::string token_file;  // resolved path
  Secret token;
  bool operator==(const ApiWriteToken& o) const {
    return name == o.name && token_file == o.token_file && token.reveal() == o.token.reveal();
  }
};

struct ApiConfig {
  std::string listen = "127.0.0.1:8787";
  std::string token_file;  // optional
  std::vector<ApiWriteToken> write_tokens;
  ApiLimits limits;
};

// `outputs:` (platform.md "Events out"): where every change-feed event is delivered.
struct NatsAuth {
  std::string type = "none";  // none | token | user | creds
  Secret token;               // token (token or token_file)
  std::string user;           // user
  Secret password;            // user (password or password_file)
  std::string creds_file;     // creds: resolved path, read by the NATS client itself
};

struct NatsOutputConfig {
  std::vector<std::string> servers;  // nats://host:port, one or a cluster
  NatsAuth auth;
  std::string stream = "CRM_INDEX";  // created if missing, subjects "<subject_prefix>.>"
  std::string subject_prefix = "crm-index";  // subject: <prefix>.<op>.<source>
  int replicas = 1;                          // when the stream is created
  Millis max_age = std::chrono::hours(24 * 7);  // when the stream is created
  ConfigPosition position;  // of the nats block
  bool operator==(const NatsOutputConfig& o) const {
    return servers == o.servers && auth.type == o.auth.type && auth.token.reveal() == o.auth.token.reveal() &&
           auth.user == o.auth.user && auth.password.reveal() == o.auth.password.reveal() &&
           auth.creds_file == o.auth.creds_file && stream == o.stream && subject_prefix == o.subject_prefix &&
           replicas == o.replicas && max_age == o.max_age;
  }
};

struct WebhookConfig {
  std::string name;  // [a-z0-9-]+, unique among outputs, not "nats"
  std::string url;   // http(s)://...
  Secret key;        // the signing key: secret_file holds "whsec_" + base64 of it
  std::vector<std::string> sources;  // empty: every source
  std::vector<std::string> ops;      // empty: every op (create update delete link unlink)
  Millis timeout = std::chrono::seconds(10);
  int max_attempts = 10;  // then the event is dead-lettered for this endpoint
  ConfigPosition position;  // of the list entry
  bool operator==(const WebhookConfig& o) const {
    return name == o.name && url == o.url && key.reveal() == o.key.reveal() && sources == o.sources &&
           ops == o.ops && timeout == o.timeout && max_attempts == o.max_attempts;
  }
};

struct OutputsConfig {
  std::optional<NatsOutputConfig> nats;  // its output is named "nats"
  std::vector<WebhookConfig> webhooks;
  bool operator==(const OutputsConfig&) const = default;
  bool empty() const { return !nats && webhooks.empty(); }
};

// The top-level `hints:` block: the listener CRMs send their webhooks to.
struct HintsConfig {
  std::string listen;  // host:port; "": no hints listener
  Millis delay = std::chrono::seconds(2);          // after a hint, so that a burst makes one run
  Millis min_interval = std::chrono::seconds(10);  // at most one hinted run per source per this
  std::string public_url;  // the listener's URL as the CRMs call it (HubSpot signs it); "": as received
  bool operator==(const HintsConfig&) const = default;
};

// The top-level `cluster:` block (platform.md "Beyond one machine"); absent: standalone.
enum class ClusterRole { poller, replica };
const char* to_string(ClusterRole role);

struct ClusterConfig {
  std::vector<std::string> servers;  // nats://host:port of the JetStream cluster
  NatsAuth auth;
  ClusterRole role = ClusterRole::poller;
  std::string name;  // unique per process: the lease holder's name
  Millis lease_ttl = std::chrono::seconds(30);
  ConfigPosition position;  // of the cluster block
  // The stream's and the lease bucket's replicas when they are created: one per listed
  // server, at most 3 (a JetStream cluster keeps an R3 stream through one node's loss).
  int replicas() const { return std::clamp(static_cast<int>(servers.size()), 1, 3); }
};

struct Config {
  std::string path;      // the file it was loaded from
  std::string database;  // path of the SQLite file (relative paths: against the config's folder)
  ApiConfig api;
  SourceSettings defaults;
  std::vector<SourceConfig> sources;
  LinkingConfig linking;
  OutputsConfig outputs;
  HintsConfig hints;
  std::optional<ClusterConfig> cluster;
  // For the permission warnings of `check` and `run` (file_permissions.h): whether the
  // file itself holds a secret (not ${ENV}, not *_file), and every secret file read.
  bool holds_inline_secrets = false;
  std::vector<std::string> secret_files;

  const SourceConfig* find_source(const std::string& name) const;
};

// One problem in a config file, printed as "file:line:col: message".
struct ConfigError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  std::string format() const;
};

// Collects errors with their positions; handed to connector types for their own keys.
class ConfigErrors {
 public:
  explicit ConfigErrors(std::string file) : file_(std::move(file)) {}
  void add(const YAML::Node& at, std::string message);
  void add(const YAML::Mark& at, std::string message);
  void add(const ConfigPosition& at, std::string message);
  bool empty() const { return errors_.empty(); }
  const std::vector<ConfigError>& all() const { return errors_; }
  const std::string& file() const { return file_; }

  // The text of a scalar as the file has it, before ${ENV} expansion. Quote this, not
  // node.Scalar(), in a message: a value that came from the environment may be a
  // credential, and "${NAME}" also tells the reader where the value came from.
  std::string as_written(const YAML::Node& scalar) const;
  // Called by the loader for every scalar that expansion changed (by Mark::pos).
  void record_written(int pos, std::string text) { written_[pos] = std::move(text); }

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
  std::map<int, std::string> written_;
};

// Environment lookups are injected so that tests do not depend on the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct LoadedConfig {
  std::optional<Config> config;     // set when there were no errors
  std::vector<ConfigError> errors;  // in file order
};

// What the loader needs of each source `type:`: the keys its blocks may hold beyond the
// common ones and the check of them. The table belongs to connectors/ (a layer above
// config), which hands it in: connectors/connector_config.h is what callers use.
struct SourceTypeRules {
  std::string_view name;
  const std::vector<std::string>* own_keys = nullptr;
  void (*validate)(const SourceConfig& source, ConfigErrors& errors) = nullptr;
};
using SourceTypeTable = std::vector<SourceTypeRules>;

// Reads, validates and resolves a config file with these source types. Never throws.
LoadedConfig read_config_file(const std::string& path, const SourceTypeTable& types, const EnvLookup& env);
// Same from text: `file` is used only in error positions and to resolve paths.
LoadedConfig read_config_text(const std::string& text, const std::string& file, const SourceTypeTable& types,
                              const EnvLookup& env);

// One line for `check` and the start-up log, no secret ever (URL credentials redacted):
// "legacy  type=rest  url=http://127.0.0.1:8080  interval=5m  page_size=200  rate=10/s
//  auth=api_key(header X-Api-Key)  enabled".
std::string summarize(const SourceConfig& source);

}  // namespace crm
