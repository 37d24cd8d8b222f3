// Internal: a CSV body streamed a page at a time (response::body_stream),
// for the exports (billing's invoices, operations' users).
#pragma once

#include "rest/route.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace segs::rest::detail {

/// A page of an export: its text, where the next one starts, and whether
/// one follows.
struct csv_chunk {
  std::string text;
  std::string next_after;
  bool done = false;
};

/// A text/csv reply whose body is `first` (read by the route, so that
/// authorization and validation errors still answer their status) and then
/// the pages `next(after)` reads, one per chunk, until one is done: a large
/// export never sits in memory. An error on a later page can no longer
/// change the status: `next` throws it (segs::exception), so that the
/// transport cuts the transfer off before its last chunk and the client
/// cannot take a partial export for a whole one (collect_body passes it on).
inline reply csv_stream(csv_chunk first, std::function<csv_chunk(const std::string& after)> next) {
  struct cursor {
    std::optional<std::string> pending;  // the first page, not yet handed out
    std::string after;
    bool done;
    std::function<csv_chunk(const std::string&)> next;
  };
  auto cur = std::make_shared<cursor>(
      cursor{std::move(first.text), std::move(first.next_after), first.done, std::move(next)});
  reply out;
  out.raw = std::string();
  out.content_type = "text/csv; charset=utf-8";
  out.stream = [cur]() -> std::optional<std::string> {
    if (cur->pending) {
      auto text = std::move(*cur->pending);
      cur->pending.reset();
      return text;
    }
    if (cur->done) return std::nullopt;
    csv_chunk page;
    try {
      page = cur->next(cur->after);
    } catch (...) {
      cur->done = true;
      throw;
    }
    cur->after = std::move(page.next_after);
    cur->done = page.done;
    return std::move(page.text);
  };
  return out;
}

}  // namespace segs::rest::detail
