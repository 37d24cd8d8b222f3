// Billing through the handler: generating a month's invoices (the exact
// answer), reading them as their customer (404 for another), paying with an
// Idempotency-Key (201, then 200 with the same body; another request under
// the key 409), overpaying (400 naming amount), disputes and their upheld
// resolution with a credit note, the current cycle and its estimate, the
// PDF, the CSV export, overdue listings, analytics, settings, voiding, and
// the `billing` option turning every route off.
//
// The fixture's clock starts at 2025-06-15T15:06:40Z; the test regions are
// in UTC and pay EUR (2 decimals). North's tariff, from 2025-06-01: a flat
// 0.20 per kWh, 0.50 a day, tax 10 %. Ada's meter measured 1.5 + 2.0 + 1.4 =
// 4.9 kWh in June, Bob's 1 kWh; the clock then moves to
// 2025-07-01T00:30:00Z, after June's cycle. Ada's June invoice: energy 4.9
// kWh x 0.20 = 0.98, fixed 30 days x 0.50 = 15.00, tax 10 % of 15.98 = 1.60
// (1.598, half to even), total 17.58. Bob's: 0.20 + 15.00 + 1.52 = 16.72.
#include "fixture.hpp"

#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace rest_test;
namespace json = boost::json;

namespace {

const std::string kMissing = "0190a5a0-0000-7000-8000-000000000000";
const std::string kAfterJune = "2025-07-01T00:30:00Z";
const std::string kCsvHeader =
    "number,user_id,email,region,period,issued_at,due_at,status,subtotal,tax,total,amount_paid,amount_due";

std::set<std::string> keys_of(const json::value& v) {
  std::set<std::string> out;
  for (const auto& kv : v.as_object()) out.insert(std::string(kv.key()));
  return out;
}

json::value data_of(const segs::rest::response& r) { return body_of(r).at("data"); }

double num(const json::value& v) { return v.to_number<double>(); }

const std::set<std::string> kInvoiceKeys{
    "id",       "number", "user_id",     "region",     "currency",     "period",       "cycle_start",
    "cycle_end", "issued_at", "due_at",  "status",     "lines",        "subtotal",     "tax",
    "total",    "amount_paid", "amount_due", "consumed_kwh", "produced_kwh", "credit_notes"};
const std::set<std::string> kLineKeys{"kind", "description", "period", "quantity", "unit", "unit_price", "amount"};
const std::set<std::string> kPageKeys{"total", "page", "per_page", "total_pages"};
const std::set<std::string> kPreviewKeys{"period",       "cycle_start", "cycle_end", "days_elapsed",
                                         "days_total",   "consumed_kwh", "produced_kwh", "lines",
                                         "subtotal",     "tax",          "total",        "projected"};

std::set<std::string> with(std::set<std::string> s, std::initializer_list<const char*> more) {
  for (const char* m : more) s.insert(m);
  return s;
}

void check_400(const segs::rest::response& res, const std::string& field) {
  INFO(field << ": " << res.body);
  CHECK(res.status == 400);
  if (res.status < 400) return;
  CHECK(code_of(res) == "VALIDATION_ERROR");
  CHECK(field_of(res) == field);
}

void check_status(const segs::rest::response& res, int status, const std::string& code) {
  INFO(res.body);
  CHECK(res.status == status);
  if (res.status < 400) return;
  CHECK(code_of(res) == code);
}

/// An admin, an operator of north and of south, consumers Ada and Bob of
/// north with a meter each, north's tariff, June's readings; the clock
/// after June's end and everyone signed in then.
struct billing_fixture : fixture {
  segs::user ada_user, bob_user;
  auth admin, op, op_south, ada, bob;

  explicit billing_fixture(segs::rest::options ro = unlimited()) : fixture(std::move(ro)) {
    make_user("root@example.org", "admin", "global");
    make_user("op@example.org", "operator", "north");
    make_user("ops@example.org", "operator", "south");
    ada_user = make_user("ada@example.org", "consumer", "north");
    bob_user = make_user("bob@example.org", "consumer", "north");

    const auto root = auth{login("root@example.org"), {}};
    auto t = post("/api/v1/tariffs",
                  json::object{{"region", "north"},
                               {"name", "North flat"},
                               {"effective_from", "2025-06-01T00:00:00Z"},
                               {"periods", json::array{json::object{{"name", "flat"}, {"price_per_kwh", 0.2}}}},
                               {"default_period", "flat"},
                               {"fixed_charge_per_day", 0.5},
                               {"tax_percent", 10}},
                  root);
    REQUIRE_MESSAGE(t.status == 201, t.body);

    meter("SM_ADA_01", ada_user.id);
    meter("SM_BOB_01", bob_user.id);
    ingest({{"SM_ADA_01", "2025-06-10T10:15:00Z", 1500},
            {"SM_ADA_01", "2025-06-10T10:30:00Z", 2000},
            {"SM_ADA_01", "2025-06-12T18:00:00Z", 1400},
            {"SM_BOB_01", "2025-06-11T08:00:00Z", 1000}});

    at(kAfterJune);
  }

