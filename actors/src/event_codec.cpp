#include "event_codec.hpp"

#include <capnp/message.h>
#include <capnp/serialize-packed.h>
#include <kj/io.h>

#include "prescient/schema/event.capnp.h"
#include "prescient/storage/errc.hpp"
#include "prescient/wire/convert.hpp"

namespace prescient {

std::string encode_batch(const event_batch& events) {
  capnp::MallocMessageBuilder msg;
  auto list = msg.initRoot<schema::EventBatch>().initEvents(
    static_cast<unsigned>(events.size()));
  for (unsigned i = 0; i < events.size(); ++i)
    wire::to_capnp(events[i], list[i]);
  kj::VectorOutputStream out;
  capnp::writePackedMessage(out, msg);
  auto bytes = out.getArray();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

caf::expected<event_batch> decode_batch(std::string_view record) {
  event_batch out;
  KJ_IF_MAYBE (err, kj::runCatchingExceptions([&] {
                 kj::ArrayInputStream in(kj::arrayPtr(
                   reinterpret_cast<const kj::byte*>(record.data()),
                   record.size()));
                 capnp::PackedMessageReader reader(in);
                 auto list = reader.getRoot<schema::EventBatch>().getEvents();
                 out.reserve(list.size());
                 for (auto e : list)
                   out.push_back(wire::from_capnp(e));
               })) {
    return storage::make_error(storage::storage_errc::corruption,
                               "unreadable log record: "
                                 + std::string(err->getDescription().cStr()));
  }
  return out;
}

} // namespace prescient
