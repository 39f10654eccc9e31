// An output folder that one process writes at a time and that is replaced as a whole.
//
// The new files are staged in a folder beside the target (same file system, so moving it in
// is a rename) and swapped with the old folder in one step (renameat2 RENAME_EXCHANGE), so a
// reader sees either the previous run's complete file set or the new one, never a mix. Where
// the target is a mount point or the swap is not supported, the staged files are copied into
// a staging folder inside the target and renamed into place one by one, and the previous
// run's other files are removed: the set is then complete and fresh, though not replaced in
// one step.
//
// A lock file beside the target (`.NAME.atleus-lock`, holding the owner's PID, removed when the
// owner finishes) makes a second process writing the same folder fail at once. Staging
// folders of processes that no longer exist (killed with SIGKILL) are removed by the next
// process that writes beside them.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace atleus::cli {

class OutputFolder {
 public:
  // `target`: the folder to write; `flag`: how the user named it (for messages, e.g.
  // "--out"); `owned`: the names a run may leave in it. A target that exists and is not a
  // folder, or holds other files than `owned` ones, is a ConfigError (exit 2), as is a target
  // another process is writing.
  OutputFolder(std::filesystem::path target, std::string flag, std::vector<std::string> owned);
  ~OutputFolder();  // removes the staging folder unless committed, and releases the lock
  OutputFolder(const OutputFolder&) = delete;
  OutputFolder& operator=(const OutputFolder&) = delete;

  // Where to write the new files (an empty folder).
  const std::filesystem::path& staging() const { return staging_; }
  // Makes the staging folder's contents the target's. The staging folder must hold only
  // `owned` names.
  void commit();
  // Removes the staging folder and the lock now (a signal handler's path).
  void abandon() noexcept;

 private:
  void lock();
  void remove_stale() const;

  std::filesystem::path target_, staging_, lock_path_;
  std::string flag_;
  std::vector<std::string> owned_;
  int lock_fd_ = -1;
};

// True when a process with this PID exists (signals can be sent to it or it is not ours).
bool process_alive(long pid);

}  // namespace atleus::cli
