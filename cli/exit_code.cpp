#include "exit_code.hpp"

namespace moat::cli {

ExitCode exit_code_for(moat_status status) noexcept {
  switch (status) {
    case MOAT_OK:
      return ExitCode::ok;
    case MOAT_E_UNSUPPORTED:  // the runtime cannot do it: for the caller, that feature is unavailable
    case MOAT_E_UNAVAILABLE:
      return ExitCode::unavailable;
    case MOAT_E_INVALID:  // command-line syntax is 64 before anything runs; this is rejected data
      return ExitCode::data_error;
    case MOAT_E_NOT_FOUND:
      return ExitCode::no_input;
    case MOAT_E_TIMEOUT:
      return ExitCode::temp_fail;
    case MOAT_E_CONFLICT:
    case MOAT_E_FAILED:
      return ExitCode::failed;
    case MOAT_E_INTERNAL:
      return ExitCode::internal;
  }
  return ExitCode::internal;
}

}  // namespace moat::cli
