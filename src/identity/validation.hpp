// Input rules of identity & access. Each check throws a validation_error that
// names the offending field, before anything is written.
#pragma once

#include <segs/options.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace segs::identity_rules {

/// Trimmed, lower-cased email: the key accounts are found by.
std::string email_key(std::string_view email);
/// Lower-cased username key.
std::string username_key(std::string_view username);
/// Trims surrounding ASCII white space.
std::string trim(std::string_view s);

void check_email(std::string_view email, std::string_view field = "email");
void check_username(std::string_view username, std::string_view field = "username");
void check_name(std::string_view name, std::string_view field = "name");
/// An optional given or family name: at most 100 characters (code points)
/// after trimming, no control characters.
void check_person_name(std::string_view name, std::string_view field);
/// The stored form of an optional person name: trimmed, nullopt when empty.
std::optional<std::string> person_name(const std::optional<std::string>& name);
void check_region(std::string_view region, std::string_view field = "region");
void check_department(std::string_view department, std::string_view field = "department");
void check_department_metadata(std::string_view json, std::string_view field = "department_metadata");
/// A Solana address: base58, 32 to 44 characters.
void check_wallet_address(std::string_view address, std::string_view field = "wallet_address");
void check_otp_format(std::string_view code, std::string_view field = "otp");
/// Length bounds, not the email or username, not a common password.
void check_password_strength(std::string_view password, std::string_view email,
                             std::string_view username, const identity_options& o,
                             std::string_view field = "password");

}  // namespace segs::identity_rules
