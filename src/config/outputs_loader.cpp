#include "config/outputs_loader.h"

#include <fmt/format.h>

#include <map>

#include "config/address_checks.h"
#include "config/credential_fields.h"
#include "config/did_you_mean.h"
#include "config/nats_fields.h"
#include "config/source_loader.h"  // is_valid_name
#include "config/webhook_secret.h"
#include "core/text_codec.h"

namespace crm {
namespace {

using namespace std::chrono_literals;

constexpr size_t kMaxStreamName = 255;  // JetStream's limit on a stream name

const std::vector<std::string>& change_ops() {
  static const std::vector<std::string> ops = {"create", "update", "delete", "link", "unlink", "mark_deleted"};
  return ops;
}

ConfigPosition position_of(const YAML::Node& node, const LoadContext& ctx) {
  return ConfigPosition{ctx.errors.file(), node.Mark().line + 1, node.Mark().column + 1};
}

// https://docs.nats.io/running-a-nats-service/nats_admin/jetstream_admin/naming
std::optional<std::string> stream_name_problem(std::string_view name) {
  if (name.size() > kMaxStreamName) return fmt::format("it is longer than {} characters", kMaxStreamName);
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f) return "it may not contain spaces or control characters";
    if (std::string_view(".*>/\\").find(static_cast<char>(c)) != std::string_view::npos)
      return "it may not contain '.', '*', '>', '/' or '\\'";
  }
  return std::nullopt;
}

// Events are published to <prefix>.<op>.<source> and the stream takes "<prefix>.>": a
// wildcard, a space or an empty token in the prefix makes every one of those subjects
// one that NATS refuses.
std::optional<std::string> subject_prefix_problem(std::string_view prefix) {
  for (std::string_view token : split(prefix, '.')) {
    if (token.empty()) return "a token between '.' is empty";
    for (char c : token) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                      c == '-';
      if (!ok) return "tokens may hold only letters, digits, '_' and '-' (no wildcards '*' or '>', no spaces)";
    }
  }
  return std::nullopt;
}

void read_nats(const Field* field, OutputsConfig& outputs, LoadContext& ctx) {
  if (!is_block(field, "outputs.nats", "a mapping with servers, auth, stream, ...", ctx)) return;
  const Mapping m(field->value, "outputs.nats.", "outputs.nats", ctx);
  m.reject_unknown({"servers", "auth", "stream", "subject_prefix", "replicas", "max_age"});
  NatsOutputConfig out;
  out.position = position_of(field->value, ctx);
  read_nats_servers(m, out.servers, ctx);
  read_nats_auth(m.find("auth"), "outputs.nats", out.auth, ctx);
  if (const Field* f = m.find("stream"))
    out.stream = read_checked_string(*f, "a valid stream name", stream_name_problem, ctx).value_or(out.stream);
  if (const Field* f = m.find("subject_prefix"))
    out.subject_prefix =
        read_checked_string(*f, "a valid subject prefix", subject_prefix_problem, ctx).value_or(out.subject_prefix);
  if (const Field* f = m.find("replicas"))
    out.replicas = static_cast<int>(read_integer(*f, ctx, 1, 5).value_or(out.replicas));
  if (const Field* f = m.find("max_age")) out.max_age = read_duration(*f, ctx, 1s).value_or(out.max_age);
  outputs.nats = std::move(out);
}

// Webhook names already used → the line (1-based) where each was first defined.
using WebhookNames = std::map<std::string, int>;

