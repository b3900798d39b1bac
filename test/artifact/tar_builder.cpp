#include <curl/curl.h>
#include <unistd.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "driftless/net/curl.h"
#include "tar_format.h"
#include "test_util.h"

namespace driftless::artifact::test {
namespace fs = std::filesystem;

void writeFile(const fs::path& file, const std::string& content) {
  fs::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::set<std::string> listTree(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    out.insert(fs::relative(it->path(), dir).generic_string());
  }
  return out;
}

void writeRawTarGz(const fs::path& out, const std::vector<RawEntry>& entries, bool gzip) {
  std::string tar;
  for (const auto& e : entries) {
    std::uint64_t size = e.claimedSize != 0 ? e.claimedSize : e.content.size();
    tar += tar::encodeHeader({e.name, e.linkname, e.type, e.mode, size});
    tar += e.content;
    tar.append(tar::paddingFor(e.content.size()), '\0');
  }
  tar.append(2 * tar::kBlockSize, '\0');
  if (!gzip) {
    writeFile(out, tar);
    return;
  }
  gzFile gz = gzopen(out.c_str(), "wb");
  gzwrite(gz, tar.data(), static_cast<unsigned>(tar.size()));
  gzclose(gz);
}

namespace {

std::string field(const std::string& block, std::size_t off, std::size_t len) {
  std::string s = block.substr(off, len);
  return s.substr(0, s.find('\0'));
}

std::uint64_t octal(const std::string& block, std::size_t off, std::size_t len) {
  return std::strtoull(field(block, off, len).c_str(), nullptr, 8);
}

}  // namespace

std::vector<ReadEntry> readTarGz(const fs::path& archive) {
  gzFile gz = gzopen(archive.c_str(), "rb");
  std::string data;
  std::array<char, 65536> buf{};
  for (int n; (n = gzread(gz, buf.data(), buf.size())) > 0;)
    data.append(buf.data(), n);
  gzclose(gz);
  std::vector<ReadEntry> out;
  for (std::size_t pos = 0; pos + 512 <= data.size();) {
    std::string block = data.substr(pos, 512);
    if (block == std::string(512, '\0')) break;
    ReadEntry e;
    e.name = field(block, 0, 100);
    if (field(block, 257, 5) == "ustar" && !field(block, 345, 155).empty()) {
      e.name = field(block, 345, 155) + "/" + e.name;
    }
    e.mode = static_cast<std::uint32_t>(octal(block, 100, 8));
    e.uid = octal(block, 108, 8);
    e.gid = octal(block, 116, 8);
    e.size = octal(block, 124, 12);
    e.mtime = octal(block, 136, 12);
    e.type = block[156];
    e.uname = field(block, 265, 32);
    e.gname = field(block, 297, 32);
    e.content = data.substr(pos + 512, e.size);
    pos += 512 + (e.size + 511) / 512 * 512;
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}
}  // namespace

HttpResult httpRequest(const std::string& method, const std::string& url) {
  net::curlGlobalInit();
  net::CurlEasyPtr curl(curl_easy_init());
  HttpResult r;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 10L);
  if (method == "HEAD") {
    curl_easy_setopt(curl.get(), CURLOPT_NOBODY, 1L);
  } else if (method != "GET") {
    curl_easy_setopt(curl.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &collect);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &r.body);
  if (curl_easy_perform(curl.get()) != CURLE_OK) return r;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_TYPE, &ct);
  if (ct != nullptr) r.contentType = ct;
  curl_off_t cl = -1;
  curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
  r.contentLength = cl;
  return r;
}

}  // namespace driftless::artifact::test
