// In-process tests of the CLI's parts: command lookup, tables, exit codes,
// search paths.
#include "command_finder.hpp"
#include "commands/create_flags.hpp"
#include "commands/registry.hpp"
#include "exit_code.hpp"
#include "global_options.hpp"
#include "help.hpp"
#include "paths.hpp"
#include "table.hpp"
#include "usage_error.hpp"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

namespace {

namespace fs = std::filesystem;
using namespace moat::cli;

std::vector<std::string> words(const CommandMatch& m) { return m.words; }

TEST(CommandTable, PathsAreUniqueAndEveryCommandIsComplete) {
  const CommandTable table = all_commands();
  std::set<std::vector<std::string>> seen;
  for (const auto& c : table) {
    EXPECT_FALSE(c.path.empty());
    EXPECT_TRUE(seen.insert(c.path).second) << "duplicate command " << c.name();
    EXPECT_FALSE(c.summary.empty()) << c.name();
    EXPECT_TRUE(static_cast<bool>(c.run)) << c.name();
    for (std::size_t i = 0; i + 1 < c.positionals.size(); ++i)
      EXPECT_FALSE(c.positionals[i].repeatable) << c.name() << ": only the last positional may repeat";
  }
}

TEST(CommandFinder, MatchesMultiWordCommandsAndSkipsGlobalOptionValues) {
  const CommandTable table = all_commands();
  auto m = find_command(table, {"--config", "plugins", "plugins", "list", "-o", "json"});
  ASSERT_NE(m.command, nullptr);
  EXPECT_EQ(m.command->name(), "plugins list");
  EXPECT_EQ(m.word_index, (std::vector<std::size_t>{2, 3}));

  m = find_command(table, {"-qo", "version", "plugins", "info", "list"});  // "list" is the ID here
  ASSERT_NE(m.command, nullptr);
  EXPECT_EQ(m.command->name(), "plugins info");

  m = find_command(table, {"--log-level=debug", "version"});
  ASSERT_NE(m.command, nullptr);
  EXPECT_EQ(m.command->name(), "version");
}

TEST(CommandFinder, ReportsGroupsAndUnknownWords) {
  const CommandTable table = all_commands();
  auto m = find_command(table, {"plugins"});
  EXPECT_EQ(m.command, nullptr);
  EXPECT_EQ(words(m), std::vector<std::string>{"plugins"});
  EXPECT_TRUE(m.unmatched.empty());

  m = find_command(table, {"plugins", "frobnicate"});
  EXPECT_EQ(m.command, nullptr);
  EXPECT_EQ(m.unmatched, "frobnicate");

  m = find_command(table, {"bogus", "list"});
  EXPECT_EQ(m.command, nullptr);
  EXPECT_TRUE(m.words.empty());
  EXPECT_EQ(m.unmatched, "bogus");

  // Words after "--" are never commands.
  m = find_command(table, {"--", "version"});
  EXPECT_EQ(m.command, nullptr);
  EXPECT_TRUE(m.unmatched.empty());
}

TEST(GlobalOptions, KnowsWhichTakeAValue) {
  EXPECT_TRUE(global_option_takes_value("--config"));
  EXPECT_TRUE(global_option_takes_value("-o"));
  EXPECT_TRUE(global_option_takes_value("-qo"));
  EXPECT_FALSE(global_option_takes_value("-ojson"));
  EXPECT_FALSE(global_option_takes_value("--quiet"));
  EXPECT_FALSE(global_option_takes_value("-q"));
}

TEST(Help, UsageLinesShowPositionals) {
  const CommandTable table = all_commands();
  for (const auto& c : table) {
    if (c.name() == "plugins info") {
      EXPECT_EQ(usage_line(c), "moat plugins info ID");
    } else if (c.name() == "plugins check") {
      EXPECT_EQ(usage_line(c), "moat plugins check [FILE...]");
    } else if (c.name() == "help") {
      EXPECT_EQ(usage_line(c), "moat help [OPTIONS] [COMMAND...]");
    }
  }
  const std::string top = top_level_help(table);
  for (const auto& c : table) EXPECT_NE(top.find("  " + c.name()), std::string::npos) << c.name();
}

TEST(Table, AlignsColumnsWithoutTrailingSpaces) {
  Table t({"ID", "STATUS", "REASON"});
  t.add_row({"gvisor", "ok", ""});
  t.add_row({"a", "crashed", "segfault"});
  std::ostringstream s;
  t.render(s, false);
  EXPECT_EQ(s.str(),
            "ID      STATUS   REASON\n"
            "gvisor  ok\n"
            "a       crashed  segfault\n");
}

TEST(Table, ColoursOnlyWhenAsked) {
  Table t({"A"});
  t.add_row({Cell("ok", Style::good)});
  std::ostringstream plain, coloured;
  t.render(plain, false);
  t.render(coloured, true);
  EXPECT_EQ(plain.str().find('\x1b'), std::string::npos);
  EXPECT_NE(coloured.str().find("\x1b[32mok\x1b[0m"), std::string::npos);
}

TEST(Table, NeutralisesControlCharactersFromPlugins) {
  Table t;
  t.add_row({"x", "evil\x1b]0;title\x07\nnext"});
  std::ostringstream s;
  t.render(s, false);
  EXPECT_EQ(s.str(), "x  evil ]0;title  next\n");
}

TEST(Table, WidthCountsCodePoints) {
  EXPECT_EQ(display_width("héllo"), 5U);
  Table t;
  t.add_row({"é", "x"});
  t.add_row({"ab", "y"});
  std::ostringstream s;
  t.render(s, false);
  EXPECT_EQ(s.str(), "é   x\nab  y\n");
}

TEST(ExitCodes, OneMappingFromStatuses) {
  EXPECT_EQ(exit_code_for(MOAT_OK), ExitCode::ok);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_UNAVAILABLE)), 69);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_UNSUPPORTED)), 69);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_INVALID)), 65);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_NOT_FOUND)), 66);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_CONFLICT)), 1);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_FAILED)), 1);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_TIMEOUT)), 75);
  EXPECT_EQ(to_int(exit_code_for(MOAT_E_INTERNAL)), 70);
  // Not a named status, but inside the enum's range (0..15): 99 would be undefined behaviour (UBSan).
  EXPECT_EQ(to_int(exit_code_for(static_cast<moat_status>(15))), 70);
}

