// The crypto helpers: encodings, hashes, randomness, password hashing and the
// JWS layer against the RFC 7515 / RFC 8037 examples.
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "crypto/jws.hpp"
#include "crypto/password.hpp"
#include "crypto/random.hpp"

#include <segs/error.hpp>

#include <doctest/doctest.h>
#include <sodium.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

using namespace segs::crypto;

namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> b64(std::string_view s) {
  auto v = base64url_decode(s);
  REQUIRE(v.has_value());
  return *v;
}

}  // namespace

TEST_CASE("base64url encodes the RFC 4648 test vectors without padding") {
  CHECK(base64url_encode(std::string_view("")) == "");
  CHECK(base64url_encode(std::string_view("f")) == "Zg");
  CHECK(base64url_encode(std::string_view("fo")) == "Zm8");
  CHECK(base64url_encode(std::string_view("foo")) == "Zm9v");
  CHECK(base64url_encode(std::string_view("foob")) == "Zm9vYg");
  CHECK(base64url_encode(std::string_view("fooba")) == "Zm9vYmE");
  CHECK(base64url_encode(std::string_view("foobar")) == "Zm9vYmFy");
  // The URL-safe alphabet: 62 and 63 are '-' and '_', not '+' and '/'.
  const std::vector<std::uint8_t> high{0xfb, 0xff, 0xbf};
  CHECK(base64url_encode(high) == "-_-_");
}

TEST_CASE("base64url decoding is strict") {
  CHECK(base64url_decode("Zm9vYmFy") == bytes_of("foobar"));
  CHECK(base64url_decode("Zg") == bytes_of("f"));
  CHECK(base64url_decode("") == std::vector<std::uint8_t>{});
  CHECK(base64url_decode("-_-_") == std::vector<std::uint8_t>{0xfb, 0xff, 0xbf});

  CHECK_FALSE(base64url_decode("Zg=="));      // padding
  CHECK_FALSE(base64url_decode("Zm8="));      // padding
  CHECK_FALSE(base64url_decode("+/+/"));      // standard alphabet
  CHECK_FALSE(base64url_decode("Zm9v YmFy")); // whitespace
  CHECK_FALSE(base64url_decode("Zm9v\n"));
  CHECK_FALSE(base64url_decode("Z"));         // 6 bits cannot make a byte
  CHECK_FALSE(base64url_decode("Zm9vY"));
  CHECK_FALSE(base64url_decode("Zh"));        // unused low bits must be zero
  CHECK_FALSE(base64url_decode("Zm9vYmE."));
  CHECK_FALSE(base64url_decode(std::string_view("Zm\0v", 4)));
}

TEST_CASE("base64url round-trips every length and byte value") {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  for (std::size_t n = 0; n <= all.size(); n += 7) {
    std::vector<std::uint8_t> v(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n));
    const auto text = base64url_encode(v);
    CHECK(text.find('=') == std::string::npos);
    CHECK(base64url_decode(text) == v);
  }
}

TEST_CASE("hex encodes lowercase and decodes strictly") {
  const std::vector<std::uint8_t> v{0x00, 0x01, 0xab, 0xff};
  CHECK(hex_encode(v) == "0001abff");
  CHECK(hex_decode("0001abff") == v);
  CHECK(hex_decode("0001ABFF") == v);
  CHECK(hex_decode("") == std::vector<std::uint8_t>{});
  CHECK_FALSE(hex_decode("abc"));
  CHECK_FALSE(hex_decode("zz"));
  CHECK_FALSE(hex_decode("0x00"));
  CHECK_FALSE(hex_decode("00 1"));
}

