// Encoding of a batch of events as one write-ahead log record: a packed
// Cap'n Proto EventBatch, the same schema the gateway receives, so the log
// needs no format of its own and old records stay readable as it evolves.
#pragma once

#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "prescient/actors/messages.hpp"

namespace prescient {

std::string encode_batch(const event_batch& events);

/// Fails with storage_errc::corruption on bytes that are not a record.
caf::expected<event_batch> decode_batch(std::string_view record);

} // namespace prescient
