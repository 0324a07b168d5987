#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>

#include <algorithm>

#include "link/country_region.h"
#include "link/normalize.h"

using namespace crm;

TEST_CASE("email: trimmed and lower-cased, nothing cleverer by default") {
  CHECK(normalize_email("  Zoe.Smith@Example.COM\t") == "zoe.smith@example.com");
  CHECK(normalize_email("ZOË@Example.com") == "zoë@example.com");
  CHECK(normalize_email("a+news@gmail.com") == "a+news@gmail.com");
  CHECK(normalize_email("first.last@gmail.com") == "first.last@gmail.com");  // dots kept
  CHECK_FALSE(normalize_email("not an email").has_value());
  CHECK_FALSE(normalize_email("@example.com").has_value());
  CHECK_FALSE(normalize_email("zoe@").has_value());
  CHECK_FALSE(normalize_email("zoe smith@example.com").has_value());
  CHECK_FALSE(normalize_email("").has_value());
  CHECK_FALSE(normalize_email("bad\xff@example.com").has_value());  // not UTF-8
}

TEST_CASE("email: +tags stripped only for the listed domains") {
  std::vector<std::string> domains = {"gmail.com", "fastmail.com"};
  EmailOptions o{&domains};
  CHECK(normalize_email("Zoe+News@GMAIL.com", o) == "zoe@gmail.com");
  CHECK(normalize_email("zoe+a+b@fastmail.com", o) == "zoe@fastmail.com");
  CHECK(normalize_email("zoe+news@example.com", o) == "zoe+news@example.com");
  CHECK(normalize_email("+news@gmail.com", o) == "+news@gmail.com");  // nothing before the tag
}

TEST_CASE("phone: national and international forms meet in E.164") {
  auto a = normalize_phone("+49 30 1234567", "");
  auto b = normalize_phone("030 1234567", "DE");
  auto c = normalize_phone("0049-30-1234567", "DE");
  auto d = normalize_phone("+49 (0)30 12 34 567", "US");
  REQUIRE(a);
  REQUIRE(b);
  REQUIRE(c);
  REQUIRE(d);
  CHECK(a->e164 == "+49301234567");
  CHECK(b->e164 == a->e164);
  CHECK(c->e164 == a->e164);
  CHECK(d->e164 == a->e164);
  CHECK(a->country_code == 49);
  auto us = normalize_phone("(212) 555-2368", "US");
  REQUIRE(us);
  CHECK(us->e164 == "+12125552368");
  CHECK(us->country_code == 1);
  CHECK(normalize_phone("+44 20 7946 0958", "")->e164 == "+442079460958");
}

TEST_CASE("phone: national numbers without a region, and invalid numbers, do not match") {
  CHECK_FALSE(normalize_phone("030 1234567", "").has_value());  // which country?
  CHECK_FALSE(normalize_phone("12", "DE").has_value());
  CHECK_FALSE(normalize_phone("n/a", "DE").has_value());
  CHECK_FALSE(normalize_phone("+49 000", "").has_value());
  CHECK_FALSE(normalize_phone("", "DE").has_value());
  CHECK_FALSE(normalize_phone("+999 1234567", "").has_value());  // no such country code
}

TEST_CASE("phone: the quick path agrees with libphonenumber's full parser") {
  // Every form the quick path takes, and many it must hand over, in several regions.
  const char* forms[] = {"+49 30 {}", "030 {}", "030/{}", "0049-30-{}", "+49 (0)30 {}", "(030) {}",
                         "+1 212 {}", "(212) {}", "1-212-{}", "+44 20 {}", "020 {}", "+39 06 {}",
                         "06 {}", "+33 1 {}", "01 {}", "+61 2 {}", "02 {}", "0011 49 30 {}",
                         "+49 30 {} ext. 12", "+49 30 {}#", "tel:+49-30-{}", "+49 1512 {}", "0151 {}",
                         "+52 1 55 {}", "+54 9 11 {}", "+7 495 {}", "8 495 {}", "+86 10 {}", "+81 3 {}",
                         "+31 20 {}", "020-{}", "+32 2 {}", "02 {}", "+34 91 {}", "91 {}", "+41 44 {}",
                         "044 {}", "+43 1 {}", "01 {}", "+45 {}", "+46 8 {}", "08-{}", "+47 {}",
                         "+48 22 {}", "22 {}", "+353 1 {}", "(01) {}", "+55 11 9{}", "+61 4{}"};
  const char* regions[] = {"DE", "US", "GB", "IT", "FR", "AU", "MX", "AR", "RU", "CN", "JP", "NL",
                           "BE", "ES", "CH", "AT", "DK", "SE", "NO", "PL", "IE", "BR", "CA", ""};
  uint64_t x = 88172645463325252ull;
  int compared = 0, valid = 0;
  for (const char* form : forms)
    for (const char* region : regions)
      for (int i = 0; i < 12; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::string digits = std::to_string(1000000 + x % 9000000);
        if (i % 3 == 1) digits = digits.substr(0, 3) + " " + digits.substr(3);
        if (i % 3 == 2) digits += std::to_string(x % 10);
        std::string text = form;
        text.replace(text.find("{}"), 2, digits);
        auto fast = normalize_phone(text, region);
        auto slow = normalize_phone_slow(text, region);
        CAPTURE(text);
        CAPTURE(region);
        REQUIRE(fast.has_value() == slow.has_value());
        if (fast) {
          CHECK(fast->e164 == slow->e164);
          CHECK(fast->country_code == slow->country_code);
          ++valid;
        }
        ++compared;
      }
  CHECK(compared > 3000);
  CHECK(valid > 500);
}

