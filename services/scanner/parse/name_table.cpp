#include "parse/name_table.hpp"

#include "parse/episode_name.hpp"
#include "parse/parse_command.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace kumo::scanner {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in{line};
  while (std::getline(in, cell, '\t'))
    out.push_back(cell);
  if (!line.empty() && line.back() == '\t')
    out.emplace_back();
  return out;
}

bool parse_list(const std::string& text, std::vector<int>& out) {
  out.clear();
  if (text == "-")
    return true;
  std::istringstream in{text};
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty() || item.size() > 6 ||
        !std::all_of(item.begin(), item.end(), ::isdigit))
      return false;
    out.push_back(std::stoi(item));
  }
  return !out.empty();
}

std::string list_text(std::vector<int> numbers) {
  if (numbers.empty())
    return "-";
  std::string out;
  for (size_t i = 0; i < numbers.size(); ++i)
    out += (i ? "," : "") + std::to_string(numbers[i]);
  return out;
}

std::string fold(const std::string& title) {
  std::string out;
  for (char c : title)
    if (std::isalnum(static_cast<unsigned char>(c)) ||
        static_cast<unsigned char>(c) >= 0x80)
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<int> sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return v;
}

} // namespace

std::vector<name_row> load_name_table(const std::string& path,
                                      std::string& error) {
  std::ifstream in{path};
  if (!in) {
    error = "cannot read " + path;
    return {};
  }
  std::vector<name_row> rows;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty() || line[0] == '#')
      continue;
    auto cells = split_tabs(line);
    name_row row;
    row.line = number;
    bool ok = cells.size() >= 4;
    if (ok) {
      row.name = cells[0];
      if (cells[1] != "-") {
        std::vector<int> s;
        ok = parse_list(cells[1], s) && s.size() == 1;
        if (ok)
          row.season = s[0];
      }
      ok = ok && parse_list(cells[2], row.episodes) &&
           parse_list(cells[3], row.absolute);
      row.title = cells.size() > 4 ? cells[4] : "";
      row.origin = cells.size() > 5 ? cells[5] : "";
    }
    if (!ok) {
      error = path + ":" + std::to_string(number) + ": malformed row";
      return {};
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

table_score score_name_table(const std::vector<name_row>& rows) {
  table_score score;
  for (const auto& row : rows) {
    auto got = parse_episode_name(row.name);
    ++score.rows;
    bool exact = got.season == row.season &&
                 sorted(got.episodes) == sorted(row.episodes) &&
                 sorted(got.absolute) == sorted(row.absolute);
    if (!row.title.empty()) {
      ++score.titled;
      if (fold(got.title) == fold(row.title))
        ++score.title_exact;
    }
    if (exact) {
      ++score.exact;
      continue;
    }
    score.failures.push_back(
        "line " + std::to_string(row.line) + ": " + row.name +
        "\n  want S=" + (row.season ? std::to_string(*row.season) : "-") +
        " E=" + list_text(row.episodes) + " A=" + list_text(row.absolute) +
        "\n  got  " + to_json(got));
  }
  return score;
}

} // namespace kumo::scanner
