// docs/openapi.json, as served, lists exactly the routed (method, path)
// pairs; a route added without documentation (or the reverse) fails here.
#include "fixture.hpp"

#include "rest/route_table.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace rest_test;

namespace {

/// "/api/v1/users/{id}" -> "/api/v1/users/:id".
std::string to_router_pattern(std::string path) {
  std::string out;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '{') {
      auto close = path.find('}', i);
      out += ':' + path.substr(i + 1, close - i - 1);
      i = close;
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string upper(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("the OpenAPI document and the router list the same operations") {
  fixture f;
  auto served = f.get("/api/v1/openapi.json");
  REQUIRE(served.status == 200);
  auto doc = body_of(served);
  CHECK(str(doc.at("openapi")) == "3.1.0");

  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") continue;
      documented.emplace(upper(std::string(method)), to_router_pattern(std::string(path)));
      // Every operation says what it answers, including a failure.
      const auto& responses = operation.at("responses").as_object();
      CHECK_MESSAGE(responses.size() >= 2, method << " " << path);
      CHECK_MESSAGE(operation.as_object().contains("security"), method << " " << path);
    }
  }
  std::set<std::pair<std::string, std::string>> routed;
  for (const auto& r : segs::rest::detail::route_table()) routed.insert(r);

  for (const auto& [m, p] : routed)
    CHECK_MESSAGE(documented.count({m, p}) == 1, "routed but not documented: " << m << " " << p);
  for (const auto& [m, p] : documented)
    CHECK_MESSAGE(routed.count({m, p}) == 1, "documented but not routed: " << m << " " << p);
  CHECK(routed.size() == documented.size());
}

TEST_CASE("the served document is exactly docs/openapi.json") {
  fixture f;
  const std::filesystem::path file = SEGS_OPENAPI_FILE;
  std::ifstream in(file, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << file.string());
  std::ostringstream text;
  text << in.rdbuf();
  CHECK(f.api->openapi() == text.str());
  CHECK(f.get("/api/v1/openapi.json").body == text.str());
}

TEST_CASE("the document declares both security schemes and the envelope schemas") {
  fixture f;
  auto doc = body_of(f.get("/api/v1/openapi.json"));
  const auto& comp = doc.at("components").as_object();
  CHECK(str(comp.at("securitySchemes").at("bearerAuth").at("scheme")) == "bearer");
  CHECK(str(comp.at("securitySchemes").at("apiKey").at("name")) == "X-API-Key");
  for (const char* s : {"SuccessEnvelope", "ErrorEnvelope", "User", "TokenPair", "UserPage"})
    CHECK_MESSAGE(comp.at("schemas").as_object().contains(s), s);
}
