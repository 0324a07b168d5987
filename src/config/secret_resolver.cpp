#include "config/secret_resolver.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace crm {
namespace {

// Secret files are small; a larger file is most likely the wrong path (a log, a DB).
constexpr size_t kMaxSecretBytes = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string cannot_read(const std::filesystem::path& path, int err) {
  return "cannot read " + path.string() + ": " + std::strerror(err);
}

}  // namespace

std::filesystem::path resolve_credential_path(std::string_view path,
                                              const std::filesystem::path& config_dir,
                                              const EnvLookup& env) {
  std::filesystem::path p{std::string(path)};
  if (p.is_absolute()) return p;
  auto credentials = env("CREDENTIALS_DIRECTORY");
  if (credentials && !credentials->empty())
    return (std::filesystem::path(*credentials) / p).lexically_normal();
  return (config_dir / p).lexically_normal();
}

SecretFile read_secret_file(const std::filesystem::path& path) {
  SecretFile out;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    out.error = cannot_read(path, EISDIR);
    return out;
  }
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    out.error = cannot_read(path, errno);
    return out;
  }
  std::string content;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    content.append(buf, n);
    if (content.size() > kMaxSecretBytes) {
      out.error = path.string() + " is larger than 64 KiB: not a credential file";
      return out;
    }
  }
  if (std::ferror(f.get())) {
    out.error = cannot_read(path, errno != 0 ? errno : EIO);
    return out;
  }
  // `echo secret > file` adds a newline; editors on Windows add "\r\n".
  while (!content.empty() && (content.back() == '\n' || content.back() == '\r')) content.pop_back();
  if (content.empty()) {
    out.error = path.string() + " is empty";
    return out;
  }
  out.secret = Secret(std::move(content));
  return out;
}

}  // namespace crm
