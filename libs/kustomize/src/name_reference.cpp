// The name reference transformer (api/internal/accumulator/namereferencetransformer.go and
// api/filters/nameref): after names changed (prefixes, suffixes, hashes, namespaces), fields that
// refer to other resources by name are updated to the referral's new name.

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "driftless/kustomize/error.h"
#include "driftless/kustomize/transformers.h"

namespace driftless::kustomize {

namespace {

using core::Value;

// True when `suffix` ends `whole` (utils.SameEndingSubSlice compares from the end).
bool sameEndingSubSlice(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto& shorter = a.size() <= b.size() ? a : b;
  const auto& longer = a.size() <= b.size() ? b : a;
  if (shorter.empty()) return longer.empty();  // utils.SameEndingSubSlice: diff == 0
  for (std::size_t i = 0; i < shorter.size(); ++i) {
    if (shorter[shorter.size() - 1 - i] != longer[longer.size() - 1 - i]) return false;
  }
  return true;
}

bool prefixesSuffixesEqual(const Resource& r, const Resource& o, bool allowEmpty) {
  const auto rp = r.namePrefixes();
  const auto op = o.namePrefixes();
  const auto rs = r.nameSuffixes();
  const auto os = o.nameSuffixes();
  if (allowEmpty) {
    return (rp.empty() || op.empty() || sameEndingSubSlice(rp, op)) &&
           (rs.empty() || os.empty() || sameEndingSubSlice(rs, os));
  }
  return sameEndingSubSlice(rp, op) && sameEndingSubSlice(rs, os);
}

// The resources with the ids they have while references are fixed (fixing references changes
// referrers' fields, never ids), indexed by previous name: a referrer looks only at resources
// that were once called by the name it holds, instead of scanning every resource.
struct Snapshot {
  explicit Snapshot(const std::vector<ResourcePtr>& list) : resources(list) {
    for (std::size_t i = 0; i < resources.size(); ++i) {
      curIds.push_back(resources[i]->curId());
      prevIds.push_back(resources[i]->prevIds());
      for (const auto& id : prevIds.back()) {
        auto& slot = byPrevName[id.name];
        if (slot.empty() || slot.back() != i) slot.push_back(i);
      }
    }
  }
  [[nodiscard]] const ResId& orgId(std::size_t i) const {
    return prevIds[i].empty() ? curIds[i] : prevIds[i].front();
  }

  const std::vector<ResourcePtr>& resources;
  std::vector<ResId> curIds;
  std::vector<std::vector<ResId>> prevIds;
  std::unordered_map<std::string, std::vector<std::size_t>> byPrevName;
};

using Indices = std::vector<std::size_t>;

template <typename F>
Indices sieve(const Indices& in, F keep) {
  Indices out;
  for (std::size_t i : in) {
    if (keep(i)) out.push_back(i);
  }
  return out;
}

// The referrals a referrer could name (kustomize's subsetThatCouldBeReferencedBy): same namespace,
// cluster-scoped, or a RoleBinding's ServiceAccount subject namespaces.
class Reach {
 public:
  Reach(const Snapshot& snap, const Resource& referrer, const ResId& referrerId)
      : snap_(snap), referrerId_(referrerId), all_(referrerId.gvk.isClusterScoped()) {
    if (all_ || referrer.kind() != "RoleBinding") return;
    const core::Value& subjects = referrer.obj()["subjects"];
    if (!subjects.isArray()) return;
    for (const auto& s : subjects.asArray()) {
      const core::Value* ns = s.find("namespace");
      const core::Value* kind = s.find("kind");
      if (ns == nullptr || kind == nullptr || !kind->isString() ||
          kind->asString() != "ServiceAccount") {
        continue;
      }
      if (!ns->isString()) {
        throw KustomizeError("Invalid Input: namespace is blank for resource \"" +
                             referrerId.toString() + "\"\n");
      }
      bindingNamespaces_.insert(ns->asString());
    }
  }

  [[nodiscard]] bool operator()(std::size_t i) const {
    const ResId& id = snap_.curIds[i];
    return all_ || id.gvk.isClusterScoped() || id.isNsEquals(referrerId_) ||
           bindingNamespaces_.count(id.ns) > 0;
  }

 private:
  const Snapshot& snap_;
  const ResId& referrerId_;
  bool all_;
  std::set<std::string> bindingNamespaces_;
};

class Referrer {
 public:
  Referrer(const Snapshot& snap, ResourcePtr referrer, const ResId& referrerId, const Reach& reach,
           FieldSpec spec, Gvk target)
      : snap_(snap),
        referrer_(std::move(referrer)),
        referrerId_(referrerId),
        reach_(reach),
        spec_(std::move(spec)),
        target_(std::move(target)) {}

  void run() {
    spec_.gvk = referrer_->gvk();
    try {
      applyFieldSpec(referrer_->obj(), spec_,
                     FieldSetter{[this](Value& node) { set(node); }, Value::Type::Null});
    } catch (const KustomizeError& e) {
      throw KustomizeError("updating name reference in '" + spec_.path + "' field of '" +
                           referrerId_.toString() + "': " + e.what());
    }
  }

 private:
  void set(Value& node) {
    if (node.isNull()) return;
    if (node.isString()) {
      setScalar(node);
    } else if (node.isObject()) {
      setMapping(node);
    } else if (node.isArray()) {
      for (auto& e : node.asArray()) {
        if (e.isNull()) continue;
        if (e.isString()) {
          setScalar(e);
        } else if (e.isObject()) {
          setMapping(e);
        } else {
          throw KustomizeError("is expected to be either a string or a map of string");
        }
      }
    } else {
      throw KustomizeError("node must be a scalar, sequence or map");
    }
  }

