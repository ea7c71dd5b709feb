// How prescientctl shows answers: aligned tables for people, JSON with
// stable keys for scripts.
#pragma once

#include <iosfwd>
#include <vector>

#include <nlohmann/json.hpp>

#include "prescient/client.hpp"

namespace prescient::ctl {

nlohmann::json to_json(const node_status& s);
nlohmann::json to_json(const user_summary& s);
nlohmann::json to_json(const kpis& k);
nlohmann::json to_json(const data_center_forecast& f);
nlohmann::json to_json(const std::vector<anomaly>& a);

void print(std::ostream& out, const node_status& s);
void print(std::ostream& out, const user_summary& s);
void print(std::ostream& out, const kpis& k);
void print(std::ostream& out, const data_center_forecast& f);
void print(std::ostream& out, const std::vector<anomaly>& a);

} // namespace prescient::ctl
