// SOPS + age decryption against the real `age` CLI.

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "driftless/core/yaml.h"
#include "driftless/sops/sops.h"
#include "sops_test_util.h"
#include "test_support.h"

namespace test = driftless::test;
namespace sops = driftless::sops;
namespace core = driftless::core;
using Catch::Matchers::ContainsSubstring;

TEST_CASE("age: files from the age CLI decrypt with the identity", "[sops][age]") {
  if (!test::haveAge()) SKIP("the age CLI is not installed");
  test::TempDir tmp("age");
  const test::AgeKey key = test::ageKeygen();
  REQUIRE_THAT(key.recipient, ContainsSubstring("age1"));
  sops::AgeIdentities ids;
  ids.import(key.identity);
  CHECK(ids.size() == 1);
  std::string big(200 * 1024, 'z');  // several payload chunks
  big += "tail";
  for (const std::string& plain : {std::string("hello"), std::string(), big}) {
    const std::string file = test::ageEncrypt(key.recipient, plain, (tmp.path() / "p").string());
    REQUIRE_THAT(file, ContainsSubstring("BEGIN AGE ENCRYPTED FILE"));
    CHECK(ids.decrypt(file) == plain);
  }
  SECTION("another identity does not match") {
    sops::AgeIdentities other;
    other.import(test::ageKeygen().identity);
    const std::string file = test::ageEncrypt(key.recipient, "x", (tmp.path() / "p").string());
    CHECK_THROWS_WITH(other.decrypt(file), "no identity matched any of the recipients");
  }
  SECTION("malformed identities are refused without echoing them") {
    CHECK_THROWS_WITH(sops::AgeIdentities().import("AGE-SECRET-KEY-1NOTAKEY"),
                      ContainsSubstring("malformed age identity"));
  }
}

TEST_CASE("sops: a Secret encrypted with an age recipient", "[sops]") {
  if (!test::haveAge()) SKIP("the age CLI is not installed");
  test::TempDir tmp("sops");
  const test::AgeKey key = test::ageKeygen();
  const std::string dataKey = test::newDataKey();
  core::Value secret = core::parseYaml(
      "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: x\n"
      "  port: x\n  debug: x\n  note_unencrypted: plain\n");
  secret["stringData"]["password"] = test::sopsEncrypt("s3cr3t", dataKey, "stringData:password:");
  secret["stringData"]["port"] = test::sopsEncrypt("5432", dataKey, "stringData:port:", "int");
  secret["stringData"]["debug"] = test::sopsEncrypt("true", dataKey, "stringData:debug:", "bool");
  secret["sops"] = test::sopsMetadata(
      key.recipient, test::ageEncrypt(key.recipient, dataKey, (tmp.path() / "k").string()),
      "^(data|stringData)$");
  secret["sops"]["encrypted_regex"] = core::Value();  // the default suffix rule instead
  secret["sops"].asObject().erase("encrypted_regex");
  secret["sops"]["unencrypted_suffix"] = "_unencrypted";
  // With the suffix rule every leaf is encrypted, metadata included.
  secret["apiVersion"] = test::sopsEncrypt("v1", dataKey, "apiVersion:");
  secret["kind"] = test::sopsEncrypt("Secret", dataKey, "kind:");
  secret["metadata"]["name"] = test::sopsEncrypt("db", dataKey, "metadata:name:");
  REQUIRE(sops::isEncrypted(secret));

  sops::AgeIdentities ids;
  ids.import("# a comment\n\n" + key.identity);
  core::Value plain = secret;
  sops::decrypt(plain, ids);
  CHECK_FALSE(sops::isEncrypted(plain));
  CHECK(plain.find("sops") == nullptr);
  CHECK(plain["kind"].asString() == "Secret");
  CHECK(plain["metadata"]["name"].asString() == "db");
  CHECK(plain["stringData"]["password"].asString() == "s3cr3t");
  CHECK(plain["stringData"]["port"].asInt() == 5432);
  CHECK(plain["stringData"]["debug"].asBool());
  CHECK(plain["stringData"]["note_unencrypted"].asString() == "plain");

  SECTION("encrypted_regex leaves the rest in plain text") {
    core::Value s =
        core::parseYaml("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  token: x\n");
    s["data"]["token"] = test::sopsEncrypt("dG9rZW4=", dataKey, "data:token:");
    s["sops"] = test::sopsMetadata(
        key.recipient, test::ageEncrypt(key.recipient, dataKey, (tmp.path() / "k").string()),
        "^(data|stringData)$");
    sops::decrypt(s, ids);
    CHECK(s["data"]["token"].asString() == "dG9rZW4=");
    CHECK(s["metadata"]["name"].asString() == "db");
  }
  SECTION("a value moved to another key fails authentication") {
    core::Value s = secret;
    s["stringData"]["port"] = secret["stringData"]["password"];
    CHECK_THROWS_WITH(sops::decrypt(s, ids), ContainsSubstring("Could not decrypt"));
  }
  SECTION("without the right key") {
    sops::AgeIdentities other;
    other.import(test::ageKeygen().identity);
    core::Value s = secret;
    CHECK_THROWS_WITH(sops::decrypt(s, other),
                      "cannot get sops data key: no identity matched any of the recipients");
    core::Value t = secret;
    CHECK_THROWS_WITH(sops::decrypt(t, sops::AgeIdentities()),
                      "cannot get sops data key: no age identity was provided");
  }
}
