// Reading a PDF's text back with `pdftotext -layout` (poppler-utils), for the
// billing tests: a missing pdftotext fails under CI=true and skips otherwise.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace segs_test {

/// Whether pdftotext runs.
inline bool have_pdftotext() { return std::system("pdftotext -v >/dev/null 2>&1") == 0; }

/// Whether the checks may run: pdftotext missing fails under CI=true and
/// skips otherwise.
inline bool pdftotext_or_skip() {
  if (have_pdftotext()) return true;
  const char* ci = std::getenv("CI");
  if (ci != nullptr && std::string_view(ci) == "true") {
    FAIL("pdftotext is not installed (poppler-utils; scripts/install-deps.sh), and CI=true");
  }
  MESSAGE("skipped: pdftotext is not installed (poppler-utils)");
  return false;
}

/// A file removed when the test ends.
struct temp_file {
  std::filesystem::path path;
  explicit temp_file(std::string_view stem) {
    static int counter = 0;
    std::string name(stem);
#if defined(__unix__) || defined(__APPLE__)
    name += "-" + std::to_string(::getpid());
#endif
    name += "-" + std::to_string(++counter) + ".pdf";
    path = std::filesystem::temp_directory_path() / name;
  }
  ~temp_file() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  temp_file(const temp_file&) = delete;
  temp_file& operator=(const temp_file&) = delete;
};

/// The document's text as `pdftotext -layout` reads it (pages end in '\f').
inline std::string pdf_text(const std::string& pdf) {
  temp_file f("segs-invoice-test");
  {
    std::ofstream out(f.path, std::ios::binary);
    out.write(pdf.data(), static_cast<std::streamsize>(pdf.size()));
    REQUIRE(out.good());
  }
  const std::string cmd = "pdftotext -layout '" + f.path.string() + "' - 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  const int status = ::pclose(p);
  INFO("pdftotext said: " << text);
  REQUIRE(status == 0);
  return text;
}

/// The text's line holding `needle` (empty when none).
inline std::string line_with(const std::string& text, std::string_view needle) {
  std::size_t at = text.find(needle);
  if (at == std::string::npos) return {};
  const auto begin = text.find_last_of("\n\f", at);
  const auto end = text.find_first_of("\n\f", at);
  const auto from = begin == std::string::npos ? 0 : begin + 1;
  return text.substr(from, (end == std::string::npos ? text.size() : end) - from);
}

}  // namespace segs_test
