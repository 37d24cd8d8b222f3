// Internal: the count and the page of every listing, in one place.
//
// A listing answers one page of rows and the total of the whole listing
// (what page<T>::total_pages needs). Each store says what to read — the
// select list, the FROM/WHERE part with its parameters, the order — and
// decodes the rows; the two statements, the LIMIT/OFFSET arithmetic and their
// binding as parameters live here once.
//
//   filter f;
//   if (q.role) f.add("role = ?", *q.role);
//   auto rows = fetch_page(tx, {.select = "id, email",
//                               .from = "users" + f.where(),
//                               .params = f.params(),
//                               .order_by = "created_at, id"},
//                          {q.page, q.per_page});
//   return to_page<user>(std::move(rows), [](const row& r) { ... });
//
// `from` may be a derived table with its own WHERE clauses, e.g.
// "(SELECT ... UNION ALL SELECT ...) AS t": both statements read from it.
#pragma once

#include "storage/backend.hpp"

#include <segs/page.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace segs::storage {

/// What a listing reads: SELECT <select> FROM <from> ORDER BY <order_by>.
/// `select`, `from` and `order_by` are the store's own SQL text, never
/// input: every value goes into `params` as $1..$N (see filter.hpp).
struct listing_query {
  std::string select;         ///< the select list, e.g. "id, email, name"
  std::string from;           ///< a table or derived table, with its WHERE clause
  std::vector<value> params;  ///< $1..$N of `from`
  /// Must end in a unique key: rows that tie would otherwise be ordered
  /// differently by the two statements of consecutive pages, and a row
  /// could be answered twice or never.
  std::string order_by;
};

/// One page of rows and the total number of rows of the listing.
struct page_rows {
  std::int64_t total = 0;
  std::vector<row> rows;
  page_request request;  ///< the page these rows are
};

/// Runs SELECT COUNT(*) and the page's SELECT ... LIMIT $n OFFSET $m (both
/// bound as parameters after `q.params`). A page past the end answers no
/// rows and the total. Throws validation_error when `req` breaks the paging
/// rule (services check it first, so that is a bug in the caller).
[[nodiscard]] page_rows fetch_page(transaction& tx, const listing_query& q,
                                   const page_request& req);

/// The page of `rows` with every row decoded by `decode(const row&) -> T`.
template <class T, class Decode>
[[nodiscard]] page<T> to_page(page_rows&& rows, Decode&& decode) {
  page<T> out;
  out.total = rows.total;
  out.page = rows.request.page;
  out.per_page = rows.request.per_page;
  out.items.reserve(rows.rows.size());
  for (const auto& r : rows.rows) out.items.push_back(decode(r));
  return out;
}

}  // namespace segs::storage
