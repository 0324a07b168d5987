// SecretGuard: the connector as the sync engine sees it, with the trust boundary applied
// to what leaves a connector (platform.md "Trust boundaries"): every error message is
// redacted and bounded by the source's HttpClient's Redactor before the engine logs it,
// stores it in runs.error or hands it to the API, and every next-page token is stripped
// of credentials (an api_key a CRM copied into its next links) before the engine stores
// it in `cursors`; the client adds the key again when the token is used. It also puts
// "source '<name>': " before every error message and full-pass reason, said here once
// for sync runs and `check --connect` instead of by each connector.
// Owned by the SourceContext with the client it refers to; one thread at a time, as any
// connector. Only error paths and one string scan per page: nothing per record.
#pragma once

#include <memory>
#include <string>

#include "connectors/connector.h"
#include "http/http_client.h"

namespace crm {

std::unique_ptr<Connector> guard_secrets(std::unique_ptr<Connector> inner, const HttpClient& http,
                                         const std::string& source);

}  // namespace crm