void read_webhook_name(const Mapping& m, WebhookConfig& out, WebhookNames& names, LoadContext& ctx) {
  const Field* f = m.require("name");
  if (f == nullptr) return;
  auto name = read_string(*f, ctx);
  if (!name) return;
  std::string problem;
  if (!is_valid_name(*name)) {
    problem = fmt::format("is not a valid output name (use 1 to {} characters from a-z, 0-9 and '-')",
                          kMaxNameLength);
  } else if (*name == "nats") {
    problem = "is the name of the NATS output (outputs.nats): choose another";
  } else if (auto [it, inserted] = names.emplace(*name, f->value.Mark().line + 1); !inserted) {
    problem = fmt::format("is already the name of another webhook (first defined at line {})", it->second);
  }
  if (!problem.empty()) {
    ctx.errors.add(f->at(), fmt::format("{}: '{}' {}", f->path, ctx.as_written(f->value), problem));
    return;
  }
  out.name = std::move(*name);
}

void read_webhook_key(const Mapping& m, WebhookConfig& out, LoadContext& ctx) {
  const Field* f = m.require("secret_file");
  if (f == nullptr) return;
  auto file = read_named_secret_file(*f, ctx);
  if (!file) return;
  WebhookKey key = parse_webhook_secret(file->content.reveal());
  if (!key.problem.empty()) {
    ctx.errors.add(f->at(), fmt::format("{}: {}: {}", f->path, file->path.string(), key.problem));
    return;
  }
  out.key = Secret(std::move(key.key));
}

void read_webhook_filters(const Mapping& m, WebhookConfig& out, const Config& config, LoadContext& ctx) {
  if (const Field* f = m.find("sources")) {
    const auto source = [&config](const Field& item, LoadContext& c) { return read_configured_source_name(item, config, c); };
    out.sources = read_string_list(*f, ctx, source).value_or(std::vector<std::string>{});
  }
  if (const Field* f = m.find("ops")) {
    const auto op = [](const Field& item, LoadContext& c) { return read_choice(item, change_ops(), c); };
    out.ops = read_string_list(*f, ctx, op).value_or(std::vector<std::string>{});
  }
}

void read_webhook(const YAML::Node& node, size_t index, Config& config, WebhookNames& names, LoadContext& ctx) {
  const std::string label = fmt::format("outputs.webhooks[{}]", index);
  if (!node.IsMap()) {
    ctx.errors.add(node, fmt::format("{}: expected a mapping with name, url and secret_file, got {}", label,
                                     describe_shape(node)));
    return;
  }
  const Mapping m(node, label + ".", label, ctx);
  m.reject_unknown({"name", "url", "secret_file", "sources", "ops", "timeout", "max_attempts"});
  WebhookConfig out;
  out.position = position_of(node, ctx);
  read_webhook_name(m, out, names, ctx);
  if (const Field* f = m.require("url")) out.url = read_url(*f, ctx).value_or("");
  read_webhook_key(m, out, ctx);
  read_webhook_filters(m, out, config, ctx);
  if (const Field* f = m.find("timeout")) out.timeout = read_duration(*f, ctx, 1s).value_or(out.timeout);
  if (const Field* f = m.find("max_attempts"))
    out.max_attempts = static_cast<int>(read_integer(*f, ctx, 1, 1000).value_or(out.max_attempts));
  config.outputs.webhooks.push_back(std::move(out));
}

void read_webhooks(const Field* field, Config& config, LoadContext& ctx) {
  if (field == nullptr || field->value.IsNull()) return;
  if (!field->value.IsSequence()) {
    ctx.errors.add(field->at(), "outputs.webhooks: expected a list of webhook blocks (- name: ...), got " +
                                    describe_shape(field->value));
    return;
  }
  WebhookNames names;
  size_t index = 0;
  for (auto it = field->value.begin(); it != field->value.end(); ++it, ++index)
    read_webhook(*it, index, config, names, ctx);
}

}  // namespace

void read_outputs(const Field* field, Config& config, LoadContext& ctx) {
  if (!is_block(field, "outputs", "a mapping with nats and webhooks", ctx)) return;
  const Mapping m(field->value, "outputs.", "outputs", ctx);
  m.reject_unknown({"nats", "webhooks"});
  read_nats(m.find("nats"), config.outputs, ctx);
  read_webhooks(m.find("webhooks"), config, ctx);
}

}  // namespace crm