  // Resources within reach once called `name`, in resource order.
  [[nodiscard]] Indices named(const std::string& name) const {
    auto it = snap_.byPrevName.find(name);
    if (it == snap_.byPrevName.end()) return {};
    return sieve(it->second, reach_);
  }

  void setScalar(Value& node) {
    ResourcePtr referral = select(named(node.asString()), false);
    if (!referral) return;
    referral->appendRefBy(referrerId_);
    node = Value(referral->name());
  }

  // True when some resource within reach has the namespace `ns` by its original id.
  [[nodiscard]] bool anyOriginallyIn(const std::string& ns) const {
    for (std::size_t i = 0; i < snap_.resources.size(); ++i) {
      if (reach_(i) && snap_.orgId(i).effectiveNamespace() == ns) return true;
    }
    return false;
  }

  void setMapping(Value& node) {
    const Value* nameNode = node.find("name");
    if (nameNode == nullptr) throw KustomizeError("path config error; no 'name' field in node");
    const std::string oldName = scalarString(*nameNode);
    Indices candidates = named(oldName);
    if (const Value* nsNode = node.find("namespace")) {
      const std::string ns = scalarString(*nsNode);
      if (anyOriginallyIn(ns)) {
        candidates = sieve(
            candidates, [&](std::size_t i) { return snap_.orgId(i).effectiveNamespace() == ns; });
      } else {
        candidates = sieve(
            candidates, [&](std::size_t i) { return snap_.curIds[i].effectiveNamespace() == ns; });
      }
    }
    ResourcePtr referral = select(candidates, true);
    if (!referral) return;
    referral->appendRefBy(referrerId_);
    if (referral->name() == oldName && referral->ns().empty()) return;
    node.asObject().set("name", Value(referral->name()));
    if (!referral->ns().empty()) node.asObject().set("namespace", Value(referral->ns()));
  }

  // Narrows resources once called by the old name down to the referral.
  ResourcePtr select(Indices c, bool withNamespace) {
    c = sieve(c, [&](std::size_t i) { return anyPrevIdSelectedBy(i, target_); });
    if (spec_.path.ends_with("roleRef/name")) {
      const Value& roleRef = std::as_const(*referrer_).obj()["roleRef"];
      const Value* group = roleRef.find("apiGroup");
      const Value* kind = roleRef.find("kind");
      if (group != nullptr && kind != nullptr) {
        Gvk g{scalarString(*group), "", scalarString(*kind)};
        c = sieve(c, [&](std::size_t i) { return anyPrevIdSelectedBy(i, g); });
      }
    }
    if (!referrerId_.gvk.isClusterScoped()) {
      c = sieve(c, [&](std::size_t i) {
        const ResId& id = snap_.curIds[i];
        return id.gvk.isClusterScoped() || id.gvk.kind == "ServiceAccount" ||
               referrerId_.isNsEquals(id);
      });
    }
    if (c.size() == 1) return snap_.resources[c.front()];
    return disambiguate(c, withNamespace);
  }

  ResourcePtr disambiguate(Indices c, bool withNamespace) {
    auto res = [&](std::size_t i) -> const Resource& { return *snap_.resources[i]; };
    c = sieve(c, [&](std::size_t i) { return prefixesSuffixesEqual(res(i), *referrer_, true); });
    if (c.size() > 1) {
      c = sieve(c, [&](std::size_t i) { return prefixesSuffixesEqual(res(i), *referrer_, false); });
    }
    if (c.size() == 1) return snap_.resources[c.front()];
    if (c.empty()) return nullptr;
    bool identical = true;
    for (std::size_t i : c) {
      identical = identical && res(i).name() == res(c.front()).name() &&
                  (!withNamespace || res(i).ns() == res(c.front()).ns());
    }
    if (identical) return snap_.resources[c.front()];
    std::string ids;
    for (std::size_t k = 0; k < c.size(); ++k)
      ids += (k > 0 ? ", " : "") + snap_.curIds[c[k]].toString();
    throw KustomizeError("found multiple possible referrals: " + ids);
  }

  [[nodiscard]] bool anyPrevIdSelectedBy(std::size_t i, const Gvk& g) const {
    for (const auto& id : snap_.prevIds[i]) {
      if (id.gvk.isSelected(g)) return true;
    }
    return false;
  }

  const Snapshot& snap_;
  ResourcePtr referrer_;
  const ResId& referrerId_;
  const Reach& reach_;
  FieldSpec spec_;
  Gvk target_;
};

}  // namespace

void fixNameReferences(ResMap& m, const std::vector<NameBackReferences>& backRefs) {
  struct Job {
    FieldSpec spec;
    Gvk target;
  };
  std::map<Resource*, std::vector<Job>> jobs;
  std::vector<ResourcePtr> order;
  const auto& resources = m.resources();
  std::vector<ResId> orgIds;
  for (const auto& r : resources)
    orgIds.push_back(r->orgId());
  for (const auto& br : backRefs) {
    for (const auto& spec : br.referrers) {
      for (std::size_t i = 0; i < resources.size(); ++i) {
        if (!orgIds[i].gvk.isSelected(spec.gvk)) continue;
        auto& list = jobs[resources[i].get()];
        if (list.empty()) order.push_back(resources[i]);
        list.push_back(Job{spec, br.gvk});
      }
    }
  }
  const Snapshot snap(resources);
  for (const auto& r : order) {
    const ResId referrerId = r->curId();
    const Reach reach(snap, *r, referrerId);
    for (const auto& job : jobs[r.get()]) {
      Referrer(snap, r, referrerId, reach, job.spec, job.target).run();
    }
  }
}

}  // namespace driftless::kustomize