TEST_CASE("name: NFKC, case-folded, accents stripped, punctuation gone") {
  CHECK(normalize_name("  ZOË   Smith ") == "zoe smith");
  CHECK(normalize_name("Zoë Łukasz") == "zoe lukasz");
  CHECK(normalize_name("Søren Ærø") == "soren aero");
  CHECK(normalize_name("Straße") == "strasse");
  CHECK(normalize_name("Smith-Jones, Anna") == "smith jones anna");
  CHECK(normalize_name("O'Brien") == "obrien");
  CHECK(normalize_name("ＡＢＣ") == "abc");  // full-width letters (NFKC)
  CHECK(normalize_name("株式会社サンプル") == "株式会社サンプル");
  CHECK(normalize_name("Société Générale d'Électricité") == "societe generale delectricite");
  CHECK(normalize_name("  ...  ") == "");
  CHECK(normalize_name("") == "");
}

TEST_CASE("national id: separators removed") {
  CHECK(normalize_national_id("de 123.456-789") == "DE123456789");
  CHECK(normalize_national_id("123 45 6789") == "123456789");
  CHECK(normalize_national_id("--") == "");
}

TEST_CASE("country: ISO codes, English and local names, folded, to a phone region") {
  struct Case {
    const char* country;
    const char* region;
  };
  for (const Case& c : {Case{"DE", "DE"}, Case{"de", "DE"}, Case{"DEU", "DE"}, Case{"Germany", "DE"},
                        Case{"Deutschland", "DE"}, Case{" GERMANY ", "DE"}, Case{"United Kingdom", "GB"},
                        Case{"UK", "GB"}, Case{"GBR", "GB"}, Case{"England", "GB"}, Case{"USA", "US"},
                        Case{"United States", "US"}, Case{"United States of America", "US"}, Case{"España", "ES"},
                        Case{"Espana", "ES"}, Case{"Spain", "ES"}, Case{"Österreich", "AT"}, Case{"Norway", "NO"},
                        Case{"Norge", "NO"}, Case{"Åland Islands", "AX"}, Case{"Atlantis", ""}, Case{"", ""},
                        Case{"X", ""}}) {
    CAPTURE(c.country);
    CHECK(region_of_country(c.country) == std::string_view(c.region));
  }
}

TEST_CASE("phone: national digits are the written national forms only") {
  CHECK(national_digits("020 7028 9701") == "02070289701");
  CHECK(national_digits("1-617-477-7138") == "16174777138");
  CHECK(national_digits("(617) 477-7138") == "6174777138");
  CHECK(national_digits("911 23 4567") == "911234567");
  CHECK_FALSE(national_digits("+44 20 7028 9701"));
  CHECK_FALSE(national_digits("0044 20 7028 9701"));
  CHECK_FALSE(national_digits("123456"));  // too short to be a whole number
  CHECK_FALSE(national_digits("020 7028 9701 ext. 5"));
}

namespace {

struct SetProbe final : PhoneProbe {
  std::vector<std::string> numbers;
  mutable int asked = 0;
  bool known(std::string_view e164) const override {
    ++asked;
    return std::find(numbers.begin(), numbers.end(), e164) != numbers.end();
  }
};

}  // namespace

TEST_CASE("phone: a national number without a region reads only as the one valid number the index holds") {
  SetProbe index;
  // Nothing in the index: no reading, and no libphonenumber call is needed to say so.
  CHECK_FALSE(resolve_national("02070289701", index));
  index.numbers = {"+442070289701", "+16174777138", "+34911234567", "+351911234567", "+493012345678"};
  struct Case {
    const char* written;
    const char* e164;  // "" = no reading
  };
  for (const Case& c : {Case{"020 7028 9701", "+442070289701"}, Case{"1-617-477-7138", "+16174777138"},
                        Case{"(617) 477-7138", "+16174777138"}, Case{"030 12345678", "+493012345678"},
                        // Valid in Spain (Madrid) and in Portugal (a mobile), both in the index.
                        Case{"911 23 4567", ""},
                        // Valid somewhere, but not a number the index holds.
                        Case{"020 7946 0000", ""}}) {
    CAPTURE(std::string(c.written));
    auto digits = national_digits(c.written);
    REQUIRE(digits);
    auto got = resolve_national(*digits, index);
    CHECK(std::string(got ? got->e164 : "") == c.e164);
  }
  // With the country given, the Spanish number reads (normalize_phone with its region).
  CHECK(normalize_phone("911 23 4567", "ES")->e164 == "+34911234567");
}
