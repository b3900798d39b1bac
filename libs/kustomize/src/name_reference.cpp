// The name reference transformer (api/internal/accumulator/namereferencetransformer.go and
// api/filters/nameref): after names changed (prefixes, suffixes, hashes, namespaces), fields that
// refer to other resources by name are updated to the referral's new name.

#include <map>
#include <string>
#include <vector>

#include "driftless/kustomize/error.h"
#include "driftless/kustomize/transformers.h"

namespace driftless::kustomize {

namespace {

using core::Value;
using Candidates = std::vector<ResourcePtr>;

// True when `suffix` ends `whole` (utils.SameEndingSubSlice compares from the end).
bool sameEndingSubSlice(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  const auto& shorter = a.size() <= b.size() ? a : b;
  const auto& longer = a.size() <= b.size() ? b : a;
  if (shorter.empty()) return true;
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

template <typename F>
Candidates sieve(const Candidates& in, F keep) {
  Candidates out;
  for (const auto& r : in) {
    if (keep(*r)) out.push_back(r);
  }
  return out;
}

class Referrer {
 public:
  Referrer(ResourcePtr referrer, FieldSpec spec, Gvk target, Candidates candidates)
      : referrer_(std::move(referrer)),
        spec_(std::move(spec)),
        target_(std::move(target)),
        candidates_(std::move(candidates)) {}

  void run() {
    spec_.gvk = referrer_->gvk();
    try {
      applyFieldSpec(referrer_->obj(), spec_,
                     FieldSetter{[this](Value& node) { set(node); }, Value::Type::Null});
    } catch (const KustomizeError& e) {
      throw KustomizeError("updating name reference in '" + spec_.path + "' field of '" +
                           referrer_->curId().toString() + "': " + e.what());
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

  void setScalar(Value& node) {
    ResourcePtr referral = select(node.asString(), candidates_, false);
    if (!referral) return;
    referral->appendRefBy(referrer_->curId());
    node = Value(referral->name());
  }

  void setMapping(Value& node) {
    const Value* nameNode = node.find("name");
    if (nameNode == nullptr) throw KustomizeError("path config error; no 'name' field in node");
    Candidates candidates = candidates_;
    if (const Value* nsNode = node.find("namespace")) {
      const std::string ns = scalarString(*nsNode);
      candidates = sieve(candidates_,
                         [&](const Resource& r) { return r.orgId().effectiveNamespace() == ns; });
      if (candidates.empty()) {
        candidates = sieve(candidates_,
                           [&](const Resource& r) { return r.curId().effectiveNamespace() == ns; });
      }
    }
    const std::string oldName = scalarString(*nameNode);
    ResourcePtr referral = select(oldName, candidates, true);
    if (!referral) return;
    referral->appendRefBy(referrer_->curId());
    if (referral->name() == oldName && referral->ns().empty()) return;
    node.asObject().set("name", Value(referral->name()));
    if (!referral->ns().empty()) node.asObject().set("namespace", Value(referral->ns()));
  }

  ResourcePtr select(const std::string& oldName, Candidates c, bool withNamespace) {
    c = sieve(c, [&](const Resource& r) {
      for (const auto& id : r.prevIds()) {
        if (id.name == oldName) return true;
      }
      return false;
    });
    c = sieve(c, [&](const Resource& r) { return anyPrevIdSelectedBy(r, target_); });
    if (spec_.path.size() >= 12 &&
        spec_.path.compare(spec_.path.size() - 12, 12, "roleRef/name") == 0) {
      const Value& roleRef = referrer_->obj()["roleRef"];
      const Value* group = roleRef.find("apiGroup");
      const Value* kind = roleRef.find("kind");
      if (group != nullptr && kind != nullptr) {
        Gvk g{scalarString(*group), "", scalarString(*kind)};
        c = sieve(c, [&](const Resource& r) { return anyPrevIdSelectedBy(r, g); });
      }
    }
    const ResId referrerId = referrer_->curId();
    if (!referrerId.gvk.isClusterScoped()) {
      c = sieve(c, [&](const Resource& r) {
        const ResId id = r.curId();
        return id.gvk.isClusterScoped() || r.kind() == "ServiceAccount" ||
               referrerId.isNsEquals(id);
      });
    }
    if (c.size() == 1) return c.front();
    c = sieve(c, [&](const Resource& r) { return prefixesSuffixesEqual(r, *referrer_, true); });
    if (c.size() > 1) {
      c = sieve(c, [&](const Resource& r) { return prefixesSuffixesEqual(r, *referrer_, false); });
    }
    if (c.size() == 1) return c.front();
    if (c.empty()) return nullptr;
    bool identical = true;
    for (const auto& r : c) {
      identical = identical && r->name() == c.front()->name() &&
                  (!withNamespace || r->ns() == c.front()->ns());
    }
    if (identical) return c.front();
    std::string ids;
    for (std::size_t i = 0; i < c.size(); ++i)
      ids += (i > 0 ? ", " : "") + c[i]->curId().toString();
    throw KustomizeError("found multiple possible referrals: " + ids);
  }

  static bool anyPrevIdSelectedBy(const Resource& r, const Gvk& g) {
    for (const auto& id : r.prevIds()) {
      if (id.gvk.isSelected(g)) return true;
    }
    return false;
  }

  ResourcePtr referrer_;
  FieldSpec spec_;
  Gvk target_;
  Candidates candidates_;
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
  for (const auto& r : order) {
    Candidates candidates = m.subsetThatCouldBeReferencedBy(*r);
    for (const auto& job : jobs[r.get()]) {
      Referrer(r, job.spec, job.target, candidates).run();
    }
  }
}

}  // namespace driftless::kustomize
