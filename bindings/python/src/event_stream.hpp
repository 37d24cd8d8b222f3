// A Python iterator over one bounded queue of the grid's event hub
// (segs::event_queue, include/segs/events.hpp). Grid.events() (segs.Events,
// events.cpp) and Market.events() (segs.MarketEvents, market.cpp) are this one
// class template and its one Python protocol: __iter__/__next__,
// get(timeout), drain(), pending, dropped, closed, close() and the context
// manager.
//
// The hub only copies events into the queue (it never takes the GIL), so a
// slow Python reader cannot stall the thread that committed; a reader that
// falls behind loses the oldest events beyond max_pending rather than the
// process its memory. A reader waits with the GIL released and wakes up every
// 100 ms, so Ctrl-C (and a Grid.close()) gets through.
#pragma once

#include "common.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace segs::python {

/// The untyped part: the queue, the grid it keeps open, closing.
/// Thread-safe: Python may call close() on one thread while another waits.
class event_stream {
 public:
  using clock = std::chrono::steady_clock;

  /// Subscribes a queue of `max_pending` events (0: ValueError) matching
  /// `filter` to the holder's grid (ServiceUnavailable once closed).
  /// `timeout` (None, a timedelta or seconds) ends an iteration that waited
  /// that long. REQUIRES: the GIL is held.
  event_stream(holder_ptr holder, segs::event_filter filter, std::size_t max_pending,
               const py::object& timeout);
  ~event_stream() { close(); }
  event_stream(const event_stream&) = delete;
  event_stream& operator=(const event_stream&) = delete;

  /// The oldest queued event, waiting until `deadline`. Empty on timeout, or
  /// when closed and drained. REQUIRES: the GIL is held (released to wait).
  std::optional<segs::event> pop_until(clock::time_point deadline);
  /// The deadline of a wait of `wait` from now (none: no deadline).
  static clock::time_point deadline_after(std::optional<std::chrono::microseconds> wait);

  std::vector<segs::event> drain() { return queue_->drain(); }
  [[nodiscard]] std::size_t pending() const { return queue_->size(); }
  [[nodiscard]] std::uint64_t dropped() const { return queue_->dropped(); }
  /// True after close(), or once the grid was closed (Grid.close()).
  [[nodiscard]] bool closed() const { return queue_->closed() || holder_->closed(); }
  /// Stops delivery, wakes readers and releases the grid; queued events stay
  /// readable. Idempotent.
  void close();

  /// The stream's own timeout (iteration), from the constructor.
  [[nodiscard]] std::optional<std::chrono::microseconds> timeout() const { return timeout_; }

 private:
  holder_ptr holder_;
  // Set once in the constructor and never reassigned, so readers use it
  // without a lock; event_queue itself is thread-safe.
  std::shared_ptr<segs::event_queue> queue_;
  std::optional<std::chrono::microseconds> timeout_;
  std::mutex mu_;
  // Keeps the grid's storage open while the stream is open (the queue would
  // survive the grid, closed): a stream is a service obtained from the grid.
  // Guarded by mu_; null after close().
  std::shared_ptr<segs::grid> grid_;
};

/// A stream answering `Item`s: the hub's events themselves (Events), or the
/// payload of one kind (MarketEvents: market_event). Events of another kind
/// (which the stream's filter normally keeps out) are skipped.
template <class Item>
class typed_event_stream : public event_stream {
 public:
  using event_stream::event_stream;

  /// The next item, waiting up to `wait` (none: until closed).
  /// REQUIRES: the GIL is held.
  std::optional<Item> next(std::optional<std::chrono::microseconds> wait) {
    const auto deadline = deadline_after(wait);
    for (;;) {
      auto e = pop_until(deadline);
      if (!e) return std::nullopt;
      if (auto item = item_of(std::move(*e))) return item;
    }
  }

  std::vector<Item> drain_items() {
    std::vector<Item> out;
    for (auto& e : drain())
      if (auto item = item_of(std::move(e))) out.push_back(std::move(*item));
    return out;
  }

 private:
  static std::optional<Item> item_of(segs::event&& e) {
    if constexpr (std::is_same_v<Item, segs::event>) {
      return std::move(e);
    } else {
      if (auto* p = std::get_if<Item>(&e.data)) return std::move(*p);
      return std::nullopt;
    }
  }
};

/// Registers `typed_event_stream<Item>` as the Python class `name` with the
/// stream protocol; `item` names the item class in the docstrings.
template <class Item>
void register_event_stream(py::module_& m, const char* name, const char* doc,
                           const std::string& item) {
  using stream = typed_event_stream<Item>;
  py::class_<stream>(m, name, doc)
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__",
           [](stream& s) {
             auto e = s.next(s.timeout());
             if (!e) throw py::stop_iteration();
             return std::move(*e);
           })
      .def(
          "get",
          [](stream& s, const py::object& timeout) -> std::optional<Item> {
            std::optional<std::chrono::microseconds> wait;
            if (!timeout.is_none()) wait = duration_from_py(timeout, "timeout");
            return s.next(wait);
          },
          py::arg("timeout") = py::none(),
          ("The next " + item +
           ", waiting up to ``timeout`` (a timedelta or seconds; None: until one arrives or "
           "the stream is closed). None when none came.")
              .c_str())
      .def(
          "drain", [](stream& s) { return s.drain_items(); },
          ("Every " + item + " queued now, oldest first, without waiting (a list).").c_str())
      .def_property_readonly(
          "pending", [](const stream& s) { return s.pending(); },
          "Number of events queued and not read yet.")
      .def_property_readonly(
          "dropped", [](const stream& s) { return s.dropped(); },
          "Events lost because more than ``max_pending`` were waiting (oldest first).")
      .def_property_readonly(
          "closed", [](const stream& s) { return s.closed(); },
          "True after close(), or once the grid was closed.")
      .def(
          "close", [](stream& s) { s.close(); },
          "Stops the delivery of events and lets the grid close; events already queued can "
          "still be read. Idempotent; wakes up readers waiting on other threads.")
      .def("__enter__", [](py::object self) { return self; })
      .def(
          "__exit__",
          [](stream& s, const py::object&, const py::object&, const py::object&) { s.close(); },
          py::arg("exc_type"), py::arg("exc_value"), py::arg("traceback"));
}

}  // namespace segs::python
