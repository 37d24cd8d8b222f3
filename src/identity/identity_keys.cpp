// API keys of machine clients: creating (the secret shown once), listing, revoking.
#include "identity/identity_impl.hpp"

namespace segs {

using namespace identity_internal;

result<created_api_key> identity_service::create_api_key(const principal& who,
                                                         const api_key_spec& spec,
                                                         const request_context& ctx) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    if (rules::trim(spec.name).empty() || spec.name.size() > 100)
      fail(errc::validation_error, "name must be 1 to 100 characters", "name");
    if (spec.scopes.empty()) fail(errc::validation_error, "scopes must not be empty", "scopes");
    const auto& cat = permission::catalogue();
    for (const auto& s : spec.scopes) {
      if (std::find(cat.begin(), cat.end(), s) == cat.end())
        fail(errc::validation_error, "scopes: unknown scope '" + s + "'", "scopes");
      if (!who.can(s)) fail(errc::forbidden, "you cannot grant '" + s + "' which you do not hold");
    }
    if (spec.region) rules::check_region(*spec.region);
    if (spec.meter_ids.size() > 10000)
      fail(errc::validation_error, "meter_ids holds more than 10000 entries", "meter_ids");
    for (const auto& m : spec.meter_ids)
      if (m.empty() || m.size() > 64)
        fail(errc::validation_error, "meter_ids entries must be 1 to 64 characters", "meter_ids");
    if (spec.expires_at && *spec.expires_at <= impl_->core.now())
      fail(errc::validation_error, "expires_at must be in the future", "expires_at");

    created_api_key out;
    auto& k = out.info;
    k.id = impl_->core.new_id();
    k.name = rules::trim(spec.name);
    // 96 random bits of public prefix (for lookup) and 256 of secret.
    k.prefix = crypto::random_token(12);
    std::replace(k.prefix.begin(), k.prefix.end(), '.', '_');
    k.scopes = spec.scopes;
    k.region = spec.region;
    k.meter_ids = spec.meter_ids;
    k.created_by = who.id;
    k.created_at = impl_->core.now();
    k.expires_at = spec.expires_at;
    const std::string secret = crypto::random_token(32);
    out.secret = "segs_" + k.prefix + "." + secret;
    detail::outgoing events;
    impl_->core.write([&](transaction& tx) {
      events.clear();
      if (k.region) k.region = region_of_registration(tx, impl_->core, *k.region);
      store::insert_api_key(tx, k, to_blob(crypto::sha256(secret)));
      audit_append(impl_->core, tx, actor::of(who), ctx,
                   {"api_key.create", k.id.to_string(), "success",
                    detail::audit_details({{"name", k.name}, {"scopes", storage::to_json_array(k.scopes)}})});
      // The account that made it hears of it (a security notification).
      if (who.type == principal::kind::user && impl_->core.wants("identity.api_key_created")) {
        events.add(who.region, identity_event{identity_event::kind::api_key_created, who.id, who.region, k.name,
                                              k.id, k.created_at});
        impl_->core.tell(tx, events);
      }
    });
    impl_->core.publish(std::move(events));
    return out;
  });
}

result<std::vector<api_key_info>> identity_service::list_api_keys(const principal& who) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    return impl_->core.read([&](transaction& tx) { return store::list_api_keys(tx); });
  });
}

result<void> identity_service::revoke_api_key(const principal& who, const uuid& id,
                                              const request_context& ctx) {
  return guard([&] {
    require(who, permission::api_keys_manage);
    impl_->core.write([&](transaction& tx) {
      if (!store::revoke_api_key(tx, id, impl_->core.now()))
        fail(errc::not_found, "no active API key with this id", "id");
      audit_append(impl_->core, tx, actor::of(who), ctx, {"api_key.revoke", id.to_string()});
    });
  });
}

}  // namespace segs
