// The RBAC matrix: every route of the REST layer against every kind of
// caller. Each cell runs on a fresh grid, so the only variable is the
// principal.
//
// Columns:
//   anon   no credentials
//   cons   a consumer of region north (not the target)
//   pros   a prosumer of region north
//   opN    an operator of region north (the target's region)
//   opS    an operator of region south
//   admin  an administrator
//   key    an API key with the single scope telemetry:write
//
// Placeholders in paths and bodies:
//   {target}     a consumer of region north, active
//   {suspended}  a consumer of region north, suspended
//   {email}      the target's email; {pending} an address registered but not verified
//   {otp}        the verification code of {pending}; {reset} a reset code of {target}
//   {refresh}    a refresh token of the target; {key}  the API key's id
//   {slot}       a delivery slot open for trading (15:30 on the fixture's clock)
//   {order}      an open sell order in {slot} of a prosumer of region north
//   {closed}     a slot whose gate an admin closed (15:45), ready to settle
//   {meter}      the target's meter (region north, one reading), as /meters/:id
//   {meterid}    the same meter, as :meterId of /telemetry, /admin and /operator
//   {umeter}     an unassigned meter of region north
//   {signed}     a device's signed registration body ({meter, public_key, signature})
//   {alert}      an open over_voltage alert on the prosumer's meter (region north)
//   {tariff}     north's tariff in effect (from 2025-06-01; south has none)
//   {future}     north's tariff from 2025-07-01 (not begun, so it may change)
//   {override}   a price override of north, 16:00-17:00 (not begun)
//   {invoice}    the prosumer's May invoice (north; a May tariff charges 0.50 a day)
//   {disputed}   the target's May invoice, which the target disputes
//
// Conventions for the expected statuses:
//   - Routes that act on "my account" need a user: without credentials 401;
//     an API key is not a user, so the library answers 403.
//   - Public routes (health, sign-up, sign-in, codes, departments) answer
//     the same to everyone; credentials, good or bad, change nothing there.
//   - A user outside the caller's scope (opS on a north user) is 404, not
//     403, so that ids do not leak; 403 means "you may never do this".
//   - The /admin/users routes follow the library's permissions, not the path:
//     an operator holds users:manage over its region, so suspend, activate
//     and delete work for opN; roles:manage (changing a user's role, listing
//     and defining roles), audit:read and api_keys:manage are the
//     administrator's only.
//   - set-password answers 409 to every user: they all have a password.
//   - Trading: buying needs trade:buy (every user role), selling trade:sell
//     (prosumer, admin). Orders of others are 404 except to the operator of
//     their region and admins. Market data is for every signed-in caller;
//     clear and settle need market:operate in the region, market settings
//     market:manage (admin). An API key is no trader: it may not place
//     orders and owns none.
//   - Meters and telemetry follow the telemetry service: a user reads and
//     writes their own meters (others are 404), operators manage and read
//     their region's (other regions' meters are 404; region statistics of
//     another region are 403), admins all. The prosumer holds a meter with a
//     reading, so its "my meter" routes answer 200; callers holding none get
//     404, and an API key, which holds no meter, 400 naming meter_id. The API
//     key (telemetry:write, every region) submits and reads readings but
//     manages nothing (403); a signed device registration is for users only.
//     The /operator/meters listing, like /api/v1/meters, answers each caller
//     the meters in its reach (a consumer's own).
//   - Alerts follow the alerts service: a user sees, acknowledges and
//     resolves the alerts of their own meters (others are 404), operators
//     those of their region, admins all. The listings of a region or meter,
//     the unresolved listing, bulk acknowledge and analytics are for
//     alerts:manage (operators, admins; 403 for others); an operator asking
//     for another region's or meter's alerts gets an empty page, bulk ids it
//     does not see come back as not_found. A region's rule settings are
//     read by those who manage its alerts and changed with alerts:configure
//     (admins). An API key is no user: it sees no alerts (empty answers, 404
//     for one alert) and manages none.
//   - Tariffs follow the tariffs service: every signed-in caller reads
//     tariffs, current prices, history and forecasts; the caller's region is
//     the default (opS's south has no tariff: 404; the API key has no
//     region: 400 naming region). Estimates price the caller's own profile.
//     regions/all and analytics need tariffs:operate (operators, their
//     region's analytics only; admins), creating and changing tariffs
//     tariffs:manage (admins), overrides tariffs:operate in their region
//     (403 for others, also for an operator of another region).
//   - Billing follows the billing service: a customer lists, reads, pays and
//     disputes their own invoices (another's is 404, also to an operator of
//     another region and to an API key, which owns none and lists empty
//     pages); billing:operate (operators in their region, admins) reads,
//     takes payments for, voids and resolves disputes on the region's
//     invoices, generates invoices and reads overdue listings, analytics and
//     exports (403 for others); only the customer disputes (403 for the
//     operator and admin who may read the invoice); the current cycle and
//     its estimate are a user's own (403 for an API key); a region's
//     settings are read by every signed-in caller and changed with
//     billing:manage (admins).
//   - The operators' dashboard and reports need analytics:operate (operators
//     over their region, admins over all; a report of another region is
//     403); the users export needs users:read and covers the caller's scope
//     (opS exports south's users: 200), on both of its paths.
//   - Analytics follow the analytics service: a user reads their own
//     energy, trading and financial figures and the market of their own
//     region (scope self); analytics:operate (operators in their region,
//     admins) reads the region's figures and user analytics (403 for
//     others, also for an operator of another region); an API key reads no
//     analytics (403).
//   - Notifications are a user's own: every signed-in user reads, marks and
//     tests their own (another's is 404); an API key is no user (403).
//   - The deployment's health, information and statistics need system:read
//     (admins).
//   - Seeding demo data needs system:read and a grid in development mode;
//     the matrix's grids are not in it, so admins get 403 too (the seeding
//     tests in test_seed_routes.cpp cover a grid that is).
#include "fixture.hpp"

