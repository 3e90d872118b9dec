// Files in tests: read whole, write whole, a temporary directory removed afterwards.
#pragma once

#include <string>

namespace cpe::testkit {

// The whole file ("" when it cannot be read).
std::string slurp(const std::string& path);
// Writes `text` to `path` (replacing it) with `mode`; false on failure.
bool write_file(const std::string& path, const std::string& text, unsigned mode = 0600);

// A fresh directory under the system's temporary directory ("<prefix>-XXXXXX"), removed with everything in
// it.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "cpe-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }  // "" when it could not be made
    std::string file(const std::string& name) const { return path_ + "/" + name; }
    void write(const std::string& name, const std::string& text) const { write_file(file(name), text); }

  private:
    std::string path_;
};

}  // namespace cpe::testkit
