#pragma once

// Go's text/template over core::Value: a template set (Helm's model: one set rooted at "gotpl",
// missingkey=zero), its lexer, parser and executor with Go's builtin functions, Sprig v3.3's
// function map (without env/expandenv) and Helm's engine functions (include, tpl, required,
// fail, toYaml/fromYaml/toJson/toToml..., lookup without a cluster, getHostByName without DNS,
// Helm v4's duration helpers).
//
// Maps are references in Go: set, unset and merge mutate a map in place, and every variable
// holding that map sees the change. A map stored into another map or list (dict "k" $m) is a
// copy here, though, where Go would share it.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "driftless/core/error.h"
#include "driftless/core/value.h"

namespace driftless::gotemplate {

// A parse or execution error; what() is Go's message (`template: main:1:3: ...`).
class TemplateError : public core::Error {
 public:
  using core::Error::Error;
};

struct Node;

class TemplateSet {
 public:
  explicit TemplateSet(std::string rootName = "gotpl");
  ~TemplateSet();
  TemplateSet(const TemplateSet&) = delete;
  TemplateSet& operator=(const TemplateSet&) = delete;

  // Parses text as template `name`; its {{define}}s join the set (a later non-empty definition
  // replaces an earlier one). Throws TemplateError.
  void parse(const std::string& name, std::string_view text);
  // Executes template `name` with data as dot. JSON numbers in data should be doubles (Go's
  // float64); integers stay Go ints. Throws TemplateError.
  [[nodiscard]] std::string execute(const std::string& name, const core::Value& data) const;
  [[nodiscard]] bool has(const std::string& name) const;
  [[nodiscard]] const std::string& rootName() const noexcept { return rootName_; }

  // Internal: the parsed body of a template, nullptr when absent.
  [[nodiscard]] const Node* lookup(const std::string& name) const;

 private:
  std::string rootName_;
  std::map<std::string, std::shared_ptr<const Node>, std::less<>> templates_;
};

}  // namespace driftless::gotemplate
