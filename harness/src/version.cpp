#include "websec/version.hpp"

namespace websec {
static_assert(version.size() > 0);
}  // namespace websec
