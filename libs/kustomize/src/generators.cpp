#include "driftless/kustomize/generators.h"

#include <openssl/sha.h>

#include <algorithm>
#include <map>

#include "driftless/core/base64.h"
#include "driftless/core/json.h"
#include "driftless/kustomize/error.h"
#include "driftless/kustomize/transformers.h"

namespace driftless::kustomize {

namespace {

using core::Value;

struct Pair {
  std::string key;
  std::string value;
};

bool validUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    if (c >= 0x80) {
      if ((c & 0xE0U) == 0xC0U) {
        n = 1;
      } else if ((c & 0xF0U) == 0xE0U) {
        n = 2;
      } else if ((c & 0xF8U) == 0xF0U) {
        n = 3;
      } else {
        return false;
      }
    }
    if (i + n >= s.size() + (n == 0 ? 1 : 0) && n > 0) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0U) != 0x80U) return false;
    }
    i += n + 1;
  }
  return true;
}

std::string removeQuotes(const std::string& s) {
  if (s.size() < 2 || s.front() != s.back()) return s;
  if (s.front() == '"' || s.front() == '\'') return s.substr(1, s.size() - 2);
  return s;
}

std::vector<Pair> envPairs(const std::string& content) {
  std::vector<Pair> out;
  std::size_t start = 0;
  bool first = true;
  while (start <= content.size()) {
    std::size_t end = content.find('\n', start);
    std::string line = content.substr(start, end == std::string::npos ? end : end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    first = false;
    std::size_t ws = line.find_first_not_of(" \t\v\f\r");
    line = ws == std::string::npos ? "" : line.substr(ws);
    if (!line.empty() && line[0] != '#') {
      std::size_t eq = line.find('=');
      std::string key = line.substr(0, eq);
      if (key.empty() || key.find_first_of(" \t") != std::string::npos) {
        throw KustomizeError("\"" + key +
                             "\" is not a valid key name: a valid environment variable name must "
                             "consist of alphabetic characters, digits, '_', '-', or '.', and must "
                             "not start with a digit");
      }
      out.push_back({key, eq == std::string::npos ? "" : line.substr(eq + 1)});
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

std::vector<Pair> loadPairs(const Loader& ldr, const GeneratorArgs& args) {
  std::vector<Pair> all;
  for (const auto& env : args.envs) {
    auto more = envPairs(ldr.load(env));
    all.insert(all.end(), more.begin(), more.end());
  }
  for (const auto& lit : args.literals) {
    std::size_t eq = lit.find('=');
    if (eq == 0 || eq == std::string::npos) {
      throw KustomizeError("invalid literal source " + lit + ", expected key=value");
    }
    all.push_back({lit.substr(0, eq), removeQuotes(lit.substr(eq + 1))});
  }
  for (const auto& file : args.files) {
    std::string key;
    std::string path = file;
    if (std::size_t eq = file.find('='); eq != std::string::npos) {
      key = file.substr(0, eq);
      path = file.substr(eq + 1);
      if (key.empty()) throw KustomizeError("key name for file path " + path + " missing");
      if (path.empty()) throw KustomizeError("file path for key name " + key + " missing");
    } else {
      std::size_t slash = path.find_last_of('/');
      key = slash == std::string::npos ? path : path.substr(slash + 1);
    }
    all.push_back({key, ldr.load(path)});
  }
  return all;
}

std::map<std::string, std::string> validatedDataMap(const std::string& name,
                                                    const std::vector<Pair>& pairs) {
  std::map<std::string, std::string> m;
  for (const auto& p : pairs) {
    if (m.count(p.key) > 0) {
      throw KustomizeError("configmap " + name + " illegally repeats the key `" + p.key + "`");
    }
    m[p.key] = p.value;
  }
  return m;
}

std::string encodeBase64Lines(std::string_view s) {
  const std::string enc = core::base64Encode(s);
  constexpr std::size_t kLineLen = 70;
  const std::size_t lines = enc.size() / kLineLen + 1;
  if (lines <= 1) return enc;
  std::string out;
  for (std::size_t i = 0; i < enc.size(); i += kLineLen) {
    out += enc.substr(i, kLineLen);
    out += '\n';
  }
  return out;
}

Value baseNode(const char* kind, const GeneratorArgs& args) {
  Value obj = Value::object();
  obj["apiVersion"] = Value("v1");
  obj["kind"] = Value(kind);
  obj["metadata"]["name"] = Value(args.name);
  if (!args.ns.empty()) obj["metadata"]["namespace"] = Value(args.ns);
  return obj;
}

GeneratorOptions mergeOptions(GeneratorOptions local, const GeneratorOptions& global) {
  auto override = [](StringPairs& into, const StringPairs& from) {
    for (const auto& [k, v] : from) {
      auto it = std::find_if(into.begin(), into.end(), [&](const auto& p) { return p.first == k; });
      if (it == into.end()) {
        into.emplace_back(k, v);
      } else {
        it->second = v;
      }
    }
    std::sort(into.begin(), into.end());
  };
  override(local.labels, global.labels);
  override(local.annotations, global.annotations);
  local.disableNameSuffixHash = local.disableNameSuffixHash || global.disableNameSuffixHash;
  local.immutable = local.immutable || global.immutable;
  return local;
}

ResourcePtr finish(Value obj, const GeneratorArgs& args, const GeneratorOptions& opts) {
  for (const auto& [k, v] : opts.labels)
    obj["metadata"]["labels"][k] = Value(v);
  for (const auto& [k, v] : opts.annotations)
    obj["metadata"]["annotations"][k] = Value(v);
  if (opts.immutable) obj["immutable"] = Value(true);
  auto r = std::make_shared<Resource>(std::move(obj));
  std::string behavior = args.behavior.empty() ? "create" : args.behavior;
  if (behavior != "create" && behavior != "merge" && behavior != "replace")
    behavior = "unspecified";
  r->setAnnotation(kAnnoBehavior, behavior);
  if (!opts.disableNameSuffixHash) r->enable(kAnnoNeedsHash);
  return r;
}

}  // namespace

ResourcePtr generateConfigMap(const Loader& ldr, const GeneratorArgs& args,
                              const GeneratorOptions& global) {
  const GeneratorOptions opts = mergeOptions(args.options, global);
  Value obj = baseNode("ConfigMap", args);
  for (const auto& [k, v] : validatedDataMap(args.name, loadPairs(ldr, args))) {
    if (validUtf8(v)) {
      obj["data"][k] = Value(v);
    } else {
      obj["binaryData"][k] = Value(encodeBase64Lines(v));
    }
  }
  return finish(std::move(obj), args, opts);
}

ResourcePtr generateSecret(const Loader& ldr, const GeneratorArgs& args,
                           const GeneratorOptions& global) {
  const GeneratorOptions opts = mergeOptions(args.options, global);
  Value obj = baseNode("Secret", args);
  obj["type"] = Value(args.type.empty() ? std::string("Opaque") : args.type);
  obj["data"] = Value::object();
  for (const auto& [k, v] : validatedDataMap(args.name, loadPairs(ldr, args)))
    obj["data"][k] = Value(encodeBase64Lines(v));
  return finish(std::move(obj), args, opts);
}

std::string encodeHash(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 5; ++i) {
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 0xF];
  }
  for (char& c : hex) {
    switch (c) {
      case '0':
        c = 'g';
        break;
      case '1':
        c = 'h';
        break;
      case '3':
        c = 'k';
        break;
      case 'a':
        c = 'm';
        break;
      case 'e':
        c = 't';
        break;
      default:
        break;
    }
  }
  return hex;
}

std::string resourceHash(const Resource& r) {
  const Value& obj = r.obj();
  auto valueAt = [&](std::string_view field) -> Value {
    const Value* v = obj.find(field);
    if (v == nullptr) return Value("");
    if (v->isObject() || v->isArray()) return *v;
    return Value(scalarString(*v));
  };
  Value m = Value::object();
  const std::string kind = r.kind();
  if (kind == "ConfigMap") {
    // Upstream looks up "metadata/name" as one field name, which never exists: the name hashed
    // is always empty.
    m["kind"] = Value("ConfigMap");
    m["name"] = Value("");
    m["data"] = valueAt("data");
    if (const Value* b = obj.find("binaryData"); b != nullptr && b->isObject())
      m["binaryData"] = *b;
  } else if (kind == "Secret") {
    m["kind"] = Value("Secret");
    m["type"] = valueAt("type");
    m["name"] = Value("");
    m["data"] = valueAt("data");
    if (const Value* s = obj.find("stringData"); s != nullptr && s->isObject())
      m["stringData"] = *s;
  } else {
    return encodeHash(core::toJson(obj, {.indent = 0, .escapeHtml = true, .sortKeys = true}));
  }
  return encodeHash(core::toJson(m, {.indent = 0, .escapeHtml = true, .sortKeys = true}));
}

void addHashSuffixes(ResMap& m) {
  for (const auto& r : m.resources()) {
    if (!r->needsHashSuffix()) continue;
    const std::string h = resourceHash(*r);
    r->storePreviousId();
    r->setName(r->name() + "-" + h);
  }
}

}  // namespace driftless::kustomize
