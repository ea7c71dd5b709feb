#include "prescient/storage/write_batch.hpp"

#include "db_core.hpp"

namespace prescient::storage {

write_batch::write_batch() : impl_(std::make_unique<impl>()) {
  // nop
}

write_batch::~write_batch() = default;

write_batch::write_batch(write_batch&&) noexcept = default;

write_batch& write_batch::operator=(write_batch&&) noexcept = default;

size_t write_batch::count() const {
  return impl_->batch.Count();
}

size_t write_batch::bytes() const {
  return impl_->batch.GetDataSize();
}

void write_batch::clear() {
  impl_->batch.Clear();
}

} // namespace prescient::storage
