#include "driftless/kube/patch_schema.h"

#include <functional>
#include <map>
#include <mutex>
#include <utility>

#include "driftless/core/error.h"

namespace driftless::kube {

namespace {

constexpr std::string_view kV3RefPrefix = "#/components/schemas/";
constexpr std::string_view kV2RefPrefix = "#/definitions/";

}  // namespace

namespace detail {

// The document a tree of nodes points into; it is immutable, so raw pointers into it stay valid
// for as long as any node holds the context.
struct SchemaContext {
  std::shared_ptr<const core::Value> document;
  const core::Object* schemas = nullptr;  // components.schemas (v3) or definitions (v2)
  std::string_view refPrefix;             // how references name an entry of `schemas`
  // Resolves references the document lacks (may be empty).
  std::function<PatchSchema(std::string_view)> resolveMissing;
};

class PatchSchemaNode {
 public:
  // The unknown node.
  PatchSchemaNode() = default;
  // A node for `schema` (the schema a property or `items` holds, which carries the merge
  // metadata), resolving references to find the schema of the value.
  PatchSchemaNode(std::shared_ptr<const SchemaContext> context, const core::Value& schema);

  static const std::shared_ptr<const PatchSchemaNode>& unknownNode() {
    static const auto node = std::make_shared<const PatchSchemaNode>();
    return node;
  }

  std::shared_ptr<const PatchSchemaNode> field(std::string_view name) const;
  // Continues the resolution in another tree (a reference the document lacks, resolved by the
  // context's resolveMissing); metadata already read wins.
  void adopt(const PatchSchemaNode& other, bool haveStrategy, bool haveKey);
  std::shared_ptr<const PatchSchemaNode> items() const;

  SchemaKind kind = SchemaKind::Unknown;
  std::string name;
  std::string mergeKey;
  std::vector<std::string> strategies;
  PatchStrategies parsed;
  std::string strategyError;  // non-empty when `strategies` is an invalid combination
  // Server-side apply metadata (x-kubernetes-list-type, -list-map-keys, -map-type, default).
  std::string listTypeExtension;
  std::vector<std::string> listMapKeys;
  bool haveListMapKeys = false;
  std::string mapTypeExtension;
  const core::Value* defaultValue = nullptr;

  bool hasField(std::string_view fieldName) const;

 private:
  std::shared_ptr<const PatchSchemaNode> child(const core::Value* schema) const {
    if (schema == nullptr || !schema->isObject()) return unknownNode();
    return std::make_shared<const PatchSchemaNode>(context_, *schema);
  }

