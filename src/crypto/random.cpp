#include "crypto/random.hpp"

#include "crypto/bytes.hpp"
#include "crypto/encoding.hpp"

#include <sodium.h>

namespace segs::crypto {

std::vector<std::uint8_t> random_bytes(std::size_t n) {
  ensure_sodium();
  std::vector<std::uint8_t> out(n);
  if (n != 0) randombytes_buf(out.data(), n);
  return out;
}

std::string random_token(std::size_t bytes) {
  auto raw = random_bytes(bytes);
  auto text = base64url_encode(raw);
  sodium_memzero(raw.data(), raw.size());
  return text;
}

std::string random_digits(std::size_t digits) {
  ensure_sodium();
  std::string out(digits, '0');
  // One uniform draw per digit: randombytes_uniform rejects the biased tail,
  // so every digit, and hence every code, is equally likely.
  for (auto& c : out) c = static_cast<char>('0' + randombytes_uniform(10));
  return out;
}

}  // namespace segs::crypto
