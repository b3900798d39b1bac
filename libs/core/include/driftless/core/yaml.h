#pragma once

// YAML parsing (libyaml) and printing in the style of kubectl and kustomize.

#include <string>
#include <string_view>
#include <vector>

#include "driftless/core/value.h"

namespace driftless::core {

// How plain (unquoted) scalars are resolved.
enum class YamlSchema {
  // YAML 1.1 as Kubernetes reads it (sigs.k8s.io/yaml, go-yaml v2): yes/no/on/off/y/n are
  // booleans, 0x/0 octal integers, `~` and null are null.
  Kubernetes,
  // YAML 1.2 core schema (go-yaml v3, kustomize's kyaml): only true/false are booleans.
  Core,
};

struct YamlParseOptions {
  YamlSchema schema = YamlSchema::Kubernetes;
  // Name of the input used in error messages (`file:line:column: problem`).
  std::string source = "<input>";
  // Keep documents that are empty (only `---` or comments) as null values.
  bool keepEmptyDocuments = false;
  // Accept a key repeated in one mapping, keeping the last value (go-yaml v2 when decoding into
  // an interface, as sigs.k8s.io/yaml does) instead of failing as go-yaml v3 does.
  bool allowDuplicateKeys = false;
};

// Parses a multi-document stream. Anchors, aliases and merge keys (`<<`) are resolved;
// comments are skipped; mapping keys that are not strings are converted as Kubernetes does
// (`1: a` has the key "1"); duplicate keys are an error, as in go-yaml.
std::vector<Value> parseYamlStream(std::string_view text, const YamlParseOptions& options = {});

// Parses a stream that must hold exactly one document (an empty stream gives null).
Value parseYaml(std::string_view text, const YamlParseOptions& options = {});

struct YamlPrintOptions {
  int indent = 2;
  // Print object keys in go-yaml v2's map order (what sigs.k8s.io/yaml prints, so kubectl
  // kustomize and `kubectl get -o yaml`): see goYamlKeyLess. Otherwise keys keep their order.
  bool sortKeys = false;
  // Print strings read from quoted scalars quoted again (Value::quotedStyle), as kyaml does.
  bool keepQuotedStyle = false;
};

// go-yaml v2's order of string map keys: rune by rune; letters by code point; non-letters before
// letters; runs of digits compared as numbers ("a9" < "a10"); a shorter prefix first.
bool goYamlKeyLess(std::string_view a, std::string_view b);

// Prints one document the way kubectl and kustomize do: block style, 2-space indent,
// sequences not indented under their key, strings quoted only when needed (and when a
// YAML 1.1 reader would take them for something else), multi-line strings as literal blocks.
std::string toYaml(const Value& value, const YamlPrintOptions& options = {});
void appendYaml(std::string& out, const Value& value, const YamlPrintOptions& options = {});

// Prints documents separated by `---\n`.
std::string toYamlStream(const std::vector<Value>& documents, const YamlPrintOptions& options = {});

}  // namespace driftless::core