  /// Moves the clock; the tokens of before have expired, so everyone signs in again.
  void at(const std::string& when) {
    clock->set(*segs::parse_rfc3339(when));
    admin = auth{login("root@example.org"), {}};
    op = auth{login("op@example.org"), {}};
    op_south = auth{login("ops@example.org"), {}};
    ada = auth{login("ada@example.org"), {}};
    bob = auth{login("bob@example.org"), {}};
  }

  void meter(const std::string& serial, const segs::uuid& owner) {
    segs::meter_spec ms;
    ms.meter_id = serial;
    ms.region = "north";
    ms.capacity_kw = segs::milli{10'000};
    ms.user_id = owner;
    auto m = grid->telemetry().create_meter(segs::principal::system(), ms);
    REQUIRE_MESSAGE(m.has_value(), (m ? "" : m.error().message));
  }

  struct one_reading {
    const char* meter;
    const char* time;
    std::int64_t consumed_wh;
  };
  void ingest(const std::vector<one_reading>& rows) {
    std::vector<segs::meter_reading> readings(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      readings[i].meter = rows[i].meter;
      readings[i].values.time = *segs::parse_rfc3339(rows[i].time);
      readings[i].values.consumed = segs::energy{rows[i].consumed_wh};
    }
    auto r = grid->telemetry().ingest(segs::principal::system(), readings);
    REQUIRE_MESSAGE(r.has_value(), (r ? "" : r.error().message));
    REQUIRE(r->accepted == rows.size());
  }

  /// June's invoices of north, generated by the operator.
  void generate_june() {
    auto res = post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}, {"region", "north"}}, op);
    REQUIRE_MESSAGE(res.status == 200, res.body);
  }

  /// The caller's one invoice.
  json::value only_invoice(const auth& who) {
    auto res = get("/api/v1/billing/invoices", who);
    REQUIRE_MESSAGE(res.status == 200, res.body);
    const auto page = data_of(res);
    const auto& items = page.at("invoices").as_array();
    REQUIRE(items.size() == 1);
    return items[0];
  }

  segs::rest::response pay(const std::string& id, const json::object& body, const auth& who,
                           const std::string& key = {}) {
    std::vector<segs::rest::header> extra;
    if (!key.empty()) extra.push_back({"Idempotency-Key", key});
    return send("POST", "/api/v1/billing/invoices/" + id + "/pay", json::serialize(body), who, std::move(extra));
  }
};

std::vector<std::string> csv_lines(const std::string& body) {
  std::vector<std::string> out;
  std::string line;
  std::istringstream in(body);
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

// --- generation and reading ------------------------------------------------------------------

TEST_CASE("billing REST: generate-invoices answers the run, once per customer and period") {
  billing_fixture f;
  auto res = f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}, {"region", "north"}},
                    f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto g = data_of(res);
  CHECK(keys_of(g) == std::set<std::string>{"period", "regions", "generated", "skipped_existing", "total_amount"});
  CHECK(str(g.at("period")) == "2025-06");
  CHECK(g.at("regions") == json::value(json::array{"north"}));
  CHECK(g.at("generated").as_int64() == 2);
  CHECK(g.at("skipped_existing").as_int64() == 0);
  CHECK(num(g.at("total_amount")) == 34.3);  // 17.58 + 16.72

  // Again: nothing new. The admin without a region: every region whose cycle ended.
  auto again = f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}}, f.admin);
  REQUIRE_MESSAGE(again.status == 200, again.body);
  CHECK(data_of(again).at("generated").as_int64() == 0);
  CHECK(data_of(again).at("skipped_existing").as_int64() == 2);
  CHECK(num(data_of(again).at("total_amount")) == 0);

  // A cycle that has not ended, a period that is not one, a region of another operator, a customer.
  check_status(f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-07"}, {"region", "north"}},
                      f.op),
               409, "CONFLICT");
  check_400(f.post("/api/v1/billing/generate-invoices", json::object{{"period", "June"}, {"region", "north"}}, f.op),
            "period");
  check_400(f.post("/api/v1/billing/generate-invoices", json::object{{"region", "north"}}, f.op), "period");
  check_400(f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}, {"colour", "red"}}, f.op),
            "colour");
  check_status(f.post("/api/v1/billing/generate-invoices",
                      json::object{{"period", "2025-06"}, {"region", "north"}}, f.op_south),
               403, "FORBIDDEN");
  check_status(f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}}, f.ada), 403,
               "FORBIDDEN");
}

