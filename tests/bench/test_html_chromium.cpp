// Renders a generated HTML report in headless Chromium (Debian's `chromium`)
// and checks that the charts are really drawn: the serialized DOM holds the
// chart elements with their marks, and a screenshot holds the charts' colours.
// Chromium missing is a FAILURE, not a skip: CI installs it.
#include <moat/bench/report/analysis.hpp>
#include <moat/bench/report/html_writer.hpp>

#include <gtest/gtest.h>

#include "fixtures.hpp"
#include "subprocess.hpp"

#include <fstream>
#include <map>
#include <regex>

#ifdef MOAT_HAVE_LIBPNG
#include <png.h>
#endif

using namespace moat::bench;
using namespace moat::bench::testing;

namespace {

constexpr const char* kInstallHint =
    "chromium is not installed; install it with: apt-get install -y --no-install-recommends chromium";

std::filesystem::path output_dir() { return std::filesystem::path(MOAT_TEST_OUTPUT_DIR); }

std::filesystem::path chromium_or_fail() {
  for (const char* name : {"chromium", "chromium-browser"}) {
    if (auto p = find_in_path(name)) return *p;
  }
  return {};
}

std::vector<std::string> chromium_argv(const std::filesystem::path& chromium, const std::filesystem::path& profile) {
  // Flags from the brief: no sandbox (root in CI), no GPU, and nothing that
  // would reach the network on its own.
  return {chromium.string(),
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--hide-scrollbars",
          "--user-data-dir=" + profile.string()};
}

std::string write_report(const std::filesystem::path& path) {
  HtmlOptions o;
  o.title = "moat benchmark report (chromium test)";
  o.matrix = sample_matrix();
  std::string html = render_html(analyze(synthetic_results(5)), o);
  std::ofstream(path) << html;
  return html;
}

// Each <svg class="moat-chart" ...>...</svg> of the DOM, keyed in order.
std::vector<std::string> chart_elements(const std::string& dom) {
  std::vector<std::string> out;
  const std::string open = "<svg class=\"moat-chart\"";
  for (std::size_t p = dom.find(open); p != std::string::npos; p = dom.find(open, p + 1)) {
    const std::size_t end = dom.find("</svg>", p);
    if (end == std::string::npos) break;
    out.push_back(dom.substr(p, end - p));
  }
  return out;
}

std::size_t count(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
  return n;
}

}  // namespace

TEST(HtmlChromium, ChartsAreInTheRenderedDom) {
  const std::filesystem::path chromium = chromium_or_fail();
  ASSERT_FALSE(chromium.empty()) << kInstallHint;
  TempDir tmp;
  const auto report = output_dir() / "chromium-report.html";
  write_report(report);
  const auto dom_file = tmp.path() / "dom.html";
  const auto err_file = output_dir() / "chromium-dump-dom.stderr";
  std::vector<std::string> argv = chromium_argv(chromium, tmp.path() / "profile");
  argv.push_back("--dump-dom");
  argv.push_back("file://" + report.string());
  const ProcessResult r = run_process(argv, dom_file, err_file, std::chrono::seconds(180));
  ASSERT_FALSE(r.timed_out) << "chromium did not finish; stderr in " << err_file;
  ASSERT_EQ(r.exit_code, 0) << "chromium failed; stderr in " << err_file;

  const std::string dom = read_file(dom_file);
  ASSERT_FALSE(dom.empty()) << "chromium dumped no DOM; stderr in " << err_file;
  const std::vector<std::string> charts = chart_elements(dom);
  // 9 metric bar charts + boot phases + 3 ratio charts.
  ASSERT_EQ(charts.size(), 13u) << dom.substr(0, 2000);
  std::map<std::string, int> kinds;
  for (const std::string& c : charts) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(c, m, std::regex("data-chart=\"([a-z-]+)\""))) << c.substr(0, 200);
    const std::string kind = m[1];
    ++kinds[kind];
    if (kind == "bars") {
      EXPECT_GE(count(c, "<rect class=\"bar"), 2u) << c.substr(0, 300);
      EXPECT_GE(count(c, "<line class=\"whisker\""), 2u);
    } else if (kind == "boot-phases") {
      EXPECT_EQ(count(c, "<rect class=\"segment\""), 12u);
      EXPECT_EQ(count(c, "class=\"total-marker\""), 2u);
    } else if (kind == "ratios") {
      EXPECT_GE(count(c, "<rect class=\"ratio-bar"), 1u);
    }
  }
  EXPECT_EQ(kinds["bars"], 9);
  EXPECT_EQ(kinds["boot-phases"], 1);
  EXPECT_EQ(kinds["ratios"], 3);
  // The matrix table made it through the parser too.
  EXPECT_EQ(count(dom, "<td class=\"verdict "), 9u);
}

