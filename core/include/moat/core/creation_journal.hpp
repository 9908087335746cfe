// Sandboxes being created right now: one small file per create in progress,
// removed when the create has finished (made, or rolled back). A file whose
// creator no longer runs marks a half-created sandbox: moat was killed
// between the engine's create and the end of the call. `moat gc` removes
// those; every other sandbox a user created stays theirs.
//
// The same file makes a second moat process that asks for a name being
// created a conflict, not a race in the engine.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace moat::core {

struct PendingCreate {
  std::string name;
  std::string runtime;
  pid_t pid = 0;
  std::string start_time;  // of the creating process (/proc/<pid>/stat field 22)
  std::filesystem::path file;
  [[nodiscard]] bool creator_running() const;
};

class CreationJournal {
 public:
  explicit CreationJournal(std::filesystem::path dir);
  // $MOAT_STATE_DIR/creating when set; as root /var/lib/moat/creating;
  // otherwise $XDG_STATE_HOME/moat/creating (or ~/.local/state/moat/creating).
  static std::filesystem::path default_dir();

  // Removes its file when it goes out of scope: the create has finished.
  class Entry {
   public:
    Entry() = default;
    explicit Entry(std::filesystem::path file) : file_(std::move(file)) {}
    ~Entry();
    Entry(Entry&& other) noexcept : file_(std::exchange(other.file_, {})) {}
    Entry& operator=(Entry&&) = delete;
    Entry(const Entry&) = delete;
    Entry& operator=(const Entry&) = delete;
    // The create could not be rolled back (the engine went away): the file
    // stays, so once this process is gone `moat gc` removes what was made.
    void keep() noexcept { file_.clear(); }

   private:
    std::filesystem::path file_;
  };

  // Records that this process creates `name` on `runtime`. Throws
  // moat::Error(MOAT_E_CONFLICT) when a running moat process is creating
  // that name; an entry left by a creator that is gone is taken over. When
  // the journal cannot be written (no permission), creation goes on without
  // it: a warning is logged and the entry does nothing.
  Entry begin(const std::string& name, const std::string& runtime) const;

  // Every entry, with whether its creator still runs.
  [[nodiscard]] std::vector<PendingCreate> entries() const;
  void forget(const PendingCreate& entry) const;
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace moat::core
