#include "kumo/metrics.hpp"

#include <chrono>
#include <dirent.h>
#include <fstream>
#include <prometheus/text_serializer.h>
#include <sstream>
#include <unistd.h>

namespace kumo {

namespace {

prometheus::MetricFamily family(std::string name, std::string help,
                                prometheus::MetricType type, double value) {
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = value;
  else
    m.gauge.value = value;
  return {std::move(name), std::move(help), type, {m}};
}

/// Reads /proc/self on every scrape; nothing is sampled in the background.
class process_collector : public prometheus::Collectable {
public:
  process_collector(std::string service, std::string version)
      : service_(std::move(service)), version_(std::move(version)) {
    start_ = std::chrono::duration<double>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    using prometheus::MetricType;
    std::vector<prometheus::MetricFamily> out;
    double cpu = 0;
    double rss = 0;
    read_stat(cpu, rss);
    out.push_back(family("kumo_process_cpu_seconds_total",
                         "User and system CPU time spent.", MetricType::Counter,
                         cpu));
    out.push_back(family("kumo_process_resident_memory_bytes",
                         "Resident memory size.", MetricType::Gauge, rss));
    out.push_back(family("kumo_process_open_fds", "Open file descriptors.",
                         MetricType::Gauge, open_fds()));
    out.push_back(family("kumo_process_start_time_seconds",
                         "Start time since the Unix epoch.", MetricType::Gauge,
                         start_));
    auto info = family("kumo_build_info", "Service name and version.",
                       MetricType::Gauge, 1);
    info.metric[0].label = {{"service", service_}, {"version", version_}};
    out.push_back(std::move(info));
    return out;
  }

private:
  static void read_stat(double& cpu, double& rss) {
    std::ifstream in{"/proc/self/stat"};
    std::string line;
    std::getline(in, line);
    auto close = line.rfind(')');
    if (close == std::string::npos)
      return;
    std::istringstream rest{line.substr(close + 2)};
    std::string field;
    // Fields after the command name start at index 3 (state).
    unsigned long long utime = 0, stime = 0, rss_pages = 0;
    for (int i = 3; rest >> field; ++i) {
      if (i == 14)
        utime = std::stoull(field);
      else if (i == 15)
        stime = std::stoull(field);
      else if (i == 24) {
        rss_pages = std::stoull(field);
        break;
      }
    }
    auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    cpu = static_cast<double>(utime + stime) / ticks;
    rss = static_cast<double>(rss_pages) * static_cast<double>(getpagesize());
  }

  static double open_fds() {
    double n = 0;
    if (auto* dir = opendir("/proc/self/fd")) {
      while (readdir(dir) != nullptr)
        ++n;
      closedir(dir);
      n -= 3; // ".", ".." and the directory's own descriptor
    }
    return n;
  }

  std::string service_;
  std::string version_;
  double start_ = 0;
};

} // namespace

metrics::metrics(std::string service, std::string version)
    : registry_(std::make_shared<prometheus::Registry>()),
      process_(std::make_shared<process_collector>(std::move(service),
                                                   std::move(version))) {
  // nop
}

std::string metrics::serialize() const {
  auto families = registry_->Collect();
  auto process = process_->Collect();
  families.insert(families.end(), process.begin(), process.end());
  return prometheus::TextSerializer{}.Serialize(families);
}

prometheus::Histogram::BucketBoundaries latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,   0.5,   1,      2.5,   5,    10,    30};
}

} // namespace kumo
