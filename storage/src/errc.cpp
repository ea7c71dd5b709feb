#include "prescient/storage/errc.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>

#include <rocksdb/status.h>

#include "db_core.hpp"

namespace prescient::storage {

std::string to_string(storage_errc code) {
  switch (code) {
    case storage_errc::io_error:
      return "io_error";
    case storage_errc::corruption:
      return "corruption";
    case storage_errc::invalid_argument:
      return "invalid_argument";
    case storage_errc::not_found:
      return "not_found";
    case storage_errc::closed:
      return "closed";
  }
  return "unknown";
}

caf::error make_error(storage_errc code, std::string what) {
  return caf::error{static_cast<uint8_t>(code), caf::atom("storage"),
                    caf::make_message(std::move(what))};
}

void add_storage_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(
    caf::atom("storage"),
    [](uint8_t code, caf::atom_value, const caf::message& ctx) {
      auto s = "storage_errc::" + to_string(static_cast<storage_errc>(code));
      if (!ctx.empty())
        s += caf::to_string(ctx);
      return s;
    });
}

namespace detail {

caf::error to_error(const rocksdb::Status& st, std::string_view what) {
  auto code = storage_errc::io_error;
  if (st.IsCorruption())
    code = storage_errc::corruption;
  else if (st.IsNotFound())
    code = storage_errc::not_found;
  else if (st.IsInvalidArgument() || st.IsNotSupported())
    code = storage_errc::invalid_argument;
  return make_error(code, std::string{what} + ": " + st.ToString());
}

} // namespace detail
} // namespace prescient::storage