TEST_CASE("billing REST: a customer lists and reads their invoices with the exact wire fields") {
  billing_fixture f;
  f.generate_june();

  auto list = f.get("/api/v1/billing/invoices", f.ada);
  REQUIRE_MESSAGE(list.status == 200, list.body);
  auto page = data_of(list);
  CHECK(keys_of(page) == with(kPageKeys, {"invoices"}));
  CHECK(page.at("total").as_int64() == 1);
  CHECK(page.at("page").as_int64() == 1);
  CHECK(page.at("per_page").as_int64() == 20);
  CHECK(page.at("total_pages").as_int64() == 1);
  REQUIRE(page.at("invoices").as_array().size() == 1);
  const auto listed = page.at("invoices").at(0);
  const auto id = str(listed.at("id"));

  auto res = f.get("/api/v1/billing/invoices/" + id, f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto inv = data_of(res);
  CHECK(inv == listed);
  CHECK(keys_of(inv) == kInvoiceKeys);
  CHECK(str(inv.at("number")) == "INV-NORTH-2025-000001");
  CHECK(str(inv.at("user_id")) == f.ada_user.id.to_string());
  CHECK(str(inv.at("region")) == "north");
  CHECK(str(inv.at("currency")) == "EUR");
  CHECK(str(inv.at("period")) == "2025-06");
  CHECK(str(inv.at("cycle_start")) == "2025-06-01T00:00:00Z");
  CHECK(str(inv.at("cycle_end")) == "2025-07-01T00:00:00Z");
  CHECK(str(inv.at("issued_at")) == kAfterJune);
  CHECK(str(inv.at("due_at")) == "2025-07-15T00:30:00Z");  // 14 days, the default
  CHECK(str(inv.at("status")) == "issued");
  CHECK(num(inv.at("subtotal")) == 15.98);
  CHECK(num(inv.at("tax")) == 1.6);
  CHECK(num(inv.at("total")) == 17.58);
  CHECK(num(inv.at("amount_paid")) == 0);
  CHECK(num(inv.at("amount_due")) == 17.58);
  CHECK(num(inv.at("consumed_kwh")) == 4.9);
  CHECK(num(inv.at("produced_kwh")) == 0);
  CHECK(inv.at("credit_notes").as_array().empty());

  const auto& lines = inv.at("lines").as_array();
  REQUIRE(lines.size() == 3);
  for (const auto& l : lines) CHECK(keys_of(l) == kLineKeys);
  CHECK(str(lines[0].at("kind")) == "energy");
  CHECK(str(lines[0].at("description")) == "Energy, flat");
  CHECK(str(lines[0].at("period")) == "flat");
  CHECK(num(lines[0].at("quantity")) == 4.9);
  CHECK(str(lines[0].at("unit")) == "kWh");
  CHECK(num(lines[0].at("unit_price")) == 0.2);
  CHECK(num(lines[0].at("amount")) == 0.98);
  CHECK(str(lines[1].at("kind")) == "fixed_charge");
  CHECK(lines[1].at("period").is_null());
  CHECK(lines[1].at("quantity") == json::value(30));  // whole: an integer
  CHECK(str(lines[1].at("unit")) == "day");
  CHECK(num(lines[1].at("unit_price")) == 0.5);
  CHECK(num(lines[1].at("amount")) == 15);
  CHECK(str(lines[2].at("kind")) == "tax");
  CHECK(lines[2].at("period").is_null());
  CHECK(num(lines[2].at("quantity")) == 15.98);
  CHECK(str(lines[2].at("unit")) == "EUR");
  CHECK(num(lines[2].at("unit_price")) == 0.1);
  CHECK(num(lines[2].at("amount")) == 1.6);
  // Money and kWh are JSON numbers, as everywhere in this API.
  CHECK(res.body.find(R"("quantity":4.9,)") != std::string::npos);
  CHECK(res.body.find(R"("total":17.58,)") != std::string::npos);

  // Filters and paging.
  CHECK(data_of(f.get("/api/v1/billing/invoices?status=issued&period=2025-06", f.ada)).at("total").as_int64() == 1);
  CHECK(data_of(f.get("/api/v1/billing/invoices?status=paid", f.ada)).at("total").as_int64() == 0);
  CHECK(data_of(f.get("/api/v1/billing/invoices?period=2025-05", f.ada)).at("total").as_int64() == 0);
  check_400(f.get("/api/v1/billing/invoices?status=lost", f.ada), "status");
  check_400(f.get("/api/v1/billing/invoices?period=06-2025", f.ada), "period");
  check_400(f.get("/api/v1/billing/invoices?per_page=101", f.ada), "per_page");
  check_400(f.get("/api/v1/billing/invoices?page=x", f.ada), "page");

  // Another customer: 404 (ids do not leak); the region's operator and admins read it; another region's: 404.
  check_status(f.get("/api/v1/billing/invoices/" + id, f.bob), 404, "NOT_FOUND");
  CHECK(field_of(f.get("/api/v1/billing/invoices/" + id, f.bob)) == "invoiceId");
  CHECK(data_of(f.get("/api/v1/billing/invoices/" + id, f.op)) == inv);
  CHECK(data_of(f.get("/api/v1/billing/invoices/" + id, f.admin)) == inv);
  check_status(f.get("/api/v1/billing/invoices/" + id, f.op_south), 404, "NOT_FOUND");
  check_status(f.get("/api/v1/billing/invoices/" + kMissing, f.ada), 404, "NOT_FOUND");
  check_400(f.get("/api/v1/billing/invoices/not-a-uuid", f.ada), "invoiceId");
  CHECK(f.get("/api/v1/billing/invoices/" + id).status == 401);
  // Bob sees his own only.
  CHECK(str(f.only_invoice(f.bob).at("number")) == "INV-NORTH-2025-000002");
}

TEST_CASE("billing REST: the invoice as a PDF") {
  billing_fixture f;
  f.generate_june();
  const auto id = str(f.only_invoice(f.ada).at("id"));
  auto res = f.get("/api/v1/billing/invoices/" + id + "/pdf", f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body.substr(0, 300));
  CHECK(res.header_value("Content-Type") == "application/pdf");
  CHECK(res.body.starts_with("%PDF-"));
  check_status(f.get("/api/v1/billing/invoices/" + id + "/pdf", f.bob), 404, "NOT_FOUND");
  CHECK(f.get("/api/v1/billing/invoices/" + id + "/pdf", f.op).status == 200);
}

// --- payments ----------------------------------------------------------------------------------

TEST_CASE("billing REST: paying with an Idempotency-Key answers 201, then 200 with the same body") {
  billing_fixture f;
  f.generate_june();
  const auto id = str(f.only_invoice(f.ada).at("id"));

  const json::object body{{"amount", 5}, {"method", "card"}, {"reference", "r-1"}};
  auto first = f.pay(id, body, f.ada, "key-1");
  REQUIRE_MESSAGE(first.status == 201, first.body);
  CHECK(str(body_of(first).at("message")) == "payment recorded");
  auto d = data_of(first);
  CHECK(keys_of(d) == std::set<std::string>{"payment", "invoice"});
  const auto& p = d.at("payment");
  CHECK(keys_of(p) == std::set<std::string>{"id", "invoice_id", "amount", "method", "reference", "paid_at"});
  CHECK(str(p.at("invoice_id")) == id);
  CHECK(num(p.at("amount")) == 5);
  CHECK(str(p.at("method")) == "card");
  CHECK(str(p.at("reference")) == "r-1");
  CHECK(str(p.at("paid_at")) == kAfterJune);
  CHECK(keys_of(d.at("invoice")) == kInvoiceKeys);
  CHECK(str(d.at("invoice").at("status")) == "partially_paid");
  CHECK(num(d.at("invoice").at("amount_paid")) == 5);
  CHECK(num(d.at("invoice").at("amount_due")) == 12.58);

  // The same request again: the first answer, nothing recorded.
  auto replay = f.pay(id, body, f.ada, "key-1");
  REQUIRE_MESSAGE(replay.status == 200, replay.body);
  CHECK(data_of(replay) == d);
  CHECK(num(data_of(f.get("/api/v1/billing/invoices/" + id, f.ada)).at("amount_paid")) == 5);
  // Another request under the same key: 409 naming the header.
  auto other = f.pay(id, json::object{{"amount", 6}, {"method", "card"}, {"reference", "r-1"}}, f.ada, "key-1");
  check_status(other, 409, "CONFLICT");
  CHECK(field_of(other) == "Idempotency-Key");

  // More than is due; not a number; an unknown method; a missing one; unknown members.
  check_400(f.pay(id, json::object{{"amount", 100}, {"method", "card"}}, f.ada), "amount");
  check_400(f.pay(id, json::object{{"amount", 0}, {"method", "card"}}, f.ada), "amount");
  check_400(f.pay(id, json::object{{"amount", "5"}, {"method", "card"}}, f.ada), "amount");
  check_400(f.pay(id, json::object{{"method", "cheque"}}, f.ada), "method");
  check_400(f.pay(id, json::object{{"amount", 1}}, f.ada), "method");
  check_400(f.pay(id, json::object{{"method", "card"}, {"tip", 1}}, f.ada), "tip");
  check_400(f.pay(id, json::object{{"method", "card"}}, f.ada, std::string(201, 'k')), "Idempotency-Key");
  // Another customer's invoice: 404.
  check_status(f.pay(id, json::object{{"method", "card"}}, f.bob), 404, "NOT_FOUND");

  // Without an amount: what is due. The history lists both payments, newest first.
  auto rest = f.pay(id, json::object{{"method", "bank_transfer"}}, f.ada);
  REQUIRE_MESSAGE(rest.status == 201, rest.body);
  CHECK(num(data_of(rest).at("payment").at("amount")) == 12.58);
  CHECK(data_of(rest).at("payment").at("reference").is_null());
  CHECK(str(data_of(rest).at("invoice").at("status")) == "paid");
  CHECK(num(data_of(rest).at("invoice").at("amount_due")) == 0);
  check_status(f.pay(id, json::object{{"method", "card"}}, f.ada), 409, "CONFLICT");  // paid

  auto history = f.get("/api/v1/billing/payment-history", f.ada);
  REQUIRE_MESSAGE(history.status == 200, history.body);
  auto h = data_of(history);
  CHECK(keys_of(h) == with(kPageKeys, {"payments"}));
  CHECK(h.at("total").as_int64() == 2);
  REQUIRE(h.at("payments").as_array().size() == 2);
  CHECK(h.at("payments").at(1) == d.at("payment"));
  CHECK(h.at("payments").at(0) == data_of(rest).at("payment"));
  CHECK(data_of(f.get("/api/v1/billing/payment-history", f.bob)).at("total").as_int64() == 0);
  check_400(f.get("/api/v1/billing/payment-history?per_page=0", f.ada), "per_page");
}

// --- disputes ------------------------------------------------------------------------------------

TEST_CASE("billing REST: a dispute, upheld with a credit note, lowers what is due") {
  billing_fixture f;
  f.generate_june();
  const auto id = str(f.only_invoice(f.ada).at("id"));
  REQUIRE(f.pay(id, json::object{{"amount", 5}, {"method", "card"}}, f.ada).status == 201);

  // Only the customer disputes; the reason is required.
  check_400(f.post("/api/v1/billing/invoices/" + id + "/dispute", json::object{}, f.ada), "reason");
  check_status(f.post("/api/v1/billing/invoices/" + id + "/dispute", json::object{{"reason", "x"}}, f.bob), 404,
               "NOT_FOUND");
  check_status(f.post("/api/v1/billing/invoices/" + id + "/dispute", json::object{{"reason", "x"}}, f.op), 403,
               "FORBIDDEN");
  auto opened = f.post("/api/v1/billing/invoices/" + id + "/dispute",
                       json::object{{"reason", "I was away on the 12th"}}, f.ada);
  REQUIRE_MESSAGE(opened.status == 200, opened.body);
  CHECK(keys_of(data_of(opened)) == kInvoiceKeys);
  CHECK(str(data_of(opened).at("status")) == "disputed");
  check_status(f.post("/api/v1/billing/invoices/" + id + "/dispute", json::object{{"reason", "again"}}, f.ada), 409,
               "CONFLICT");

  // Resolving is the operator's; the body's values are checked.
  const std::string resolve = "/api/v1/billing/invoices/" + id + "/dispute/resolve";
  check_status(f.post(resolve, json::object{{"outcome", "upheld"}, {"note", "x"}}, f.ada), 403, "FORBIDDEN");
  check_400(f.post(resolve, json::object{{"outcome", "maybe"}, {"note", "x"}}, f.op), "outcome");
  check_400(f.post(resolve, json::object{{"outcome", "upheld"}}, f.op), "note");
  check_400(f.post(resolve, json::object{{"outcome", "rejected"}, {"credit_amount", 1}, {"note", "x"}}, f.op),
            "credit_amount");
  check_400(f.post(resolve, json::object{{"outcome", "upheld"}, {"credit_amount", 50}, {"note", "x"}}, f.op),
            "credit_amount");

  auto res = f.post(resolve,
                    json::object{{"outcome", "upheld"}, {"credit_amount", 2.58}, {"note", "estimated reading"}}, f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto inv = data_of(res);
  CHECK(keys_of(inv) == kInvoiceKeys);
  CHECK(str(inv.at("status")) == "partially_paid");
  CHECK(num(inv.at("total")) == 17.58);
  CHECK(num(inv.at("amount_paid")) == 5);
  CHECK(num(inv.at("amount_due")) == 10);  // 17.58 - 5 - 2.58
  REQUIRE(inv.at("credit_notes").as_array().size() == 1);
  const auto& note = inv.at("credit_notes").at(0);
  CHECK(keys_of(note) == std::set<std::string>{"id", "amount", "reason", "created_at"});
  CHECK(num(note.at("amount")) == 2.58);
  CHECK(str(note.at("reason")) == "estimated reading");
  CHECK(str(note.at("created_at")) == kAfterJune);
  CHECK(data_of(f.get("/api/v1/billing/invoices/" + id, f.ada)) == inv);
  check_status(f.post(resolve, json::object{{"outcome", "rejected"}, {"note", "x"}}, f.op), 409, "CONFLICT");
}

// --- the current cycle -----------------------------------------------------------------------------

TEST_CASE("billing REST: current-cycle and estimated preview the running cycle") {
  billing_fixture f;
  // 0.5 kWh in July's first quarter-hour.
  f.ingest({{"SM_ADA_01", "2025-07-01T00:15:00Z", 500}});

  auto res = f.get("/api/v1/billing/current-cycle", f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto c = data_of(res);
  CHECK(keys_of(c) == kPreviewKeys);
  CHECK(str(c.at("period")) == "2025-07");
  CHECK(str(c.at("cycle_start")) == "2025-07-01T00:00:00Z");
  CHECK(str(c.at("cycle_end")) == "2025-08-01T00:00:00Z");
  CHECK(c.at("days_elapsed").as_int64() == 1);
  CHECK(c.at("days_total").as_int64() == 31);
  CHECK(num(c.at("consumed_kwh")) == 0.5);
  CHECK(num(c.at("produced_kwh")) == 0);
  CHECK(c.at("projected") == json::value(false));
  REQUIRE(c.at("lines").as_array().size() == 3);
  for (const auto& l : c.at("lines").as_array()) CHECK(keys_of(l) == kLineKeys);
  CHECK(num(c.at("lines").at(0).at("amount")) == 0.1);   // 0.5 kWh x 0.20
  CHECK(num(c.at("lines").at(1).at("amount")) == 0.5);   // one day
  CHECK(num(c.at("subtotal")) == 0.6);
  CHECK(num(c.at("tax")) == 0.06);
  CHECK(num(c.at("total")) == 0.66);

  auto est = f.get("/api/v1/billing/estimated", f.ada);
  REQUIRE_MESSAGE(est.status == 200, est.body);
  auto e = data_of(est);
  CHECK(keys_of(e) == kPreviewKeys);
  CHECK(e.at("projected") == json::value(true));
  CHECK(str(e.at("period")) == "2025-07");
  CHECK(e.at("days_elapsed").as_int64() == 1);
  CHECK(e.at("days_total").as_int64() == 31);
  REQUIRE(e.at("lines").as_array().size() == 3);
  CHECK(num(e.at("lines").at(0).at("quantity")) == 15.5);  // 0.5 kWh x 31 / 1
  CHECK(num(e.at("lines").at(0).at("amount")) == 3.1);
  CHECK(num(e.at("lines").at(1).at("amount")) == 15.5);   // every day
  CHECK(num(e.at("subtotal")) == 18.6);
  CHECK(num(e.at("tax")) == 1.86);
  CHECK(num(e.at("total")) == 20.46);

  CHECK(f.get("/api/v1/billing/current-cycle").status == 401);
  CHECK(f.get("/api/v1/billing/estimated").status == 401);
}

// --- operators' views -----------------------------------------------------------------------------

TEST_CASE("billing REST: the CSV export has the header row and one row per invoice") {
  billing_fixture f;
  f.generate_june();
  auto res = f.get("/api/v1/billing/export?region=north&period=2025-06", f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  CHECK(res.header_value("Content-Type") == "text/csv; charset=utf-8");
  const auto lines = csv_lines(res.body);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] == kCsvHeader);
  CHECK(lines[1].starts_with("INV-NORTH-2025-000001," + f.ada_user.id.to_string() + ",ada@example.org,north,2025-06,"));
  CHECK(lines[1].ends_with(",issued,15.98,1.60,17.58,0.00,17.58"));
  CHECK(lines[2].starts_with("INV-NORTH-2025-000002," + f.bob_user.id.to_string() + ",bob@example.org,"));

  // Without ?region= the caller's; another period has none; others may not export.
  CHECK(csv_lines(f.get("/api/v1/billing/export", f.op).body).size() == 3);
  auto may = f.get("/api/v1/billing/export?region=north&period=2025-05", f.op);
  REQUIRE(may.status == 200);
  CHECK(csv_lines(may.body) == std::vector<std::string>{kCsvHeader});
  check_status(f.get("/api/v1/billing/export?region=north", f.op_south), 403, "FORBIDDEN");
  check_status(f.get("/api/v1/billing/export?region=north", f.ada), 403, "FORBIDDEN");
  check_400(f.get("/api/v1/billing/export?region=north&period=2025", f.op), "period");
}

TEST_CASE("billing REST: the CSV export is a streamed body, and errors are answered before it starts") {
  billing_fixture f;
  f.generate_june();
  auto res = f.send_raw("GET", "/api/v1/billing/export?region=north&period=2025-06", {}, f.op);
  REQUIRE(res.status == 200);
  REQUIRE(static_cast<bool>(res.body_stream));
  CHECK(res.body.empty());
  CHECK(res.header_value("Content-Length").empty());
  // Pulled by hand: the first page (header and both invoices), then the end.
  auto first = res.body_stream();
  REQUIRE(first.has_value());
  CHECK(csv_lines(*first).size() == 3);
  CHECK_FALSE(res.body_stream().has_value());

  // collect_body drains what is left after `body` and clears the stream.
  auto again = f.send_raw("GET", "/api/v1/billing/export?region=north&period=2025-06", {}, f.op);
  segs::rest::collect_body(again);
  CHECK_FALSE(static_cast<bool>(again.body_stream));
  CHECK(again.body == *first);
  segs::rest::collect_body(again);  // no stream: unchanged
  CHECK(again.body == *first);

  // Refusals and validation errors are whole JSON envelopes, not streams.
  auto refused = f.send_raw("GET", "/api/v1/billing/export?region=north", {}, f.ada);
  CHECK(refused.status == 403);
  CHECK_FALSE(static_cast<bool>(refused.body_stream));
  auto invalid = f.send_raw("GET", "/api/v1/billing/export?region=north&period=2025", {}, f.op);
  CHECK(invalid.status == 400);
  CHECK_FALSE(static_cast<bool>(invalid.body_stream));
}

TEST_CASE("billing REST: overdue invoices, oldest due first, and analytics") {
  billing_fixture f;
  f.generate_june();
  const auto ada_id = str(f.only_invoice(f.ada).at("id"));
  REQUIRE(f.pay(ada_id, json::object{{"amount", 5}, {"method", "cash"}}, f.ada).status == 201);

  // Nothing is past due yet.
  auto none = f.get("/api/v1/billing/region/north/overdue", f.op);
  REQUIRE_MESSAGE(none.status == 200, none.body);
  CHECK(keys_of(data_of(none)) == with(kPageKeys, {"invoices"}));
  CHECK(data_of(none).at("total").as_int64() == 0);

  // Five days after both fell due, due work has marked them overdue.
  f.at("2025-07-20T00:30:00Z");
  auto due = f.grid->run_due_work();
  REQUIRE_MESSAGE(due.has_value(), (due ? "" : due.error().message));
  CHECK(due->invoices_overdue == 2);
  auto res = f.get("/api/v1/billing/region/north/overdue", f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto page = data_of(res);
  CHECK(page.at("total").as_int64() == 2);
  REQUIRE(page.at("invoices").as_array().size() == 2);
  const auto& first = page.at("invoices").at(0);
  CHECK(keys_of(first) == with(kInvoiceKeys, {"days_overdue"}));
  CHECK(first.at("days_overdue").as_int64() == 5);
  CHECK(str(first.at("status")) == "overdue");
  check_status(f.get("/api/v1/billing/region/north/overdue", f.op_south), 403, "FORBIDDEN");
  check_status(f.get("/api/v1/billing/region/north/overdue", f.ada), 403, "FORBIDDEN");
  CHECK(data_of(f.get("/api/v1/billing/region/north/overdue?per_page=1", f.admin)).at("total_pages").as_int64() == 2);

  auto a = f.get("/api/v1/billing/analytics?region=north&from=2025-06&to=2025-07", f.op);
  REQUIRE_MESSAGE(a.status == 200, a.body);
  auto an = data_of(a);
  CHECK(keys_of(an) == std::set<std::string>{"region", "currency", "from", "to", "invoiced", "collected",
                                             "outstanding", "overdue_amount", "overdue_count", "disputed_count",
                                             "average_invoice", "p2p_volume_kwh", "market_fees", "by_period"});
  CHECK(str(an.at("region")) == "north");
  CHECK(str(an.at("currency")) == "EUR");
  CHECK(str(an.at("from")) == "2025-06");
  CHECK(str(an.at("to")) == "2025-07");
  CHECK(num(an.at("invoiced")) == 34.3);
  CHECK(num(an.at("collected")) == 5);
  CHECK(num(an.at("outstanding")) == 29.3);
  CHECK(an.at("overdue_count").as_int64() == 2);
  CHECK(an.at("disputed_count").as_int64() == 0);
  CHECK(num(an.at("average_invoice")) == 17.15);
  CHECK(num(an.at("p2p_volume_kwh")) == 0);
  CHECK(num(an.at("market_fees")) == 0);
  REQUIRE(an.at("by_period").as_array().size() >= 1);
  const auto& june = an.at("by_period").at(0);
  CHECK(keys_of(june) == std::set<std::string>{"period", "invoiced", "collected"});
  CHECK(str(june.at("period")) == "2025-06");
  CHECK(num(june.at("invoiced")) == 34.3);
  check_status(f.get("/api/v1/billing/analytics?region=north", f.op_south), 403, "FORBIDDEN");
  check_status(f.get("/api/v1/billing/analytics?region=north", f.ada), 403, "FORBIDDEN");
  check_400(f.get("/api/v1/billing/analytics?region=north&from=2025-08&to=2025-06", f.op), "from");
}

TEST_CASE("billing REST: voiding an invoice nothing was paid on") {
  billing_fixture f;
  f.generate_june();
  const auto bob_id = str(f.only_invoice(f.bob).at("id"));
  const std::string path = "/api/v1/billing/invoices/" + bob_id + "/void";
  check_status(f.post(path, json::object{{"reason", "duplicate"}}, f.bob), 403, "FORBIDDEN");
  check_status(f.post(path, json::object{{"reason", "duplicate"}}, f.op_south), 404, "NOT_FOUND");
  check_400(f.post(path, json::object{}, f.op), "reason");
  auto res = f.post(path, json::object{{"reason", "duplicate"}}, f.op);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  CHECK(keys_of(data_of(res)) == kInvoiceKeys);
  CHECK(str(data_of(res).at("status")) == "void");
  CHECK(num(data_of(res).at("amount_due")) == 0);
  check_status(f.post(path, json::object{{"reason", "again"}}, f.op), 409, "CONFLICT");

  const auto ada_id = str(f.only_invoice(f.ada).at("id"));
  REQUIRE(f.pay(ada_id, json::object{{"amount", 1}, {"method", "card"}}, f.ada).status == 201);
  check_status(f.post("/api/v1/billing/invoices/" + ada_id + "/void", json::object{{"reason", "x"}}, f.admin), 409,
               "CONFLICT");
}

// --- settings -------------------------------------------------------------------------------------

TEST_CASE("billing REST: settings are read by everyone signed in and changed by admins") {
  billing_fixture f;
  auto res = f.get("/api/v1/billing/settings/north", f.ada);
  REQUIRE_MESSAGE(res.status == 200, res.body);
  auto s = data_of(res);
  CHECK(keys_of(s) == std::set<std::string>{"region", "cycle_day", "due_days", "auto_generate", "updated_at"});
  CHECK(str(s.at("region")) == "north");
  CHECK(s.at("cycle_day").as_int64() == 1);
  CHECK(s.at("due_days").as_int64() == 14);
  CHECK(s.at("auto_generate") == json::value(false));
  CHECK(s.at("updated_at").is_null());

  check_status(f.put("/api/v1/billing/settings/north", json::object{{"due_days", 10}}, f.ada), 403, "FORBIDDEN");
  check_status(f.put("/api/v1/billing/settings/north", json::object{{"due_days", 10}}, f.op), 403, "FORBIDDEN");
  check_400(f.put("/api/v1/billing/settings/north", json::object{{"cycle_day", 29}}, f.admin), "cycle_day");
  check_400(f.put("/api/v1/billing/settings/north", json::object{{"cycle_day", 1.5}}, f.admin), "cycle_day");
  check_400(f.put("/api/v1/billing/settings/north", json::object{{"due_days", 366}}, f.admin), "due_days");
  check_400(f.put("/api/v1/billing/settings/north", json::object{{"auto_generate", "yes"}}, f.admin), "auto_generate");
  check_400(f.put("/api/v1/billing/settings/north", json::object{{"cycle", 5}}, f.admin), "cycle");
  check_status(f.put("/api/v1/billing/settings/atlantis", json::object{{"due_days", 10}}, f.admin), 404,
               "NOT_FOUND");
  check_status(f.get("/api/v1/billing/settings/atlantis", f.ada), 404, "NOT_FOUND");

  auto put = f.put("/api/v1/billing/settings/north", json::object{{"cycle_day", 5}, {"auto_generate", true}}, f.admin);
  REQUIRE_MESSAGE(put.status == 200, put.body);
  auto changed = data_of(put);
  CHECK(changed.at("cycle_day").as_int64() == 5);
  CHECK(changed.at("due_days").as_int64() == 14);  // kept
  CHECK(changed.at("auto_generate") == json::value(true));
  CHECK(str(changed.at("updated_at")) == kAfterJune);
  CHECK(data_of(f.get("/api/v1/billing/settings/north", f.op_south)) == changed);
}

// --- the option -------------------------------------------------------------------------------------

TEST_CASE("billing REST: with the billing option off every billing route answers 404 as unknown paths do") {
  auto off = unlimited();
  off.billing = false;
  billing_fixture f(off);
  for (const auto& route : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/v1/billing/invoices"},
           {"GET", "/api/v1/billing/invoices/" + kMissing},
           {"GET", "/api/v1/billing/invoices/" + kMissing + "/pdf"},
           {"GET", "/api/v1/billing/current-cycle"},
           {"GET", "/api/v1/billing/estimated"},
           {"GET", "/api/v1/billing/payment-history"},
           {"GET", "/api/v1/billing/settings/north"},
           {"GET", "/api/v1/billing/export?region=north"}}) {
    const std::string method = route.first;
    const std::string path = route.second;
    auto res = f.send(method, path, {}, f.admin);
    INFO(method << " " << path << ": " << res.body);
    CHECK(res.status == 404);
    CHECK(code_of(res) == "NOT_FOUND");
    CHECK(res.route == "unmatched");
  }
  auto gen = f.post("/api/v1/billing/generate-invoices", json::object{{"period", "2025-06"}}, f.admin);
  CHECK(gen.status == 404);
  CHECK(gen.route == "unmatched");
  auto put = f.put("/api/v1/billing/settings/north", json::object{{"due_days", 10}}, f.admin);
  CHECK(put.status == 404);
  // The rest of the API is unchanged.
  CHECK(f.get("/api/v1/tariffs/current", f.ada).status == 200);
}
