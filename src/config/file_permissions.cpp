#include "config/file_permissions.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>

namespace crm {
namespace {

// The permission bits, or nothing when the file cannot be stat'ed (loading said why).
std::optional<mode_t> mode_of(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return st.st_mode & 07777;
}

}  // namespace

std::vector<std::string> permission_warnings(const Config& config) {
  std::vector<std::string> out;
  if (config.holds_inline_secrets) {
    if (auto mode = mode_of(config.path); mode && (*mode & (S_IRGRP | S_IROTH)))
      out.push_back(fmt::format("{} holds inline secrets and is readable by {} (mode {:04o}): chmod 600 it, "
                                "or give the secrets as ${{ENV}} or *_file",
                                config.path, (*mode & S_IROTH) ? "others" : "its group", *mode));
  }
  std::vector<std::string> seen;
  for (const auto& path : config.secret_files) {
    if (std::find(seen.begin(), seen.end(), path) != seen.end()) continue;
    seen.push_back(path);
    auto mode = mode_of(path);
    if (!mode || !(*mode & (S_IROTH | S_IWGRP | S_IWOTH))) continue;
    out.push_back(fmt::format("secret file {} is {} (mode {:04o}): chmod 600 it", path,
                              (*mode & S_IROTH) ? "readable by others" : "writable by others than its owner", *mode));
  }
  return out;
}

}  // namespace crm