#include <sodium.h>

#include <array>
#include <cstring>
#include <functional>

#include "rest/route_table.hpp"

using namespace rest_test;

namespace {

enum col { anon, cons, pros, opN, opS, admin, key, n_cols };
constexpr std::array<const char*, n_cols> col_names{"anon", "cons",  "pros", "opN",
                                                    "opS",  "admin", "key"};

struct row {
  const char* method;
  const char* path;
  const char* body;
  std::array<int, n_cols> expect;
};

const std::string kWallet = "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin";

// clang-format off
const row matrix[] = {
//  method    path                                             body                                                                      anon cons pros opN  opS  admin key
  {"GET",    "/health",                                        "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/health",                                 "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/health/live",                                   "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/health/ready",                                  "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/metrics",                                       "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  // Without an upgrade the live channel answers 400 naming Upgrade, for
  // everyone (its protocol is tested in test_live.cpp).
  {"GET",    "/api/v1/ws",                                     "",                                                                      {400, 400, 400, 400, 400, 400, 400}},
  {"GET",    "/api/v1/openapi.json",                           "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/register",                          R"({"email":"new@example.org","password":"Tr0ub4dor&3-horse","name":"New","region":"north"})", {201, 201, 201, 201, 201, 201, 201}},
  {"POST",   "/api/v1/auth/verify-otp",                        R"({"email":"{pending}","otp":"{otp}"})",                                {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/login",                             R"({"email":"{email}","password":"Tr0ub4dor&3-horse"})",                 {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/refresh-token",                     R"({"refresh_token":"{refresh}"})",                                      {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/forgot-password",                   R"({"email":"{email}"})",                                                {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/reset-password",                    R"({"email":"{email}","otp":"{reset}","new_password":"N3w-long-passphrase"})", {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/resend-otp",                        R"({"email":"{pending}"})",                                              {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/auth/logout",                            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/logout-all",                        "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/set-password",                      R"({"password":"N3w-long-passphrase"})",                                 {401, 409, 409, 409, 409, 409, 403}},
  {"POST",   "/api/v1/auth/change-password",                   R"({"current_password":"Tr0ub4dor&3-horse","new_password":"N3w-long-passphrase"})", {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/password",                          R"({"current_password":"Tr0ub4dor&3-horse","new_password":"N3w-long-passphrase"})", {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/auth/sessions",                          "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/auth/profile",                           "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/auth/profile",                           R"({"name":"Renamed"})",                                                 {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/profile",                           "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"PUT",    "/api/v1/user/profile",                           R"({"name":"Renamed"})",                                                 {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/notifications/settings",            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"PUT",    "/api/v1/user/notifications/settings",            R"({"sms":true})",                                                       {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/user/wallet",                            R"({"wallet_address":"{wallet}"})",                                      {401, 200, 200, 200, 200, 200, 403}},
  {"DELETE", "/api/v1/user/wallet",                            "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/user/activity",                          "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/operator/users",                         "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/operator/users/region/north",            "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/operator/users/{target}",                "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/admin/users",                            R"({"email":"op2@example.org","password":"Tr0ub4dor&3-horse","name":"Op","role":"operator","region":"north"})", {401, 403, 403, 403, 403, 201, 403}},
  {"PUT",    "/api/v1/admin/users/{target}/role",              R"({"role":"prosumer"})",                                                {401, 403, 403, 403, 403, 200, 403}},
  {"DELETE", "/api/v1/admin/users/{target}",                   "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/admin/users/{target}/suspend",           R"({"reason":"unpaid bills"})",                                          {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/admin/users/{suspended}/activate",       R"({"reason":"paid"})",                                                  {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/admin/roles",                            "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"PUT",    "/api/v1/admin/roles/student",                    R"({"permissions":["profile:read","trade:buy"],"scope":"self","self_service":true})", {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/admin/audit-logs",                       "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/admin/audit-logs/verify",                "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"POST",   "/api/v1/admin/api-keys",                         R"({"name":"head-end","scopes":["telemetry:read"]})",                   {401, 403, 403, 403, 403, 201, 403}},
  {"GET",    "/api/v1/admin/api-keys",                         "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"DELETE", "/api/v1/admin/api-keys/{key}",                   "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/users",                                  "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/users/{target}",                         "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"PUT",    "/api/v1/users/{target}",                         R"({"name":"Renamed"})",                                                 {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/users/{target}/deactivate",              "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"POST",   "/api/v1/users/{suspended}/reactivate",           "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/users/{target}/activity",                "",                                                                      {401, 403, 403, 200, 404, 200, 403}},
  {"GET",    "/api/v1/departments/Engineering",                "",                                                                      {200, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/trading/orders",                         R"({"side":"buy","order_type":"limit","quantity_kwh":1,"price_per_kwh":0.2,"delivery_slot":"{slot}"})",  {401, 201, 201, 201, 201, 201, 403}},
  {"POST",   "/api/v1/trading/orders",                         R"({"side":"sell","order_type":"limit","quantity_kwh":1,"price_per_kwh":0.3,"delivery_slot":"{slot}"})", {401, 403, 201, 403, 403, 201, 403}},
  {"GET",    "/api/v1/trading/orders",                         "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/trading/orders/{order}",                 "",                                                                      {401, 404, 404, 200, 404, 200, 404}},
  {"PUT",    "/api/v1/trading/orders/{order}",                 R"({"quantity_kwh":0.5})",                                               {401, 404, 404, 200, 404, 200, 404}},
  {"DELETE", "/api/v1/trading/orders/{order}",                 "",                                                                      {401, 404, 404, 200, 404, 200, 404}},
  {"GET",    "/api/v1/trading/orderbook?delivery_slot={slot}&region=north", "",                                                         {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/trading/market?delivery_slot={slot}&region=north",    "",                                                         {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/trading/history",                        "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/trading/matches?delivery_slot={slot}&region=north",   "",                                                         {401, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/trading/clear",                          R"({"region":"north","delivery_slot":"{slot}"})",                        {401, 403, 403, 200, 403, 200, 403}},
  {"POST",   "/api/v1/trading/settle",                         R"({"region":"north","delivery_slot":"{closed}","deliveries":[]})",      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/trading/markets",                        "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"PUT",    "/api/v1/trading/markets/north",                  R"({"fee_percent":0.5})",                                                {401, 403, 403, 403, 403, 200, 403}},
  // Regions: read by every signed-in caller, changed by admins (regions:manage).
  {"GET",    "/api/v1/regions",                                "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/regions/north",                          "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"PUT",    "/api/v1/regions/north",                          R"({"name":"North"})",                                                   {401, 403, 403, 403, 403, 200, 403}},
  // Meters and telemetry.
  {"POST",   "/api/v1/meters/{meter}/readings",                R"({"timestamp":"2025-06-15T15:00:00Z","energy_consumed_kwh":1.5,"energy_produced_kwh":0})", {401, 404, 404, 201, 404, 201, 201}},
  {"PUT",    "/api/v1/meters/{meter}/readings",                R"({"readings":[{"timestamp":"2025-06-15T14:45:00Z","energy_consumed_kwh":2,"energy_produced_kwh":0}],"reason":"meter swapped"})", {401, 404, 404, 200, 404, 200, 403}},
  {"POST",   "/api/v1/telemetry/readings",                     R"({"readings":[{"meter_id":"{meterid}","timestamp":"2025-06-15T15:00:00Z","energy_consumed_kwh":1,"energy_produced_kwh":0}]})", {401, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/meters/signed",                          "{signed}",                                                              {401, 201, 201, 201, 201, 201, 403}},
  {"GET",    "/api/v1/meters",                                 "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/meters/{meter}",                         "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/meters/{meter}/readings",                "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/meters/{meter}/analytics",               "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/telemetry/my-meter",                     "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/my-meter/history",             "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/my-meter/stats",               "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/my-meter/daily",               "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/my-meter/monthly",             "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/my-meter/compare",             "",                                                                      {401, 404, 200, 404, 404, 404, 400}},
  {"GET",    "/api/v1/telemetry/meters/{meterid}",             "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/telemetry/meters/{meterid}/history",     "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/telemetry/region/north/stats",           "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/telemetry/region/north/top-consumers",   "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/telemetry/region/north/realtime",        "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"POST",   "/api/v1/admin/meters",                           R"({"meter_id":"SM_NEW_0001","region":"north","capacity_kw":5})",      {401, 403, 403, 201, 403, 201, 403}},
  {"PUT",    "/api/v1/admin/meters/{meterid}",                 R"({"capacity_kw":7.5})",                                                {401, 404, 404, 200, 404, 200, 403}},
  {"DELETE", "/api/v1/admin/meters/{meterid}",                 "",                                                                      {401, 404, 404, 200, 404, 200, 403}},
  {"POST",   "/api/v1/admin/meters/{meterid}/unassign",        "",                                                                      {401, 404, 404, 200, 404, 200, 403}},
  {"POST",   "/api/v1/admin/assign-meter",                     R"({"meter_id":"{umeter}","user_id":"{target}"})",                       {401, 404, 404, 200, 404, 200, 403}},
  {"GET",    "/api/v1/admin/meters/{meterid}/assignments",     "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"GET",    "/api/v1/operator/meters",                        "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/operator/meters/{meterid}",              "",                                                                      {401, 404, 404, 200, 404, 200, 200}},
  {"PUT",    "/api/v1/operator/meters/{meterid}/status",       R"({"status":"maintenance","reason":"inspection"})",                    {401, 404, 404, 200, 404, 200, 403}},
  // Alerts: {alert} is an open alert on the prosumer's meter.
  {"GET",    "/api/v1/alerts",                                 "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/alerts/summary",                         "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/alerts/stats",                           "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/alerts/{alert}",                         "",                                                                      {401, 404, 200, 200, 404, 200, 404}},
  {"PATCH",  "/api/v1/alerts/{alert}/acknowledge",             R"({"note":"seen"})",                                                    {401, 404, 200, 200, 404, 200, 404}},
  {"PATCH",  "/api/v1/alerts/{alert}/resolve",                 R"({"resolution_note":"fixed"})",                                        {401, 404, 200, 200, 404, 200, 404}},
  {"GET",    "/api/v1/alerts/region/north",                    "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/alerts/meter/{meterid}",                 "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/alerts/unresolved",                      "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"PATCH",  "/api/v1/alerts/bulk/acknowledge",                R"({"alert_ids":["{alert}"],"note":"storm"})",                           {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/alerts/analytics",                       "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/alerts/rules?region=north",              "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"PUT",    "/api/v1/alerts/rules/north",                     R"({"voltage_band":0.03})",                                              {401, 403, 403, 403, 403, 200, 403}},
  {"PUT",    "/api/v1/alerts/rules/north/meters/{meterid}",    R"({"nominal_voltage_v":240})",                                          {401, 403, 403, 403, 403, 200, 403}},
  // Tariffs: {tariff} is in effect in north, {future} begins 2025-07-01, {override} at 16:00.
  {"GET",    "/api/v1/tariffs/current",                        "",                                                                      {401, 200, 200, 200, 404, 200, 400}},
  {"GET",    "/api/v1/tariffs/current/north",                  "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/tariffs/history?region=north",           "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/tariffs/estimate?consumption_kwh=100",   "",                                                                      {401, 200, 200, 200, 404, 200, 400}},
  {"GET",    "/api/v1/tariffs/forecast?region=north",          "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/tariffs/regions/all",                    "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/tariffs/analytics?region=north",         "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"POST",   "/api/v1/tariffs",                                R"({"region":"east","name":"East flat","effective_from":"2025-08-01T00:00:00Z","periods":[{"name":"flat","price_per_kwh":0.2}],"default_period":"flat"})", {401, 403, 403, 403, 403, 201, 403}},
  {"GET",    "/api/v1/tariffs/{tariff}",                       "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"PUT",    "/api/v1/tariffs/{future}",                       R"({"name":"Renamed"})",                                                 {401, 403, 403, 403, 403, 200, 403}},
  {"POST",   "/api/v1/tariffs/override",                       R"({"region":"north","start":"2025-06-15T18:00:00Z","end":"2025-06-15T19:00:00Z","price_per_kwh":0.1,"reason":"storm"})", {401, 403, 403, 201, 403, 201, 403}},
  {"DELETE", "/api/v1/tariffs/override/{override}",            "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  // Billing: {invoice} is the prosumer's May invoice, {disputed} the target's, under dispute.
  {"GET",    "/api/v1/billing/invoices",                       "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"GET",    "/api/v1/billing/invoices/{invoice}",             "",                                                                      {401, 404, 200, 200, 404, 200, 404}},
  {"GET",    "/api/v1/billing/invoices/{invoice}/pdf",         "",                                                                      {401, 404, 200, 200, 404, 200, 404}},
  {"GET",    "/api/v1/billing/current-cycle",                  "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/billing/estimated",                      "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/billing/invoices/{invoice}/pay",         R"({"method":"card"})",                                                  {401, 404, 201, 201, 404, 201, 404}},
  {"GET",    "/api/v1/billing/payment-history",                "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"POST",   "/api/v1/billing/invoices/{invoice}/dispute",     R"({"reason":"too high"})",                                              {401, 404, 200, 403, 404, 403, 404}},
  {"POST",   "/api/v1/billing/invoices/{disputed}/dispute/resolve", R"({"outcome":"rejected","note":"reading confirmed"})",          {401, 404, 404, 200, 404, 200, 404}},
  {"POST",   "/api/v1/billing/invoices/{invoice}/void",        R"({"reason":"duplicate"})",                                             {401, 404, 403, 200, 404, 200, 404}},
  {"GET",    "/api/v1/billing/region/north/overdue",           "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/billing/analytics?region=north",         "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"POST",   "/api/v1/billing/generate-invoices",              R"({"period":"2025-05","region":"north"})",                             {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/billing/export?region=north",            "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/billing/settings/north",                 "",                                                                      {401, 200, 200, 200, 200, 200, 200}},
  {"PUT",    "/api/v1/billing/settings/north",                 R"({"due_days":10})",                                                    {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/analytics/energy?region=north",          "",                                                                      {401, 200, 200, 200, 403, 200, 403}},
  {"GET",    "/api/v1/analytics/trading?region=north",         "",                                                                      {401, 200, 200, 200, 403, 200, 403}},
  {"GET",    "/api/v1/analytics/users?region=north",           "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/analytics/market?region=north",          "",                                                                      {401, 200, 200, 200, 403, 200, 403}},
  {"GET",    "/api/v1/analytics/financial?region=north",       "",                                                                      {401, 200, 200, 200, 403, 200, 403}},
  {"GET",    "/api/v1/operator/dashboard/stats",               "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/operator/reports/consumption?region=north", "",                                                                   {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/operator/reports/revenue?region=north",  "",                                                                      {401, 403, 403, 200, 403, 200, 403}},
  {"GET",    "/api/v1/operator/export/users",                  "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/admin/users/export",                     "",                                                                      {401, 403, 403, 200, 200, 200, 403}},
  {"GET",    "/api/v1/notifications/history?unread=true",      "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/notifications/unread-count",             "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/notifications/preferences",              "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"PUT",    "/api/v1/notifications/preferences",              R"({"quiet_hours":{"start":"22:00","end":"07:00"}})",                    {401, 200, 200, 200, 200, 200, 403}},
  {"POST",   "/api/v1/notifications/test",                     R"({"severity":"warning"})",                                             {401, 201, 201, 201, 201, 201, 403}},
  {"PATCH",  "/api/v1/notifications/{note}/read",              "",                                                                      {401, 404, 404, 404, 404, 404, 403}},
  {"POST",   "/api/v1/notifications/read-all",                 "",                                                                      {401, 200, 200, 200, 200, 200, 403}},
  {"GET",    "/api/v1/admin/health",                           "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/system/health/detailed",                 "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/system/info",                            "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/admin/config",                           "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"POST",   "/api/v1/admin/config",                           R"({"notifications.retention_days":90})",                                {401, 403, 403, 403, 403, 200, 403}},
  {"GET",    "/api/v1/admin/stats",                            "",                                                                      {401, 403, 403, 403, 403, 200, 403}},
  {"POST",   "/api/v1/admin/data/seed",                        R"({"users":1,"days":0})",                                               {401, 403, 403, 403, 403, 403, 403}},
};
// clang-format on

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size()))
    s.replace(pos, from.size(), to);
}

/// A fresh grid holding everything the rows refer to, and the credentials
/// of one column.
struct cell {
  fixture f;
  std::vector<std::pair<std::string, std::string>> vars;
  auth who;

  explicit cell(col c) {
    auto target = f.make_user("target@example.org", "consumer", "north");
    auto suspended = f.make_user("suspended@example.org", "consumer", "north");
    auto sys = segs::principal::system();
    REQUIRE(f.grid->identity().suspend_user(sys, suspended.id, "test").has_value());
    segs::registration pending;
    pending.email = "pending@example.org";
    pending.password = kPassword;
    pending.name = "Pending";
    pending.region = "north";
    REQUIRE(f.grid->identity().register_user(pending).has_value());
    const auto otp = f.code_for("pending@example.org");
    REQUIRE(f.grid->identity().forgot_password("target@example.org").has_value());
    const auto reset = f.code_for("target@example.org");
    auto login = f.post("/api/v1/auth/login",
                        {{"email", "target@example.org"}, {"password", kPassword}});
    REQUIRE(login.status == 200);
    const auto refresh = str(body_of(login).at("data").at("refresh_token"));

    auto boss = f.signed_in("boss@example.org", "admin");
    auto boss_p = f.grid->identity().authenticate(boss.bearer).value();
    segs::api_key_spec spec;
    spec.name = "meter head-end";
    spec.scopes = {"telemetry:write"};
    auto k = f.grid->identity().create_api_key(boss_p, spec).value();

    // A resting order of someone else, and a closed slot to settle.
    const auto slot = segs::from_micros(kStart) + std::chrono::seconds(23 * 60 + 20);  // 15:30
    const auto closed = slot + std::chrono::minutes(15);
    f.make_user("seller@example.org", "prosumer", "north");
    auto seller_p = f.grid->identity().authenticate(f.login("seller@example.org")).value();
    segs::order_spec ask;
    ask.side = segs::order_side::sell;
    ask.quantity = segs::energy{2000};
    ask.price = segs::money{300'000};
    ask.delivery_slot = slot;
    auto order = f.grid->market().submit(seller_p, ask);
    REQUIRE_MESSAGE(order.has_value(), (order ? "" : order.error().message));
    auto cleared = f.grid->market().clear(boss_p, "north", closed);
    REQUIRE_MESSAGE(cleared.has_value(), (cleared ? "" : cleared.error().message));

    // Meters: the target's and the prosumer's, each with a reading, and an
    // unassigned one; a device's signed registration.
    auto pros_user = f.make_user("pros@example.org", "prosumer", "north");
    auto meter = [&](const std::string& serial, const std::optional<segs::uuid>& owner) {
      segs::meter_spec ms;
      ms.meter_id = serial;
      ms.region = "north";
      ms.capacity_kw = segs::milli{10'000};
      ms.user_id = owner;
      auto m = f.grid->telemetry().create_meter(boss_p, ms);
      REQUIRE_MESSAGE(m.has_value(), (m ? "" : m.error().message));
    };
    meter("SM_TARGET_01", target.id);
    meter("SM_PROS_01", pros_user.id);
    meter("SM_FREE_01", std::nullopt);
    std::vector<segs::meter_reading> readings(2);
    for (std::size_t i = 0; i < readings.size(); ++i) {
      readings[i].meter = i == 0 ? "SM_TARGET_01" : "SM_PROS_01";
      readings[i].values.time = *segs::parse_rfc3339("2025-06-15T14:45:00Z");
      readings[i].values.consumed = segs::energy{1000};
    }
    readings[1].values.voltage = segs::milli{260'000};  // raises over_voltage on the prosumer's meter
    auto ingested = f.grid->telemetry().ingest(segs::principal::system(), readings);
    REQUIRE(ingested.has_value());
    REQUIRE(ingested->accepted == 2);
    auto raised = f.grid->alerts().list(segs::principal::system());
    REQUIRE_MESSAGE(raised.has_value(), (raised ? "" : raised.error().message));
    REQUIRE(raised->items.size() == 1);
    const auto alert_id = raised->items.front().id.to_string();
    const std::string signed_body = [] {
      REQUIRE(sodium_init() >= 0);
      unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
      crypto_sign_keypair(pk, sk);
      const std::string text = R"({"meter_id": "SM_DEVICE_01", "capacity_kw": 3.5})";
      unsigned char sig[crypto_sign_BYTES];
      crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(text.data()),
                           text.size(), sk);
      auto b64 = [](const unsigned char* p, std::size_t n) {
        std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
        sodium_bin2base64(out.data(), out.size(), p, n, sodium_base64_VARIANT_ORIGINAL);
        out.resize(std::strlen(out.c_str()));
        return out;
      };
      return R"({"meter": )" + text + R"(, "public_key": ")" + b64(pk, sizeof pk) +
             R"(", "signature": ")" + b64(sig, sizeof sig) + R"("})";
    }();

    // Tariffs of north: one in effect, one from July; an override at 16:00.
    auto tariff_of = [&](const char* from, const char* name) {
      segs::tariff t;
      t.region = "north";
      t.name = name;
      t.effective_from = *segs::parse_rfc3339(from);
      t.periods = {{"flat", segs::money{200'000}}};
      t.default_period = "flat";
      auto created = f.grid->tariffs().create(boss_p, t);
      REQUIRE_MESSAGE(created.has_value(), (created ? "" : created.error().message));
      return created->id.to_string();
    };
    const auto tariff_id = tariff_of("2025-06-01T00:00:00Z", "North flat");
    const auto future_id = tariff_of("2025-07-01T00:00:00Z", "North summer");
    segs::tariff_override ov;
    ov.region = "north";
    ov.start = *segs::parse_rfc3339("2025-06-15T16:00:00Z");
    ov.end = *segs::parse_rfc3339("2025-06-15T17:00:00Z");
    ov.price_per_kwh = segs::money{50'000};
    auto override_ = f.grid->tariffs().create_override(boss_p, ov);
    REQUIRE_MESSAGE(override_.has_value(), (override_ ? "" : override_.error().message));

    // Billing: May's invoices of north (a May tariff of 0.50 a day; the
    // target and the prosumer held their meters), the target's disputed.
    segs::tariff may;
    may.region = "north";
    may.name = "North May";
    may.effective_from = *segs::parse_rfc3339("2025-05-01T00:00:00Z");
    may.effective_to = *segs::parse_rfc3339("2025-06-01T00:00:00Z");
    may.periods = {{"flat", segs::money{200'000}}};
    may.default_period = "flat";
    may.fixed_charge_per_day = segs::money{500'000};
    auto may_tariff = f.grid->tariffs().create(boss_p, may);
    REQUIRE_MESSAGE(may_tariff.has_value(), (may_tariff ? "" : may_tariff.error().message));
    auto run = f.grid->billing().generate(boss_p, "2025-05", "north");
    REQUIRE_MESSAGE(run.has_value(), (run ? "" : run.error().message));
    REQUIRE(run->generated == 2);
    auto invoice_of = [&](const segs::principal& owner) {
      auto mine = f.grid->billing().invoices(owner);
      REQUIRE_MESSAGE(mine.has_value(), (mine ? "" : mine.error().message));
      REQUIRE(mine->items.size() == 1);
      return mine->items.front().id;
    };
    const auto pros_p = f.grid->identity().authenticate(f.login("pros@example.org")).value();
    const auto invoice_id = invoice_of(pros_p).to_string();
    const auto target_p =
        f.grid->identity().authenticate(str(body_of(login).at("data").at("access_token"))).value();
    const auto disputed_id = invoice_of(target_p);
    // A notification of the target's: nobody else's to mark.
    const auto note_id = f.grid->notifications().send_test(target_p).value().id.to_string();
    auto disputed = f.grid->billing().dispute(target_p, disputed_id, "estimated reading");
    REQUIRE_MESSAGE(disputed.has_value(), (disputed ? "" : disputed.error().message));

    // Past the resend cooldown of the pending address's first code.
    f.clock->advance(std::chrono::minutes(2));
    switch (c) {
      case anon: break;
      case cons: who = f.signed_in("cons@example.org", "consumer", "north"); break;
      case pros: who = auth{f.login("pros@example.org"), {}}; break;
      case opN: who = f.signed_in("opn@example.org", "operator", "north"); break;
      case opS: who = f.signed_in("ops@example.org", "operator", "south"); break;
      case admin: who = boss; break;
      case key: who.api_key = k.secret; break;
      case n_cols: break;
    }
    vars = {{"{target}", target.id.to_string()},
            {"{suspended}", suspended.id.to_string()},
            {"{email}", "target@example.org"},
            {"{pending}", "pending@example.org"},
            {"{otp}", otp},
            {"{reset}", reset},
            {"{refresh}", refresh},
            {"{key}", k.info.id.to_string()},
            {"{wallet}", kWallet},
            {"{slot}", segs::to_rfc3339(slot)},
            {"{closed}", segs::to_rfc3339(closed)},
            {"{order}", order->id.to_string()},
            {"{meter}", "SM_TARGET_01"},
            {"{meterid}", "SM_TARGET_01"},
            {"{umeter}", "SM_FREE_01"},
            {"{alert}", alert_id},
            {"{tariff}", tariff_id},
            {"{future}", future_id},
            {"{override}", override_->id.to_string()},
            {"{invoice}", invoice_id},
            {"{disputed}", disputed_id.to_string()},
            {"{note}", note_id},
            {"{signed}", signed_body}};
  }

  segs::rest::response send(const row& r) {
    std::string path = r.path;
    std::string body = r.body;
    for (const auto& [k, v] : vars) {
      replace_all(path, k, v);
      replace_all(body, k, v);
    }
    return f.send(r.method, path, body, who);
  }
};

}  // namespace

TEST_CASE("RBAC matrix: every route against every kind of caller") {
  for (int c = 0; c < n_cols; ++c) {
    for (const auto& r : matrix) {
      cell env(static_cast<col>(c));
      auto res = env.send(r);
      // std::string: doctest prints a const char* as a pointer.
      INFO(std::string(r.method) << " " << std::string(r.path) << " as "
                                 << std::string(col_names[static_cast<std::size_t>(c)]) << ": "
                                 << res.body.substr(0, 300));
      CHECK(res.status == r.expect[static_cast<std::size_t>(c)]);
    }
  }
}

TEST_CASE("RBAC matrix covers every route") {
  std::vector<std::pair<std::string, std::string>> covered;
  for (const auto& r : matrix) {
    std::string p = r.path;
    covered.emplace_back(r.method, p);
  }
  // Patterns whose parameters the matrix fills with concrete values.
  auto pattern_of = [](std::string path) {
    replace_all(path, "{target}", ":userId");
    replace_all(path, "{suspended}", ":userId");
    replace_all(path, "{key}", ":id");
    replace_all(path, "/region/north", "/region/:region");
    replace_all(path, "/departments/Engineering", "/departments/:department");
    replace_all(path, "{order}", ":id");
    replace_all(path, "/markets/north", "/markets/:region");
    replace_all(path, "/regions/north", "/regions/:code");
    replace_all(path, "/roles/student", "/roles/:name");
    replace_all(path, "{meter}", ":id");
    replace_all(path, "{meterid}", ":meterId");
    replace_all(path, "{alert}", ":alertId");
    replace_all(path, "/rules/north", "/rules/:region");
    replace_all(path, "{tariff}", ":tariffId");
    replace_all(path, "{future}", ":tariffId");
    replace_all(path, "{override}", ":tariffId");
    replace_all(path, "/current/north", "/current/:region");
    replace_all(path, "{invoice}", ":invoiceId");
    replace_all(path, "{disputed}", ":invoiceId");
    replace_all(path, "{note}", ":id");
    replace_all(path, "/settings/north", "/settings/:region");
    return path.substr(0, path.find('?'));
  };
  for (const auto& [method, pattern] : segs::rest::detail::route_table()) {
    std::string normal = pattern;
    replace_all(normal, "/users/:id", "/users/:userId");  // P2P spelling of the same parameter
    bool found = false;
    for (const auto& [m, p] : covered) {
      std::string q = pattern_of(p);
      if (m == method && q == normal) found = true;
    }
    CHECK_MESSAGE(found, "no matrix row for " << method << " " << pattern);
  }
}
