// The identity service's lifetime; its calls are in the identity_*.cpp files
// beside this one (identity_impl.hpp lists them).
#include "identity/identity_impl.hpp"

namespace segs {

identity_service::identity_service(detail::grid_core& core)
    : impl_(std::make_unique<impl>(core)) {}
identity_service::~identity_service() = default;

}  // namespace segs