#ifdef MOAT_HAVE_LIBPNG
namespace {

struct Image {
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgb;
};

Image read_png(const std::filesystem::path& p) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&img, p.c_str())) throw std::runtime_error(std::string("png: ") + img.message);
  img.format = PNG_FORMAT_RGB;
  Image out;
  out.width = img.width;
  out.height = img.height;
  out.rgb.resize(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, out.rgb.data(), 0, nullptr)) {
    png_image_free(&img);
    throw std::runtime_error(std::string("png: ") + img.message);
  }
  return out;
}

// Pixels within a small distance of `hex` (anti-aliasing and colour management
// shift edges slightly; the interiors of bars match).
std::size_t pixels_near(const Image& im, unsigned hex, int tolerance = 6) {
  const int r = static_cast<int>((hex >> 16) & 0xff), g = static_cast<int>((hex >> 8) & 0xff),
            b = static_cast<int>(hex & 0xff);
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < im.rgb.size(); i += 3) {
    if (std::abs(im.rgb[i] - r) <= tolerance && std::abs(im.rgb[i + 1] - g) <= tolerance &&
        std::abs(im.rgb[i + 2] - b) <= tolerance) {
      ++n;
    }
  }
  return n;
}

}  // namespace
#endif

TEST(HtmlChromium, ScreenshotShowsTheCharts) {
#ifndef MOAT_HAVE_LIBPNG
  FAIL() << "built without libpng: install libpng-dev to check the screenshot";
#else
  const std::filesystem::path chromium = chromium_or_fail();
  ASSERT_FALSE(chromium.empty()) << kInstallHint;
  TempDir tmp;
  const auto report = tmp.path() / "report.html";
  write_report(report);
  const auto shot = output_dir() / "chromium-report.png";
  std::filesystem::remove(shot);
  const auto err_file = output_dir() / "chromium-screenshot.stderr";
  std::vector<std::string> argv = chromium_argv(chromium, tmp.path() / "profile");
  argv.push_back("--window-size=1280,2400");
  argv.push_back("--screenshot=" + shot.string());
  argv.push_back("file://" + report.string());
  const ProcessResult r = run_process(argv, tmp.path() / "stdout", err_file, std::chrono::seconds(180));
  ASSERT_FALSE(r.timed_out) << "chromium did not finish; stderr in " << err_file;
  ASSERT_EQ(r.exit_code, 0) << "chromium failed; stderr in " << err_file;
  ASSERT_TRUE(std::filesystem::exists(shot)) << "no screenshot written; stderr in " << err_file;

  const Image im = read_png(shot);
  EXPECT_EQ(im.width, 1280u);
  EXPECT_EQ(im.height, 2400u);
  // The top 2400 px hold the boot-phase chart, the three ratio charts and the
  // first boot bar charts. Each colour must cover at least about a third of
  // the area it covers in a correct rendering (measured: bar blue 27k px,
  // baseline grey 18k, worse-ratio red 35k, start orange 5.6k, stop teal
  // 2.4k, ready green 0.8k). A blank or unstyled page, or bars painted in
  // the wrong colour, falls far short.
  struct Expect {
    const char* what;
    unsigned hex;
    std::size_t min_pixels;
  };
  const Expect expected[] = {
      {"measured bars (blue)", 0x4e79a7, 9000},    {"baseline bars (grey)", 0x9aa5b1, 6000},
      {"worse ratio bars (red)", 0xe15759, 12000}, {"phase start (orange)", 0xf28e2b, 2000},
      {"phase stop (teal)", 0x76b7b2, 800},        {"phase ready (green)", 0x59a14f, 250},
  };
  for (const Expect& e : expected) {
    const std::size_t n = pixels_near(im, e.hex);
    EXPECT_GE(n, e.min_pixels) << e.what << " (#" << std::hex << e.hex << std::dec << ") covers only " << n
                               << " px; see " << shot;
  }
  // And the page is mostly background, not one flat colour or noise.
  EXPECT_GT(pixels_near(im, 0xffffff, 0), im.rgb.size() / 3 / 4);
#endif
}