TEST(Paths, SearchOrderAndDeduplication) {
  const auto dirs = plugin_search_dirs({"/cli/a", "/cli/b/"}, "/env/x::/cli/a:/env/y", {"/cfg", "/env/x"}, "/builtin");
  EXPECT_EQ(dirs, (std::vector<fs::path>{"/cli/a", "/cli/b", "/env/x", "/env/y", "/cfg", "/builtin"}));
  const auto rel = plugin_search_dirs({"rel"}, nullptr, {}, "/builtin");
  ASSERT_EQ(rel.size(), 2U);
  EXPECT_EQ(rel[0], fs::current_path() / "rel");
}

TEST(Paths, LibDirIsNextToTheExecutable) {
  EXPECT_EQ(builtin_plugin_dir("/nowhere/bin"), fs::path("/nowhere/lib/moat/plugins"));
  EXPECT_EQ(examiner_path("/nowhere/bin"), fs::path("/nowhere/lib/moat/moat-plugin-examiner"));
}

TEST(Paths, CacheFileFollowsXdg) {
  EXPECT_EQ(plugin_cache_file("/c", "/h"), fs::path("/c/moat/plugin-cache.json"));
  EXPECT_EQ(plugin_cache_file(nullptr, "/h"), fs::path("/h/.cache/moat/plugin-cache.json"));
  EXPECT_EQ(plugin_cache_file("rel", "/h"), fs::path("/h/.cache/moat/plugin-cache.json"));
  EXPECT_FALSE(plugin_cache_file(nullptr, nullptr).has_value());
}

}  // namespace

// ---- sandbox create's docker-run-style values -----------------------------------

TEST(CreateFlags, MemorySizesAsDockerRunReadsThem) {
  using moat::cli::commands::parse_memory_size;
  EXPECT_EQ(parse_memory_size("268435456", "--memory", ""), 268435456);
  EXPECT_EQ(parse_memory_size("512m", "--memory", ""), 512LL << 20);
  EXPECT_EQ(parse_memory_size("512MiB", "--memory", ""), 512LL << 20);
  EXPECT_EQ(parse_memory_size("1.5g", "--memory", ""), 3LL << 29);
  EXPECT_EQ(parse_memory_size("64k", "--memory", ""), 64LL << 10);
  for (const char* bad : {"", "m", "-1m", "1x", "1.2.3g", "12 mb extra"})
    EXPECT_THROW(parse_memory_size(bad, "--memory", ""), moat::cli::UsageError) << bad;
}

TEST(CreateFlags, PublishAsDockerRunReadsIt) {
  using moat::cli::commands::parse_publish;
  auto p = parse_publish("8080", "");
  EXPECT_EQ(p.container_port, 8080);
  EXPECT_EQ(p.host_port, 0) << "no host port: the engine picks one";
  EXPECT_EQ(p.host_ip, "");
  EXPECT_EQ(p.protocol, "tcp");
  p = parse_publish("80:8080/udp", "");
  EXPECT_EQ(p.host_port, 80);
  EXPECT_EQ(p.container_port, 8080);
  EXPECT_EQ(p.protocol, "udp");
  p = parse_publish("127.0.0.1::8080", "");
  EXPECT_EQ(p.host_ip, "127.0.0.1");
  EXPECT_EQ(p.host_port, 0);
  p = parse_publish("[::1]:80:8080", "");
  EXPECT_EQ(p.host_ip, "::1");
  EXPECT_EQ(p.host_port, 80);
  EXPECT_EQ(p.container_port, 8080);
  for (const char* bad : {"", "0", "70000", "a:b:c:d", "8000-8010", "80:", "[::1]8080", "x"})
    EXPECT_THROW(parse_publish(bad, ""), moat::cli::UsageError) << bad;
}

TEST(CreateFlags, CpusAndCounts) {
  using moat::cli::commands::parse_count;
  using moat::cli::commands::parse_cpus;
  EXPECT_EQ(parse_cpus("1.5", ""), 1.5);
  EXPECT_EQ(parse_cpus(".5", ""), 0.5);
  EXPECT_EQ(parse_count("100", "--pids-limit", ""), 100);
  for (const char* bad : {"", "-1", "1,5", "one"}) EXPECT_THROW(parse_cpus(bad, ""), moat::cli::UsageError) << bad;
  for (const char* bad : {"", "-1", "1.5"})
    EXPECT_THROW(parse_count(bad, "--pids-limit", ""), moat::cli::UsageError) << bad;
}
