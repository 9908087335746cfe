#include "test_images.hpp"

#include "engine_objects.hpp"

#include <moat/core/image_builder.hpp>

#include <iostream>
#include <mutex>
#include <string>

namespace moat::test {

void ensure_base_image() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (client().inspect_image(kBaseImage)) return;
    moat::core::ImageBuilderOptions o;
    o.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    moat::core::ImageBuilder(client(), o).prepare("base");
  });
}

}  // namespace moat::test
