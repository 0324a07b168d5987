// Redactor: every form of every secret goes, text is bounded, a cut never leaves a
// secret's head. Pure, table-driven.
#include "core/redact.h"

#include <doctest/doctest.h>

#include <string>

#include "core/text_codec.h"

using namespace crm;

TEST_CASE("redact: every form of a secret becomes ***") {
  const std::string secret = "p@ss w/rd+\"x\"";
  Redactor r;
  r.add(secret);
  r.add_basic("svc-user", secret);
  for (const std::string& form :
       {secret, url_encode(secret), std::string("p%40ss%20w%2frd%2b%22x%22"), std::string("p%40ss+w%2Frd%2B%22x%22"),
        base64(secret), base64url(secret), std::string("p@ss w\\/rd+\\\"x\\\""), base64("svc-user:" + secret)}) {
    CAPTURE(form);
    CHECK(r.finds_secret("before " + form + " after"));
    CHECK(r.redact("before " + form + " after") == "before *** after");
  }
  CHECK(r.redact("nothing to see") == "nothing to see");
  CHECK_FALSE(r.finds_secret("nothing to see"));
}

TEST_CASE("redact: short secrets are left alone, longer forms go whole") {
  Redactor r;
  r.add("abc");  // too short to mean anything
  r.add("token-1");
  r.add("token-12345");
  CHECK(r.redact("abc token-12345 token-1") == "abc *** ***");
}

TEST_CASE("redact: outside text is bounded, printable, and never cut inside a secret") {
  const std::string secret = "S3cr3t-value-0123456789";
  Redactor r;
  r.add(secret);
  // The secret straddles the bound: redacting after the cut would leave its head.
  std::string body = std::string(290, 'a') + secret + std::string(100, 'b');
  std::string out = r.outside_text(body, 300);
  CHECK(out.size() <= 300);
  CHECK(out.find("S3cr") == std::string::npos);
  CHECK(out.find("***") != std::string::npos);
  CHECK(out.ends_with("\xE2\x80\xA6"));
  CHECK(Redactor{}.outside_text("line\none\ttab\x7f  ") == "line one tab");
  // A cut never splits a UTF-8 character.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xC3\xBC";
  std::string cut = Redactor{}.outside_text(umlauts, 11);
  CHECK(cut == "\xC3\xBC\xC3\xBC\xC3\xBC\xC3\xBC\xE2\x80\xA6");
}