TEST_CASE("sha256 of \"abc\" is the FIPS 180-2 vector") {
  CHECK(hex_encode(sha256(std::string_view("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_encode(sha256(std::string_view(""))) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // The byte and text overloads agree.
  CHECK(sha256(bytes_of("abc")) == sha256(std::string_view("abc")));
}

TEST_CASE("hmac_sha256 reproduces RFC 4231") {
  SUBCASE("test case 2: a short key") {
    const auto key = bytes_of("Jefe");
    CHECK(hex_encode(hmac_sha256(key, std::string_view("what do ya want for nothing?"))) ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  SUBCASE("test case 6: a key longer than the block is hashed first") {
    const std::vector<std::uint8_t> key(131, 0xaa);
    CHECK(hex_encode(hmac_sha256(
              key, std::string_view("Test Using Larger Than Block-Size Key - Hash Key First"))) ==
          "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  }
}

TEST_CASE("keyed_hash names data under a key, and only under that key") {
  const std::vector<std::uint8_t> k1(32, 1), k2(32, 2);
  const auto a = keyed_hash(k1, "eyJhbGciOiJFZERTQSJ9.payload.signature");
  CHECK(a == keyed_hash(k1, "eyJhbGciOiJFZERTQSJ9.payload.signature"));
  CHECK(a != keyed_hash(k2, "eyJhbGciOiJFZERTQSJ9.payload.signature"));
  CHECK(a != keyed_hash(k1, "eyJhbGciOiJFZERTQSJ9.payload.signaturf"));
  CHECK(a != sha256("eyJhbGciOiJFZERTQSJ9.payload.signature"));
  // BLAKE2b takes keys of 16 to 64 bytes.
  CHECK_NOTHROW((void)keyed_hash(std::vector<std::uint8_t>(16, 7), ""));
  CHECK_THROWS_AS((void)keyed_hash(std::vector<std::uint8_t>(8, 7), "x"), segs::exception);
  CHECK_THROWS_AS((void)keyed_hash(std::vector<std::uint8_t>(65, 7), "x"), segs::exception);
}

TEST_CASE("constant_time_equal compares contents and lengths") {
  const std::vector<std::uint8_t> a{1, 2, 3, 4};
  std::vector<std::uint8_t> b = a;
  CHECK(constant_time_equal(a, b));
  b.back() = 5;
  CHECK_FALSE(constant_time_equal(a, b));
  b = a;
  b.front() = 0;
  CHECK_FALSE(constant_time_equal(a, b));
  // A prefix is not equal.
  const std::vector<std::uint8_t> prefix{1, 2, 3};
  CHECK_FALSE(constant_time_equal(a, prefix));
  CHECK_FALSE(constant_time_equal(prefix, a));
  CHECK(constant_time_equal(std::vector<std::uint8_t>{}, std::vector<std::uint8_t>{}));
  CHECK_FALSE(constant_time_equal(std::vector<std::uint8_t>{}, a));
  CHECK(constant_time_equal(std::string_view("secret"), std::string_view("secret")));
  CHECK_FALSE(constant_time_equal(std::string_view("secret"), std::string_view("secreT")));
  CHECK_FALSE(constant_time_equal(std::string_view("secret"), std::string_view("secrets")));
}

TEST_CASE("random_bytes and random_token") {
  CHECK(random_bytes(0).empty());
  CHECK(random_bytes(32).size() == 32);
  CHECK(random_bytes(32) != random_bytes(32));

  const auto t = random_token();
  CHECK(t.size() == 43);  // 256 bits, unpadded
  const auto raw = base64url_decode(t);
  REQUIRE(raw);
  CHECK(raw->size() == 32);
  CHECK(random_token(12).size() == 16);

  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(random_token());
  CHECK(seen.size() == 200);
}

TEST_CASE("random_digits gives zero-padded, uniformly distributed codes") {
  constexpr int codes = 3000;
  std::array<int, 10> counts{};
  bool leading_zero = false;
  std::set<std::string> distinct;
  for (int i = 0; i < codes; ++i) {
    const auto c = random_digits(6);
    REQUIRE(c.size() == 6);
    for (char ch : c) {
      REQUIRE(ch >= '0');
      REQUIRE(ch <= '9');
      ++counts[static_cast<std::size_t>(ch - '0')];
    }
    if (c.front() == '0') leading_zero = true;
    distinct.insert(c);
  }
  // P(no code starts with 0) = 0.9^3000, i.e. never.
  CHECK(leading_zero);
  // 18000 digits: 1800 expected per value, sd about 40; 250 is > 6 sd.
  for (int n : counts) {
    CHECK(n > 1550);
    CHECK(n < 2050);
  }
  // 3000 draws from 10^6: a handful of collisions at most.
  CHECK(distinct.size() > codes - 20);
  CHECK(random_digits(1).size() == 1);
  CHECK(random_digits(0).empty());
}

TEST_CASE("password hashing with argon2id") {
  const password_hasher h(crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN);
  const auto hash = h.hash("correct horse battery staple");
  CHECK(hash.rfind("$argon2id$", 0) == 0);

  SUBCASE("verify accepts the password and nothing else") {
    CHECK(h.verify(hash, "correct horse battery staple"));
    CHECK_FALSE(h.verify(hash, "correct horse battery stapl"));
    CHECK_FALSE(h.verify(hash, "Correct horse battery staple"));
    CHECK_FALSE(h.verify(hash, ""));
  }
  SUBCASE("each hash has its own salt") {
    const auto again = h.hash("correct horse battery staple");
    CHECK(again != hash);
    CHECK(h.verify(again, "correct horse battery staple"));
  }
  SUBCASE("malformed hashes never verify") {
    CHECK_FALSE(h.verify("", "x"));
    CHECK_FALSE(h.verify("not a hash", "not a hash"));
    CHECK_FALSE(h.verify(hash.substr(0, hash.size() - 4), "correct horse battery staple"));
    CHECK_FALSE(h.verify(std::string(200, 'a'), "x"));
  }
  SUBCASE("passwords may contain any bytes") {
    const std::string odd("p\0w\xff", 4);
    const auto oh = h.hash(odd);
    CHECK(h.verify(oh, odd));
    CHECK_FALSE(h.verify(oh, "p"));
  }
  SUBCASE("needs_rehash follows the costs and the algorithm") {
    CHECK_FALSE(h.needs_rehash(hash));
    const password_hasher stronger(crypto_pwhash_argon2id_OPSLIMIT_MIN + 1,
                                   crypto_pwhash_argon2id_MEMLIMIT_MIN);
    CHECK(stronger.needs_rehash(hash));
    CHECK_FALSE(stronger.needs_rehash(stronger.hash("pw")));
    const password_hasher bigger(crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                 crypto_pwhash_argon2id_MEMLIMIT_MIN * 2);
    CHECK(bigger.needs_rehash(hash));
    CHECK(h.needs_rehash("garbage"));
    CHECK(h.needs_rehash(""));

    // A legacy argon2i hash still verifies but must be upgraded.
    char legacy[crypto_pwhash_STRBYTES];
    REQUIRE(crypto_pwhash_str_alg(legacy, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                  crypto_pwhash_argon2i_MEMLIMIT_MIN,
                                  crypto_pwhash_ALG_ARGON2I13) == 0);
    CHECK(h.verify(legacy, "pw"));
    CHECK(h.needs_rehash(legacy));
  }
  SUBCASE("free functions agree with the class") {
    CHECK(verify_password(hash, "correct horse battery staple"));
    CHECK_FALSE(password_needs_rehash(hash, crypto_pwhash_argon2id_OPSLIMIT_MIN,
                                      crypto_pwhash_argon2id_MEMLIMIT_MIN));
  }
  SUBCASE("burn_equivalent_work runs without side effects") {
    h.burn_equivalent_work("whatever");
    h.burn_equivalent_work("");
    CHECK(h.verify(hash, "correct horse battery staple"));
  }
}

TEST_CASE("password_hasher refuses costs libsodium cannot honour") {
  CHECK_THROWS_AS(password_hasher(0, crypto_pwhash_argon2id_MEMLIMIT_MIN), segs::exception);
  CHECK_THROWS_AS(password_hasher(1, crypto_pwhash_argon2id_MEMLIMIT_MIN - 1), segs::exception);
  try {
    password_hasher bad(0, crypto_pwhash_argon2id_MEMLIMIT_MIN);
    FAIL("expected an exception");
  } catch (const segs::exception& e) {
    CHECK(e.code() == segs::errc::validation_error);
    CHECK(e.err().field == "argon2_opslimit");
  }
}

// RFC 7515 appendix A.1: HMAC SHA-256, with the JWK "k" of A.1.1.
TEST_CASE("HS256 reproduces RFC 7515 appendix A.1") {
  const auto k = b64(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  CHECK(k.size() == 64);
  const jws_key key(jws_algorithm::hs256, k);
  CHECK(key.algorithm() == jws_algorithm::hs256);
  CHECK(key.public_key().empty());

  const std::string header = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
  const std::string payload =
      "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const std::string signature = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  // The segments decode to the RFC's JSON, CRLFs included.
  const auto h = b64(header);
  CHECK(std::string(h.begin(), h.end()) == "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");

  CHECK(sign_compact(key, header, payload) == header + "." + payload + "." + signature);
  const auto input = header + "." + payload;
  CHECK(verify_signature(key, input, b64(signature)));

  auto flipped = b64(signature);
  flipped[5] ^= 0x01;
  CHECK_FALSE(verify_signature(key, input, flipped));
  CHECK_FALSE(verify_signature(key, input + " ", b64(signature)));
  auto truncated = b64(signature);
  truncated.pop_back();
  CHECK_FALSE(verify_signature(key, input, truncated));
  CHECK_FALSE(verify_signature(key, input, {}));
}

// RFC 8037 appendix A.1 (the key), A.2 (the public key) and A.4 (the signature).
TEST_CASE("EdDSA reproduces RFC 8037 appendix A.4") {
  const auto d = b64("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A");
  const jws_key key(jws_algorithm::eddsa, d);
  CHECK(key.algorithm() == jws_algorithm::eddsa);
  CHECK(base64url_encode(key.public_key()) == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");

  const std::string header = "eyJhbGciOiJFZERTQSJ9";
  const std::string payload = "RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
  const std::string signature =
      "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";

  const auto p = b64(payload);
  CHECK(std::string(p.begin(), p.end()) == "Example of Ed25519 signing");

  // Ed25519 is deterministic, so the exact bytes must match.
  CHECK(sign_compact(key, header, payload) == header + "." + payload + "." + signature);
  const auto input = header + "." + payload;
  CHECK(verify_signature(key, input, b64(signature)));

  auto flipped = b64(signature);
  flipped[0] ^= 0x80;
  CHECK_FALSE(verify_signature(key, input, flipped));
  CHECK_FALSE(verify_signature(key, header + "." + payload + "x", b64(signature)));
  CHECK_FALSE(verify_signature(key, input, std::vector<std::uint8_t>(64, 0)));
  CHECK_FALSE(verify_signature(key, input, {}));

  // Another seed's key does not accept it.
  std::vector<std::uint8_t> other_seed = d;
  other_seed[0] ^= 1;
  const jws_key other(jws_algorithm::eddsa, other_seed);
  CHECK_FALSE(verify_signature(other, input, b64(signature)));
}

TEST_CASE("a key never verifies the other algorithm's signatures") {
  const std::vector<std::uint8_t> secret(32, 0x42);
  const jws_key hs(jws_algorithm::hs256, secret);
  const jws_key ed(jws_algorithm::eddsa, secret);
  const std::string input = "eyJhbGciOiJub25lIn0.e30";
  CHECK(hs.sign(input).size() == 32);
  CHECK(ed.sign(input).size() == 64);
  CHECK(hs.verify(input, hs.sign(input)));
  CHECK(ed.verify(input, ed.sign(input)));
  CHECK_FALSE(hs.verify(input, ed.sign(input)));
  CHECK_FALSE(ed.verify(input, hs.sign(input)));
  // Nor an HMAC keyed with the Ed25519 public key (the classic confusion).
  const jws_key forged(jws_algorithm::hs256, ed.public_key());
  CHECK_FALSE(ed.verify(input, forged.sign(input)));
}

TEST_CASE("jws_key checks key sizes") {
  CHECK_THROWS_AS(jws_key(jws_algorithm::hs256, std::vector<std::uint8_t>(31, 1)),
                  segs::exception);
  CHECK_NOTHROW(jws_key(jws_algorithm::hs256, std::vector<std::uint8_t>(32, 1)));
  CHECK_NOTHROW(jws_key(jws_algorithm::hs256, std::vector<std::uint8_t>(64, 1)));
  CHECK_THROWS_AS(jws_key(jws_algorithm::eddsa, std::vector<std::uint8_t>(31, 1)),
                  segs::exception);
  CHECK_THROWS_AS(jws_key(jws_algorithm::eddsa, std::vector<std::uint8_t>(33, 1)),
                  segs::exception);
  try {
    jws_key k(jws_algorithm::eddsa, std::vector<std::uint8_t>{});
    FAIL("expected an exception");
  } catch (const segs::exception& e) {
    CHECK(e.code() == segs::errc::validation_error);
    CHECK(e.err().field == "signing_key");
  }
  CHECK(to_string(jws_algorithm::hs256) == "HS256");
  CHECK(to_string(jws_algorithm::eddsa) == "EdDSA");
}
