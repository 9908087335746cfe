// Catching the moat::Error a call must throw, so a test can check its status
// and message.
#pragma once

#include <moat/error.hpp>

#include <stdexcept>

namespace moat::test {

// Runs `body` and returns the moat::Error it threw; throws
// std::runtime_error (failing the test) if it did not.
template <typename Body>
moat::Error expect_error(Body&& body) {
  try {
    body();
  } catch (const moat::Error& e) {
    return e;
  }
  throw std::runtime_error("expected a moat::Error, but the call succeeded");
}

}  // namespace moat::test