  std::shared_ptr<const SchemaContext> context_;
  const core::Value* body_ = nullptr;  // the resolved schema of the value

  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const PatchSchemaNode>, std::less<>> fields_;
  mutable std::shared_ptr<const PatchSchemaNode> items_;
};

namespace {

constexpr int kMaxReferenceDepth = 64;

std::vector<std::string> splitStrategies(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    out.emplace_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

// Mirrors extractRetainKeysPatchStrategy in k8s.io/apimachinery strategicpatch.
void interpretStrategies(PatchSchemaNode& node) {
  auto single = [](const std::string& s) {
    if (s == "merge") return PatchStrategy::Merge;
    if (s == "replace") return PatchStrategy::Replace;
    return PatchStrategy::None;
  };
  const auto& list = node.strategies;
  if (list.empty()) return;
  if (list.size() == 1) {
    if (list[0] == "retainKeys") {
      node.parsed.retainKeys = true;
    } else {
      node.parsed.strategy = single(list[0]);
    }
    return;
  }
  if (list.size() == 2) {
    if (list[0] == "retainKeys") {
      node.parsed = {single(list[1]), true};
      return;
    }
    if (list[1] == "retainKeys") {
      node.parsed = {single(list[0]), true};
      return;
    }
  }
  std::string joined;
  for (const auto& s : list) {
    if (!joined.empty()) joined += ' ';
    joined += s;
  }
  node.strategyError = "unexpected patch strategy: [" + joined + "]";
}

SchemaKind kindOf(const core::Value& body) {
  const core::Value* type = body.find("type");
  std::string_view t =
      type != nullptr && type->isString() ? std::string_view(type->asString()) : "";
  const core::Value* properties = body.find("properties");
  const core::Value* additional = body.find("additionalProperties");
  bool hasProperties =
      properties != nullptr && properties->isObject() && !properties->asObject().empty();
  bool hasAdditional = additional != nullptr &&
                       (additional->isObject() || (additional->isBool() && additional->asBool()));
  if (t == "array" || (t.empty() && body.find("items") != nullptr)) return SchemaKind::List;
  if (t == "string" || t == "integer" || t == "number" || t == "boolean")
    return SchemaKind::Primitive;
  if (t == "object" || t.empty()) {
    if (hasProperties) return SchemaKind::Struct;
    if (hasAdditional) return SchemaKind::Map;
    if (t.empty()) {
      const core::Value* intOrString = body.find("x-kubernetes-int-or-string");
      if (intOrString != nullptr && intOrString->isBool() && intOrString->asBool()) {
        return SchemaKind::Primitive;
      }
    }
  }
  return SchemaKind::Unknown;
}

// The server-side apply extensions; as for the patch metadata, the first schema of the reference
// chain that has one wins.
void readApplyMetadata(PatchSchemaNode& node, const core::Value& schema) {
  if (node.listTypeExtension.empty()) {
    const core::Value* listType = schema.find("x-kubernetes-list-type");
    if (listType != nullptr && listType->isString()) node.listTypeExtension = listType->asString();
  }
  if (!node.haveListMapKeys) {
    const core::Value* keys = schema.find("x-kubernetes-list-map-keys");
    if (keys != nullptr && keys->isArray()) {
      node.haveListMapKeys = true;
      for (const auto& key : keys->asArray()) {
        if (key.isString()) node.listMapKeys.push_back(key.asString());
      }
    }
  }
  if (node.mapTypeExtension.empty()) {
    const core::Value* mapType = schema.find("x-kubernetes-map-type");
    if (mapType != nullptr && mapType->isString()) node.mapTypeExtension = mapType->asString();
  }
  if (node.defaultValue == nullptr) node.defaultValue = schema.find("default");
}

void readMetadata(PatchSchemaNode& node, const core::Value& schema, bool& haveStrategy,
                  bool& haveKey) {
  readApplyMetadata(node, schema);
  if (!haveStrategy) {
    const core::Value* strategy = schema.find("x-kubernetes-patch-strategy");
    if (strategy != nullptr && strategy->isString()) {
      node.strategies = splitStrategies(strategy->asString());
      haveStrategy = true;
    }
  }
  if (!haveKey) {
    const core::Value* key = schema.find("x-kubernetes-patch-merge-key");
    if (key != nullptr && key->isString()) {
      node.mergeKey = key->asString();
      haveKey = true;
    }
  }
}

}  // namespace

PatchSchemaNode::PatchSchemaNode(std::shared_ptr<const SchemaContext> context,
                                 const core::Value& schema)
    : context_(std::move(context)) {
  bool haveStrategy = false;
  bool haveKey = false;
  const core::Value* current = &schema;
  // Follow `$ref` and single-reference `allOf` wrappers; merge metadata written next to the
  // reference (where Kubernetes puts it) wins over metadata on the referenced schema.
  for (int depth = 0; depth < kMaxReferenceDepth; ++depth) {
    readMetadata(*this, *current, haveStrategy, haveKey);
    const core::Value* ref = current->find("$ref");
    if (ref != nullptr && ref->isString()) {
      std::string_view target = ref->asString();
      const core::Value* resolved = nullptr;
      if (!context_->refPrefix.empty() && target.starts_with(context_->refPrefix) &&
          context_->schemas != nullptr) {
        target.remove_prefix(context_->refPrefix.size());
        resolved = context_->schemas->find(target);
      }
      if ((resolved == nullptr || !resolved->isObject()) && context_->resolveMissing) {
        PatchSchema external = context_->resolveMissing(target);
        if (!external.isUnknown()) {
          adopt(*external.node_, haveStrategy, haveKey);
          return;
        }
      }
      if (resolved == nullptr || !resolved->isObject()) {
        current = nullptr;  // dangling reference: nothing is known about the value
        break;
      }
      name = std::string(target);
      current = resolved;
      continue;
    }
    const core::Value* allOf = current->find("allOf");
    if (allOf != nullptr && allOf->isArray() && !allOf->asArray().empty() &&
        current->find("properties") == nullptr && current->find("type") == nullptr) {
      const core::Value* next = nullptr;
      for (const auto& part : allOf->asArray()) {
        if (part.isObject() && part.find("$ref") != nullptr) {
          next = &part;
          break;
        }
      }
      if (next == nullptr && allOf->asArray().front().isObject()) next = &allOf->asArray().front();
      if (next != nullptr) {
        current = next;
        continue;
      }
    }
    break;
  }
  body_ = current;
  kind = body_ != nullptr ? kindOf(*body_) : SchemaKind::Unknown;
  interpretStrategies(*this);
}

void PatchSchemaNode::adopt(const PatchSchemaNode& other, bool haveStrategy, bool haveKey) {
  context_ = other.context_;
  body_ = other.body_;
  kind = other.kind;
  name = other.name;
  if (!haveStrategy) strategies = other.strategies;
  if (!haveKey) mergeKey = other.mergeKey;
  if (listTypeExtension.empty()) listTypeExtension = other.listTypeExtension;
  if (!haveListMapKeys) {
    haveListMapKeys = other.haveListMapKeys;
    listMapKeys = other.listMapKeys;
  }
  if (mapTypeExtension.empty()) mapTypeExtension = other.mapTypeExtension;
  if (defaultValue == nullptr) defaultValue = other.defaultValue;
  interpretStrategies(*this);
}

std::shared_ptr<const PatchSchemaNode> PatchSchemaNode::field(std::string_view fieldName) const {
  if (body_ == nullptr) return unknownNode();
  if (kind == SchemaKind::Map) return items();
  if (kind != SchemaKind::Struct) return unknownNode();
  std::lock_guard lock(mutex_);
  if (auto it = fields_.find(fieldName); it != fields_.end()) return it->second;
  const core::Value* property = nullptr;
  if (const core::Value* properties = body_->find("properties"))
    property = properties->find(fieldName);
  auto node = child(property);
  fields_.emplace(std::string(fieldName), node);
  return node;
}

bool PatchSchemaNode::hasField(std::string_view fieldName) const {
  if (body_ == nullptr || kind != SchemaKind::Struct) return false;
  const core::Value* properties = body_->find("properties");
  return properties != nullptr && properties->find(fieldName) != nullptr;
}

std::shared_ptr<const PatchSchemaNode> PatchSchemaNode::items() const {
  if (body_ == nullptr || kind == SchemaKind::Unknown || kind == SchemaKind::Primitive) {
    return unknownNode();
  }
  std::lock_guard lock(mutex_);
  if (items_ == nullptr) {
    if (kind == SchemaKind::List) {
      items_ = child(body_->find("items"));
    } else if (kind == SchemaKind::Map) {
      items_ = child(body_->find("additionalProperties"));
    } else {
      // A struct declared with a list strategy (upstream's OpenAPI v3 lookup uses the schema
      // itself when there is no `items`): its items are structs of the same schema.
      items_ = child(body_);
    }
  }
  return items_;
}

}  // namespace detail

PatchSchema::PatchSchema() : node_(detail::PatchSchemaNode::unknownNode()) {}

namespace {

// The schema `schemaName` of the table at `tablePath` (components.schemas or definitions).
std::shared_ptr<detail::PatchSchemaNode> rootNode(
    std::shared_ptr<const core::Value> document, const core::Path& tablePath,
    std::string_view refPrefix, std::string_view schemaName,
    std::function<PatchSchema(std::string_view)> resolveMissing = {}) {
  if (document == nullptr) throw core::Error("OpenAPI document is null");
  auto context = std::make_shared<detail::SchemaContext>();
  context->document = std::move(document);
  context->refPrefix = refPrefix;
  context->resolveMissing = std::move(resolveMissing);
  const core::Value* schemas = context->document->find(tablePath);
  if (schemas != nullptr && schemas->isObject()) context->schemas = &schemas->asObject();
  const core::Value* root =
      context->schemas != nullptr ? context->schemas->find(schemaName) : nullptr;
  if (root == nullptr || !root->isObject()) {
    throw core::Error("OpenAPI document has no schema \"" + std::string(schemaName) + "\"");
  }
  auto node = std::make_shared<detail::PatchSchemaNode>(context, *root);
  node->name = std::string(schemaName);
  return node;
}

// The name of the entry of `schemas` whose x-kubernetes-group-version-kind lists the GVK.
std::optional<std::string> findSchemaByGvk(const core::Value* schemas, std::string_view group,
                                           std::string_view version, std::string_view kind) {
  if (schemas == nullptr || !schemas->isObject()) return std::nullopt;
  for (const auto& member : schemas->asObject()) {
    const core::Value* gvks = member.value.find("x-kubernetes-group-version-kind");
    if (gvks == nullptr || !gvks->isArray()) continue;
    for (const auto& gvk : gvks->asArray()) {
      const core::Value& g = gvk["group"];
      const core::Value& v = gvk["version"];
      const core::Value& k = gvk["kind"];
      std::string_view gs = g.isString() ? std::string_view(g.asString()) : "";
      if (gs == group && v.isString() && v.asString() == version && k.isString() &&
          k.asString() == kind) {
        return member.key;
      }
    }
  }
  return std::nullopt;
}

}  // namespace

PatchSchema PatchSchema::fromOpenApiV3(std::shared_ptr<const core::Value> document,
                                       std::string_view schemaName) {
  return PatchSchema(
      rootNode(std::move(document), core::Path{"components", "schemas"}, kV3RefPrefix, schemaName));
}

PatchSchema PatchSchema::fromOpenApiV2(
    std::shared_ptr<const core::Value> document, std::string_view definitionName,
    std::function<PatchSchema(std::string_view)> resolveMissing) {
  return PatchSchema(rootNode(std::move(document), core::Path{"definitions"}, kV2RefPrefix,
                              definitionName, std::move(resolveMissing)));
}

PatchSchema PatchSchema::fromOpenApiV3(core::Value document, std::string_view schemaName) {
  return fromOpenApiV3(std::make_shared<const core::Value>(std::move(document)), schemaName);
}

PatchSchema PatchSchema::fromJsonSchema(core::Value schema) {
  if (!schema.isObject()) throw core::Error("JSON schema must be an object");
  auto context = std::make_shared<detail::SchemaContext>();
  context->document = std::make_shared<const core::Value>(std::move(schema));
  return PatchSchema(std::make_shared<const detail::PatchSchemaNode>(context, *context->document));
}

PatchSchema PatchSchema::field(std::string_view name) const {
  return PatchSchema(node_->field(name));
}

PatchSchema PatchSchema::items() const {
  return PatchSchema(node_->items());
}

const std::string& PatchSchema::mergeKey() const noexcept {
  return node_->mergeKey;
}

const std::vector<std::string>& PatchSchema::rawStrategies() const noexcept {
  return node_->strategies;
}

PatchStrategies PatchSchema::strategies() const {
  if (!node_->strategyError.empty()) throw core::Error(node_->strategyError);
  return node_->parsed;
}

bool PatchSchema::hasField(std::string_view name) const {
  return node_->hasField(name);
}

// Mirrors getListElementRelationship in k8s.io/kube-openapi pkg/schemaconv: an explicit list type
// wins; otherwise a "merge" patch strategy makes a map keyed by the merge key (a set without
// one); everything else is atomic.
std::string_view PatchSchema::listType() const noexcept {
  if (node_->kind != SchemaKind::List) return "";
  const std::string& explicitType = node_->listTypeExtension;
  if (explicitType == "set") return "set";
  if (explicitType == "map") {
    bool haveKeys = !node_->listMapKeys.empty() || !node_->mergeKey.empty();
    return haveKeys ? "map" : "atomic";
  }
  if (!explicitType.empty()) return "atomic";
  const auto& raw = node_->strategies;
  bool merge = (raw.size() == 1 && raw[0] == "merge") ||
               (raw.size() == 2 && raw[0] == "merge" && raw[1] == "retainKeys");
  if (!merge) return "atomic";
  return node_->mergeKey.empty() ? "set" : "map";
}

std::vector<std::string> PatchSchema::listMapKeys() const {
  if (node_->haveListMapKeys && !node_->listMapKeys.empty()) return node_->listMapKeys;
  if (!node_->mergeKey.empty()) return {node_->mergeKey};
  return {};
}

std::string_view PatchSchema::mapType() const noexcept {
  if (node_->kind != SchemaKind::Struct && node_->kind != SchemaKind::Map) return "";
  return node_->mapTypeExtension == "atomic" ? "atomic" : "granular";
}

const core::Value* PatchSchema::defaultValue() const noexcept {
  return node_->defaultValue;
}

SchemaKind PatchSchema::kind() const noexcept {
  return node_->kind;
}

const std::string& PatchSchema::name() const noexcept {
  return node_->name;
}

std::optional<std::string> findOpenApiSchemaName(const core::Value& document,
                                                 std::string_view group, std::string_view version,
                                                 std::string_view kind) {
  return findSchemaByGvk(document.find(core::Path{"components", "schemas"}), group, version, kind);
}

std::optional<std::string> findOpenApiV2DefinitionName(const core::Value& document,
                                                       std::string_view group,
                                                       std::string_view version,
                                                       std::string_view kind) {
  return findSchemaByGvk(document.find("definitions"), group, version, kind);
}

}  // namespace driftless::kube
