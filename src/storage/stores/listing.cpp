#include "storage/stores/listing.hpp"

#include "core/paging.hpp"

namespace segs::storage {

page_rows fetch_page(transaction& tx, const listing_query& q, const page_request& req) {
  // A negative OFFSET is an error on PostgreSQL and "no offset" on SQLite;
  // a listing never reaches either with an unchecked page.
  detail::check_page(req);
  page_rows out;
  out.request = req;
  out.total = tx.exec("SELECT COUNT(*) FROM " + q.from, q.params).rows.at(0).i64(0);
  // 64 bits: page * per_page overflows an int for very large page numbers.
  const std::int64_t offset = std::int64_t{req.page - 1} * req.per_page;
  // Past the end (or an empty listing) there is nothing to read.
  if (offset >= out.total) return out;
  auto params = q.params;
  params.emplace_back(std::int64_t{req.per_page});
  params.emplace_back(offset);
  const auto n = params.size();
  out.rows = tx.exec("SELECT " + q.select + " FROM " + q.from + " ORDER BY " + q.order_by +
                         " LIMIT $" + std::to_string(n - 1) + " OFFSET $" + std::to_string(n),
                     params)
                 .rows;
  return out;
}

}  // namespace segs::storage
