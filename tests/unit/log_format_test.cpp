// Log lines as text, under the journal and as JSON (core/log_format.h).
#include <doctest/doctest.h>

#include "core/log_format.h"

using namespace crm;

namespace {
const TimePoint kAt = from_ms(1'800'000'000'123);  // 2027-01-15T08:00:00.123Z
}

TEST_CASE("logfmt: pairs, quoted values with quotes and spaces inside, loose words into msg") {
  using P = std::vector<std::pair<std::string, std::string>>;
  CHECK(parse_logfmt(R"(source=hubspot run=3 msg="full run ok" fetched=9)") ==
        P{{"source", "hubspot"}, {"run", "3"}, {"msg", "full run ok"}, {"fetched", "9"}});
  // A message that quotes someone else's text: the value ends at the quote before " key=".
  CHECK(parse_logfmt(R"(msg="config reload refused: /etc/x.yaml:3:1: 'intervl' is "odd"" source=a)") ==
        P{{"msg", R"(config reload refused: /etc/x.yaml:3:1: 'intervl' is "odd")"}, {"source", "a"}});
  CHECK(parse_logfmt(R"(msg="say \"hi\"")") == P{{"msg", R"(say "hi")"}});
  CHECK(parse_logfmt("stopped cleanly now") == P{{"msg", "stopped cleanly now"}});
  CHECK(parse_logfmt(R"(msg="unterminated)") == P{{"msg", "unterminated"}});
  CHECK(parse_logfmt("").empty());
}

TEST_CASE("log lines: text, journal and JSON") {
  const std::string m = R"(source=eu run=2 msg="incremental run ok" fetched=10)";
  CHECK(format_log_line(LogLevel::info, m, {LogFormat::text, false}, kAt) ==
        "2027-01-15T08:00:00.123Z level=info " + m + "\n");
  CHECK(format_log_line(LogLevel::info, m, {LogFormat::text, true}, kAt) == "<6>level=info " + m + "\n");
  CHECK(format_log_line(LogLevel::error, "msg=x", {LogFormat::text, true}, kAt) == "<3>level=error msg=x\n");
  CHECK(format_log_line(LogLevel::warn, "msg=x", {LogFormat::text, true}, kAt).starts_with("<4>"));
  CHECK(format_log_line(LogLevel::debug, "msg=x", {LogFormat::text, true}, kAt).starts_with("<7>"));
  CHECK(format_log_line(LogLevel::info, m, {LogFormat::json, true}, kAt) ==
        R"({"ts":"2027-01-15T08:00:00.123Z","level":"info","msg":"incremental run ok","source":"eu","run":"2",)"
        R"("fetched":"10"})"
        "\n");
}
