#include "sc_main/output_folder.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#include "atleus/platform/yaml_config.hpp"

namespace atleus::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStagingTag = ".atleus-new-";
constexpr const char* kRetiredTag = ".atleus-old-";

[[noreturn]] void bad(const std::string& flag, const fs::path& p, const std::string& why) {
  throw ConfigError("", 0, 0, flag, p.string() + ": " + why);
}

// The PID at the end of a temporary name `.NAME<tag>PID`, or 0.
long pid_suffix(const std::string& name, const char* tag) {
  const auto at = name.rfind(tag);
  if (at == std::string::npos || name.empty() || name[0] != '.') return 0;
  const std::string digits = name.substr(at + std::strlen(tag));
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stol(digits);
}

}  // namespace

bool process_alive(long pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

OutputFolder::OutputFolder(fs::path target, std::string flag, std::vector<std::string> owned)
    : target_(std::move(target)), flag_(std::move(flag)), owned_(std::move(owned)) {
  if (target_.empty()) bad(flag_, target_, "a folder is required");
  target_ = fs::absolute(target_).lexically_normal();
  if (target_.filename().empty()) target_ = target_.parent_path();  // a trailing slash
  if (target_ == target_.root_path()) bad(flag_, target_, "not the root folder");
  std::error_code ec;
  const auto st = fs::symlink_status(target_, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(fs::status(target_, ec)))
      bad(flag_, target_, "exists and is not a folder");
    for (const auto& e : fs::directory_iterator(target_, ec)) {
      const std::string name = e.path().filename().string();
      if (std::find(owned_.begin(), owned_.end(), name) == owned_.end() &&
          !pid_suffix(name, kStagingTag))
        bad(flag_, target_,
            "holds '" + name + "', which is not a run's output; choose a new or empty folder");
    }
    if (ec) bad(flag_, target_, "cannot read: " + ec.message());
  }
  const fs::path parent = target_.parent_path();
  fs::create_directories(parent, ec);
  if (ec || !fs::is_directory(parent)) bad(flag_, parent, "cannot create the folder");
  if (::access(parent.c_str(), W_OK) != 0)
    bad(flag_, parent, std::string("cannot write: ") + std::strerror(errno));
  lock();
  remove_stale();
  const std::string name = target_.filename().string();
  staging_ = parent / ("." + name + kStagingTag + std::to_string(::getpid()));
  fs::remove_all(staging_, ec);
  if (!fs::create_directory(staging_, ec) || ec)
    bad(flag_, staging_, "cannot create: " + ec.message());
}

OutputFolder::~OutputFolder() {
  abandon();
}

void OutputFolder::lock() {
  lock_path_ = target_.parent_path() / ("." + target_.filename().string() + ".atleus-lock");
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = ::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) bad(flag_, lock_path_, std::string("cannot create: ") + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {0};
      const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      const std::string holder = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
      bad(flag_, target_,
          "another atleus-vp process (PID " + holder.substr(0, holder.find('\n')) +
              ") is writing this folder");
    }
    // The holder before us may have removed the file after we opened it: lock the file that
    // is at the path now.
    struct stat a {
    }, b{};
    if (::fstat(fd, &a) == 0 && ::stat(lock_path_.c_str(), &b) == 0 && a.st_ino == b.st_ino &&
        a.st_dev == b.st_dev) {
      const std::string pid = std::to_string(::getpid()) + "\n";
      if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        ::close(fd);
        bad(flag_, lock_path_, std::string("cannot write: ") + std::strerror(errno));
      }
      lock_fd_ = fd;
      return;
    }
    ::close(fd);
  }
  bad(flag_, lock_path_, "cannot take the lock");
}

void OutputFolder::remove_stale() const {
  std::error_code ec;
  for (const fs::path& dir : {target_.parent_path(), target_}) {
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> stale;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      const std::string name = e.path().filename().string();
      for (const char* tag : {kStagingTag, kRetiredTag, ".atleus-tmp-"}) {
        const long pid = pid_suffix(name, tag);
        if (pid && pid != ::getpid() && !process_alive(pid)) stale.push_back(e.path());
      }
      // A lock file no process holds, left by a process that was killed.
      const std::string lock_tag = ".atleus-lock";
      if (dir == target_.parent_path() && e.path() != lock_path_ && name.size() > lock_tag.size() &&
          name[0] == '.' &&
          name.compare(name.size() - lock_tag.size(), lock_tag.size(), lock_tag) == 0) {
        const int fd = ::open(e.path().c_str(), O_RDWR | O_CLOEXEC);
        if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) stale.push_back(e.path());
        if (fd >= 0) ::close(fd);
      }
    }
    for (const auto& p : stale) fs::remove_all(p, ec);
  }
}

void OutputFolder::commit() {
  std::error_code ec;
  if (!fs::exists(target_, ec)) {
    if (::rename(staging_.c_str(), target_.c_str()) == 0) {
      abandon();
      return;
    }
  } else if (::renameat2(AT_FDCWD, staging_.c_str(), AT_FDCWD, target_.c_str(), RENAME_EXCHANGE) ==
             0) {
    // The staging path now holds the previous run's folder.
    abandon();
    return;
  }
  // A mount point, another file system, or no RENAME_EXCHANGE: stage inside the target, then
  // rename file by file and drop the previous run's other files.
  fs::create_directories(target_);
  const fs::path inner_dir = target_ / (kStagingTag + std::to_string(::getpid()));
  fs::remove_all(inner_dir, ec);
  fs::copy(staging_, inner_dir, fs::copy_options::recursive);
  std::vector<std::string> fresh;
  for (const auto& e : fs::directory_iterator(inner_dir)) fresh.push_back(e.path().filename());
  for (const auto& name : owned_)
    if (std::find(fresh.begin(), fresh.end(), name) == fresh.end())
      fs::remove_all(target_ / name, ec);
  for (const auto& name : fresh) {
    if (fs::is_directory(target_ / name, ec)) fs::remove_all(target_ / name, ec);
    fs::rename(inner_dir / name, target_ / name);
  }
  fs::remove_all(inner_dir, ec);
  abandon();
}

void OutputFolder::abandon() noexcept {
  std::error_code ec;
  if (!staging_.empty()) fs::remove_all(staging_, ec);
  staging_.clear();
  if (lock_fd_ >= 0) {
    ::unlink(lock_path_.c_str());
    ::close(lock_fd_);
    lock_fd_ = -1;
  }
}

}  // namespace atleus::cli
