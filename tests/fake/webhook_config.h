// WebhookConfig: where and how the fake CRM sends its vendor's webhook on every change
// (POST /_control/webhook, README.md "Webhooks"), parsed and checked against what that
// vendor can really be configured to send: a field the vendor has no setting for is a
// 400, not silently ignored (an Odoo automation rule cannot add a header, so `header` is
// refused for odoo). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace crm::fake {

enum class WebhookDialect { hubspot, pipedrive, dynamics, zoho, rest, salesforce, odoo, suitecrm };

struct WebhookConfig {
  WebhookDialect dialect = WebhookDialect::rest;
  std::string url;       // http(s)://host[:port]/path[?query], POSTed to as written
  std::string secret;    // hubspot: the app's client secret; rest, suitecrm: the HMAC key
  std::string username;  // pipedrive: http_auth_user
  std::string password;  // pipedrive: http_auth_password
  std::string header;    // dynamics, salesforce, suitecrm: the header's name; rest: the signature header
  std::string value;     // the header's value (HttpHeader authentication)
  std::string token;     // zoho: the channel's token, sent back in every notification body
  std::string prefix;    // rest, suitecrm: written before the signature ("sha256=")
  bool base64 = false;   // rest, suitecrm: the signature in base64 instead of lower-case hex
};

std::string_view to_string(WebhookDialect d);

// The JSON body of POST /_control/webhook; a data error names the field at fault.
Result<WebhookConfig> parse_webhook_config(std::string_view body);

}  // namespace crm::fake
