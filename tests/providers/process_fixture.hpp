// Helpers of the process provider's tests (real processes of
// provider_test_app, warm_app.cpp). Time bounds are generous (seconds): the
// machine is shared.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "prescient/providers/process_provider.hpp"

namespace prescient::providers::test {

constexpr time_us seconds = 1'000'000;

/// 4000 millicores, a 300 ms grace.
process_config config();

/// The test app with these options and `steps` warm-up steps; 1000
/// millicores, 10 s time limits.
app_template test_app(std::vector<std::string> args = {}, size_t steps = 0);

/// Polls until `id` is reported (ready or failed), at most 15 s. An
/// instance that a poll for another one found ready counts as reported.
provider_event wait_event(process_provider& p, const std::string& id);

/// Polls until every released child is reaped, at most 15 s.
void wait_reaped(process_provider& p);

/// A process exists and is not a zombie (an orphaned grandchild may wait
/// for a container's init to reap it).
bool alive(int64_t pid);

/// Waits up to 5 s for `pid` to be gone.
bool gone(int64_t pid);

/// No child of this process is left, not even a zombie.
bool no_children();

/// How many file descriptors this process has open.
size_t open_fds();

/// Connects to "127.0.0.1:PORT" and reads the one line the app answers.
std::string fetch(const std::string& endpoint);

/// A loopback port that was free a moment ago.
uint16_t free_port();

/// The grandchild pid in the test app's hello line; 0 without one.
int64_t grandchild_of(const std::string& hello);

} // namespace prescient::providers::test
