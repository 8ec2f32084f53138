#pragma once

#include <string>
#include <vector>

namespace kumo {

/// One versioned schema change of a service, applied exactly once.
struct migration {
  int version;
  std::string name;
  std::string sql;
};

} // namespace kumo
