#include "crypto/bytes.hpp"

#include <segs/error.hpp>

#include <sodium.h>

namespace segs::crypto {

void ensure_sodium() {
  // A function-local static runs sodium_init once, thread-safely (C++11
  // magic statics); sodium_init itself is idempotent anyway.
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw segs::exception(make_error(errc::internal, "libsodium failed to initialize"));
}

}  // namespace segs::crypto
