// Fixture: the SDK reaching up into core, which the layer check refuses.
#include <moat/core/host.hpp>
#include <moat/fine.hpp>
