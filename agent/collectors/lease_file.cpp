#include "collectors/lease_file.hpp"

#include <iterator>

#include "collectors/spec.hpp"

namespace cpe::agent {
namespace {

class LeaseFileCollector final : public Collector {
  public:
    LeaseFileCollector(const char* type, std::string file, LeaseParser parse)
        : type_(type), file_(std::move(file)), parse_(parse) {}
    const char* type() const override { return type_; }
    Status collect(SourceReader& source, BoardData& out) override {
        auto data = source.read_file(file_);
        if (!data) return data.error().with_context(type_);
        ParseNotes notes;
        std::vector<Lease> leases = parse_(*data, notes);
        spec::log_notes(type_, file_, notes, spec::Wording::system);
        out.leases.insert(out.leases.end(), std::make_move_iterator(leases.begin()),
                          std::make_move_iterator(leases.end()));
        return {};
    }

  private:
    const char* type_;
    std::string file_;
    LeaseParser parse_;
};

}  // namespace

std::unique_ptr<Collector> make_lease_file_collector(const char* type, std::string file, LeaseParser parse) {
    return std::make_unique<LeaseFileCollector>(type, std::move(file), parse);
}

}  // namespace cpe::agent
