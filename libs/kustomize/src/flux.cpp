#include "driftless/kustomize/flux.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <system_error>
#include <utility>

#include "driftless/core/error.h"
#include "driftless/core/yaml.h"
#include "driftless/kustomize/build.h"
#include "driftless/kustomize/kustomization.h"

namespace driftless::kustomize {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxManifestSize = 64U << 20U;

std::string readFile(const fs::path& file) {
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw core::Error("open " + file.string() + ": " + ec.message());
  if (size > kMaxManifestSize) {
    throw core::Error("file '" + file.string() + "' is larger than " +
                      std::to_string(kMaxManifestSize) + " bytes");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw core::Error("open " + file.string() + ": permission denied");
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void writeFile(const fs::path& file, const std::string& content) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << content;
  if (!out) throw core::Error("write " + file.string() + ": failed");
}

std::optional<fs::path> kustomizationFileIn(const fs::path& dir) {
  for (auto name : kKustomizationFileNames) {
    std::error_code ec;
    fs::path p = dir / name;
    if (fs::exists(p, ec) && !fs::is_directory(p, ec)) return p;
  }
  return std::nullopt;
}

// The YAML files under dir (in lexical order, as filepath.Walk visits them) and the
// directories holding a kustomization file, as `./relative` paths.
void scanManifests(const fs::path& base, const fs::path& dir, std::vector<std::string>& out) {
  std::vector<fs::directory_entry> entries;
  for (const auto& entry : fs::directory_iterator(dir))
    entries.push_back(entry);
  std::sort(entries.begin(), entries.end(),
            [](const auto& a, const auto& b) { return a.path().filename() < b.path().filename(); });
  for (const auto& entry : entries) {
    const fs::path& p = entry.path();
    const std::string rel = "./" + p.lexically_relative(base).generic_string();
    if (entry.is_directory()) {
      if (kustomizationFileIn(p)) {
        out.push_back(rel);
      } else {
        scanManifests(base, p, out);
      }
      continue;
    }
    const auto ext = p.extension();
    if (ext != ".yaml" && ext != ".yml") continue;
    try {
      core::parseYamlStream(
          readFile(p), {.schema = core::YamlSchema::Kubernetes, .source = p.filename().string()});
    } catch (const std::exception& e) {
      throw core::Error("failed to decode Kubernetes YAML from " + p.string() + ": " + e.what());
    }
    out.push_back(rel);
  }
}

bool isLocalRelativePath(std::string_view path) {
  std::string lower(path);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (std::string_view p :
       {"git::", "gh:", "ssh://", "https://", "http://", "git@", "github.com:", "github.com/"}) {
    if (p.size() < lower.size() && lower.starts_with(p)) return false;
  }
  if (!path.empty() && path[0] == '/') return false;
  std::string_view rest = lower;
  if (rest.starts_with("file://")) rest.remove_prefix(7);
  return rest.empty() || rest[0] != '/';
}

bool nonEmptyString(const core::Value& v) {
  return v.isString() && !v.asString().empty();
}

void appendAll(core::Value& kus, const char* key, const core::Value& items) {
  core::Value& list = kus[key];
  if (!list.isArray()) list = core::Value::array();
  for (const auto& item : items.asArray())
    list.push_back(item);
}

// The image entries of spec.images merged into the kustomization's: fields given by the
// Flux Kustomization replace the existing entry's; newTag and digest move together.
void mergeImages(core::Value& kus, const core::Value& images) {
  core::Value& list = kus["images"];
  if (!list.isArray()) list = core::Value::array();
  for (const auto& image : images.asArray()) {
    const std::string name = image["name"].isString() ? image["name"].asString() : "";
    core::Value* existing = nullptr;
    for (auto& e : list.asArray()) {
      const core::Value& n = std::as_const(e)["name"];
      if (n.isString() && n.asString() == name) {
        existing = &e;
        break;
      }
    }
    if (existing == nullptr) {
      core::Value entry = core::Value::object();
      entry["name"] = name;
      for (const char* field : {"newName", "newTag", "digest"}) {
        if (nonEmptyString(image[field])) entry[field] = image[field];
      }
      list.push_back(std::move(entry));
      continue;
    }
    if (nonEmptyString(image["newName"])) (*existing)["newName"] = image["newName"];
    if (nonEmptyString(image["newTag"]) || nonEmptyString(image["digest"])) {
      existing->asObject().erase("newTag");
      existing->asObject().erase("digest");
      if (nonEmptyString(image["newTag"])) (*existing)["newTag"] = image["newTag"];
      if (nonEmptyString(image["digest"])) (*existing)["digest"] = image["digest"];
    }
  }
}

}  // namespace

fs::path secureJoin(const fs::path& root, std::string_view path) {
  // Lexically clean the path as if rooted at `/`, then follow symlinks one component at a time,
  // re-rooting absolute link targets at root and clamping `..` at root.
  std::vector<std::string> parts;
  std::vector<std::string> pending;
  {
    std::string p(path);
    std::stringstream ss(p);
    std::string part;
    while (std::getline(ss, part, '/'))
      pending.push_back(part);
  }
  std::reverse(pending.begin(), pending.end());
  int links = 0;
  while (!pending.empty()) {
    std::string part = std::move(pending.back());
    pending.pop_back();
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    fs::path current = root;
    for (const auto& p : parts)
      current /= p;
    current /= part;
    std::error_code ec;
    if (fs::is_symlink(fs::symlink_status(current, ec)) && links < 255) {
      ++links;
      std::string target = fs::read_symlink(current, ec).string();
      if (target.starts_with("/")) parts.clear();
      std::vector<std::string> more;
      std::stringstream ss(target);
      std::string t;
      while (std::getline(ss, t, '/'))
        more.push_back(t);
      for (auto it = more.rbegin(); it != more.rend(); ++it)
        pending.push_back(*it);
      continue;
    }
    parts.push_back(part);
  }
  fs::path out = root;
  for (const auto& p : parts)
    out /= p;
  return out;
}

GenerateAction writeFluxKustomization(const fs::path& root, const fs::path& dir,
                                      const core::Value& spec) {
  core::Value kus;
  GenerateAction action = GenerateAction::Unchanged;
  fs::path kfile;
  if (auto existing = kustomizationFileIn(dir)) {
    kfile = *existing;
    std::error_code ec;
    const fs::path resolved = fs::canonical(kfile, ec);
    const fs::path fence = fs::canonical(root, ec);
    if (ec || resolved.lexically_relative(fence).string().starts_with("..")) {
      throw core::Error("path '" + kfile.string() + "' is not in or below '" + root.string() + "'");
    }
    kus = core::parseYaml(readFile(resolved), {.schema = core::YamlSchema::Kubernetes,
                                               .source = kfile.filename().string()});
    if (kus.isNull()) kus = core::Value::object();
    if (!kus.isObject()) throw core::Error("invalid kustomization file " + kfile.string());
  } else {
    action = GenerateAction::Created;
    kfile = dir / "kustomization.yaml";
    std::vector<std::string> resources;
    scanManifests(dir, dir, resources);
    kus = core::Value::object();
    if (resources.empty()) {
      kus["namespace"] = "_placeholder";
    } else {
      core::Value list = core::Value::array();
      for (auto& r : resources)
        list.push_back(r);
      kus["resources"] = std::move(list);
    }
  }
  const core::Value& view = kus;
  if (!view["apiVersion"].isString()) kus["apiVersion"] = "kustomize.config.k8s.io/v1beta1";
  if (!view["kind"].isString()) kus["kind"] = "Kustomization";
  if (action == GenerateAction::Unchanged &&
      (!view["resources"].isArray() || view["resources"].asArray().empty())) {
    // kustomize refuses an empty kustomization; Flux sets build metadata to avoid it.
    core::Value md = core::Value::array();
    md.push_back("originAnnotations");
    kus["buildMetadata"] = std::move(md);
  }
  if (spec["targetNamespace"].isString()) kus["namespace"] = spec["targetNamespace"];
  if (spec["namePrefix"].isString()) kus["namePrefix"] = spec["namePrefix"];
  if (spec["nameSuffix"].isString()) kus["nameSuffix"] = spec["nameSuffix"];
  if (spec["patches"].isArray() && !spec["patches"].asArray().empty()) {
    appendAll(kus, "patches", spec["patches"]);
  }
  if (spec["components"].isArray()) {
    const bool ignoreMissing =
        spec["ignoreMissingComponents"].isBool() && spec["ignoreMissingComponents"].asBool();
    for (const auto& c : spec["components"].asArray()) {
      if (!c.isString()) continue;
      const std::string& component = c.asString();
      if (!isLocalRelativePath(component)) {
        throw core::Error("component path '" + component + "' must be local and relative");
      }
      std::error_code ec;
      if (ignoreMissing && !fs::exists(dir / component, ec)) continue;
      core::Value& list = kus["components"];
      if (!list.isArray()) list = core::Value::array();
      list.push_back(component);
    }
  }
  if (spec["images"].isArray() && !spec["images"].asArray().empty()) {
    mergeImages(kus, spec["images"]);
  }
  if (spec["buildMetadata"].isArray() && !spec["buildMetadata"].asArray().empty()) {
    kus["buildMetadata"] = spec["buildMetadata"];
  }
  writeFile(kfile, core::toYaml(kus));
  return action;
}

std::vector<core::Value> buildFluxKustomization(const fs::path& root, const fs::path& dir) {
  BuildOptions options;
  options.loader.restrictions = LoadRestrictions::None;
  options.loader.fence = root;
  return buildResources(dir, options);
}

}  // namespace driftless::kustomize
