// Azure Functions 2019 memory.csv and durations.csv, per app (see azure.hpp).
#include <fstream>
#include <functional>

#include "prescient/traces/azure.hpp"

namespace prescient::traces {

namespace {

/// Reads a per-app or per-function table and folds `value` (the column
/// `column`, weighted by `weight_column` when given) into one figure per app.
/// fold(acc, value, weight, first) returns the new accumulator.
azure_app_values read_values(const std::string& path, const std::string& column,
                             const std::string& weight_column, read_options o,
                             const std::function<void(double&, double&, double, double)>& fold,
                             const std::function<double(double, double)>& finish) {
  std::ifstream in;
  std::vector<std::string> f = detail::open_with_header(in, path);
  std::string line;
  int owner = -1, app = -1, value = -1, weight = -1;
  for (int i = 0; i < static_cast<int>(f.size()); ++i) {
    if (f[i] == "HashOwner") owner = i;
    else if (f[i] == "HashApp") app = i;
    else if (f[i] == column) value = i;
    else if (!weight_column.empty() && f[i] == weight_column) weight = i;
  }
  if (app < 0) throw trace_error(path + ":1: missing column 'HashApp'");
  if (value < 0) throw trace_error(path + ":1: missing column '" + column + "'");
  const std::size_t ncols = f.size();
  azure_app_values out;
  out.keyed_by_owner = owner >= 0;
  std::map<std::pair<std::string, std::string>, std::pair<double, double>> acc;  // (sum, weight)
  std::uint64_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    detail::split_csv(line, f);
    std::string why;
    double v = 0, w = 1;
    if (f.size() != ncols) why = "expected " + std::to_string(ncols) + " fields, found " + std::to_string(f.size());
    else if (f[app].empty()) why = "empty HashApp";
    else if (owner >= 0 && f[owner].empty()) why = "empty HashOwner";
    else if (!detail::parse_double(f[value], v) || v < 0) why = "bad " + column + " '" + f[value] + "'";
    else if (weight >= 0 && (!detail::parse_double(f[weight], w) || w < 0))
      why = "bad " + weight_column + " '" + f[weight] + "'";
    if (!why.empty()) {
      if (!o.skip_bad) throw trace_error(path + ":" + std::to_string(lineno) + ": " + why);
      ++out.skipped;
      continue;
    }
    auto k = std::make_pair(owner >= 0 ? f[owner] : std::string(), f[app]);
    auto [it, fresh] = acc.emplace(k, std::make_pair(v, w));
    if (!fresh) fold(it->second.first, it->second.second, v, w);
  }
  for (auto& [k, a] : acc) out.by_app.emplace(k, finish(a.first, a.second));
  return out;
}

} // namespace

azure_app_values read_azure_memory(const std::string& path, read_options o) {
  // Memory is allocated per app instance: with per-function rows the app
  // needs the largest of its functions'.
  return read_values(
    path, "AverageAllocatedMb", "", o,
    [](double& acc, double&, double v, double) { acc = std::max(acc, v); },
    [](double acc, double) { return acc; });
}

azure_app_values read_azure_durations(const std::string& path, read_options o) {
  // Start from (mean × count) so that functions combine weighted by how often they ran.
  return read_values(
    path, "Average", "Count", o,
    [](double& acc, double& weight, double v, double w) {
      double total = acc * weight + v * w;
      weight += w;
      acc = weight > 0 ? total / weight : v;
    },
    [](double acc, double) { return acc; });
}

const double* find_azure_app_value(const azure_app_values& v, const std::string& owner,
                                   const std::string& app) {
  auto it = v.by_app.find({v.keyed_by_owner ? owner : std::string(), app});
  return it == v.by_app.end() ? nullptr : &it->second;
}

} // namespace prescient::traces
