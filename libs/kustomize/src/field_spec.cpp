#include "driftless/kustomize/field_spec.h"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "driftless/kustomize/error.h"

namespace driftless::kustomize {

namespace {

FieldSpec fs(std::string path, std::string kind = "", bool create = false, std::string group = "",
             std::string version = "") {
  return FieldSpec{Gvk{std::move(group), std::move(version), std::move(kind)}, std::move(path),
                   create};
}

// The pod spec of each workload kind, and the kinds that have one.
struct PodSpecAt {
  const char* kind;
  const char* prefix;
};
constexpr PodSpecAt kPodSpecs[] = {
    {"Pod", "spec"},
    {"PodTemplate", "template/spec"},
    {"Deployment", "spec/template/spec"},
    {"ReplicaSet", "spec/template/spec"},
    {"DaemonSet", "spec/template/spec"},
    {"StatefulSet", "spec/template/spec"},
    {"Job", "spec/template/spec"},
    {"CronJob", "spec/jobTemplate/spec/template/spec"},
};

// Referrer specs: `rel` under the pod spec of each listed workload kind.
void podRefs(FsSlice& out, std::initializer_list<const char*> rels,
             std::initializer_list<const char*> kinds) {
  for (const char* kind : kinds) {
    for (const auto& p : kPodSpecs) {
      if (std::string_view(p.kind) != kind) continue;
      for (const char* rel : rels)
        out.push_back(fs(std::string(p.prefix) + "/" + rel, kind));
    }
  }
}

void podRefs(FsSlice& out, std::initializer_list<const char*> rels) {
  podRefs(out, rels,
          {"Pod", "PodTemplate", "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job",
           "CronJob"});
}

// Pod-spec relative paths with the ReplicationController (spec/template/spec) added.
void workloadRefs(FsSlice& out, const char* rel) {
  out.push_back(fs(std::string("spec/") + rel, "Pod"));
  for (const char* k : {"StatefulSet", "Deployment", "ReplicationController"})
    out.push_back(fs(std::string("spec/template/spec/") + rel, k));
  out.push_back(fs(std::string("spec/jobTemplate/spec/template/spec/") + rel, "CronJob"));
  for (const char* k : {"Job", "DaemonSet"})
    out.push_back(fs(std::string("spec/template/spec/") + rel, k));
}

FsSlice metadataLabels() {
  FsSlice out{fs("metadata/labels", "", true)};
  out.push_back(fs("spec/template/metadata/labels", "ReplicationController", true, "", "v1"));
  for (const char* k : {"Deployment", "ReplicaSet", "DaemonSet"})
    out.push_back(fs("spec/template/metadata/labels", k, true));
  out.push_back(fs("spec/template/metadata/labels", "StatefulSet", true, "apps"));
  out.push_back(fs("spec/volumeClaimTemplates[]/metadata/labels", "StatefulSet", true, "apps"));
  out.push_back(fs("spec/template/metadata/labels", "Job", true, "batch"));
  out.push_back(fs("spec/jobTemplate/metadata/labels", "CronJob", true, "batch"));
  out.push_back(fs("spec/jobTemplate/spec/template/metadata/labels", "CronJob", true, "batch"));
  return out;
}

FsSlice commonLabelSpecs() {
  FsSlice out;
  out.push_back(fs("spec/selector", "Service", true, "", "v1"));
  out.push_back(fs("spec/selector", "ReplicationController", true, "", "v1"));
  const char* affinity[] = {
      "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/"
      "podAffinityTerm/labelSelector/matchLabels",
      "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/"
      "labelSelector/matchLabels",
      "spec/template/spec/affinity/podAntiAffinity/"
      "preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
      "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/"
      "labelSelector/matchLabels",
      "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels"};
  out.push_back(fs("spec/selector/matchLabels", "Deployment", true));
  for (const char* a : affinity)
    out.push_back(fs(a, "Deployment", false, "apps"));
  out.push_back(fs("spec/selector/matchLabels", "ReplicaSet", true));
  out.push_back(fs("spec/selector/matchLabels", "DaemonSet", true));
  out.push_back(fs("spec/selector/matchLabels", "StatefulSet", true, "apps"));
  for (const char* a : affinity)
    out.push_back(fs(a, "StatefulSet", false, "apps"));
  out.push_back(fs("spec/selector/matchLabels", "Job", false, "batch"));
  out.push_back(fs("spec/jobTemplate/spec/selector/matchLabels", "CronJob", false, "batch"));
  out.push_back(fs("spec/selector/matchLabels", "PodDisruptionBudget", false, "policy"));
  for (const char* p : {"spec/podSelector/matchLabels", "spec/ingress/from/podSelector/matchLabels",
                        "spec/egress/to/podSelector/matchLabels"})
    out.push_back(fs(p, "NetworkPolicy", false, "networking.k8s.io"));
  mergeAll(out, metadataLabels());
  return out;
}

FsSlice commonAnnotationSpecs() {
  FsSlice out{fs("metadata/annotations", "", true)};
  out.push_back(fs("spec/template/metadata/annotations", "ReplicationController", true, "", "v1"));
  for (const char* k : {"Deployment", "ReplicaSet", "DaemonSet", "StatefulSet"})
    out.push_back(fs("spec/template/metadata/annotations", k, true));
  out.push_back(fs("spec/template/metadata/annotations", "Job", true, "batch"));
  out.push_back(fs("spec/jobTemplate/metadata/annotations", "CronJob", true, "batch"));
  out.push_back(
      fs("spec/jobTemplate/spec/template/metadata/annotations", "CronJob", true, "batch"));
  return out;
}

FsSlice varReferenceSpecs() {
  FsSlice out;
  const char* containerRels[] = {
      "containers/args",          "containers/command",
      "containers/env/value",     "containers/volumeMounts/mountPath",
      "initContainers/args",      "initContainers/command",
      "initContainers/env/value", "initContainers/volumeMounts/mountPath"};
  auto add = [&](const char* kind, const std::string& prefix, const std::string& nfs) {
    for (const char* rel : containerRels)
      out.push_back(fs(prefix + "/" + rel, kind));
    out.push_back(fs(nfs, kind));
  };
  add("CronJob", "spec/jobTemplate/spec/template/spec",
      "spec/jobTemplate/spec/template/volumes/nfs/server");
  add("DaemonSet", "spec/template/spec", "spec/template/spec/volumes/nfs/server");
  add("Deployment", "spec/template/spec", "spec/template/spec/volumes/nfs/server");
  out.push_back(fs("spec/template/metadata/annotations", "Deployment"));
  for (const char* p : {"spec/rules/host", "spec/tls/hosts", "spec/tls/secretName"})
    out.push_back(fs(p, "Ingress"));
  add("Job", "spec/template/spec", "spec/template/spec/volumes/nfs/server");
  add("Pod", "spec", "spec/volumes/nfs/server");
  add("ReplicaSet", "spec/template/spec", "spec/template/spec/volumes/nfs/server");
  out.push_back(fs("spec/ports/port", "Service"));
  out.push_back(fs("spec/ports/targetPort", "Service"));
  add("StatefulSet", "spec/template/spec", "spec/volumeClaimTemplates/spec/nfs/server");
  out.push_back(fs("spec/nfs/server", "PersistentVolume"));
  out.push_back(fs("metadata/labels"));
  out.push_back(fs("metadata/annotations"));
  return out;
}

NameBackReferences refs(std::string kind, std::string group, std::string version, FsSlice specs) {
  return NameBackReferences{Gvk{std::move(group), std::move(version), std::move(kind)},
                            std::move(specs)};
}

std::vector<NameBackReferences> nameReferenceSpecs() {
  std::vector<NameBackReferences> out;
  for (const char* k : {"Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"})
    out.push_back(refs(k, "", "", {fs("spec/scaleTargetRef/name", "HorizontalPodAutoscaler")}));
  FsSlice cm;
  podRefs(cm, {"volumes/configMap/name", "containers/env/valueFrom/configMapKeyRef/name",
               "initContainers/env/valueFrom/configMapKeyRef/name",
               "containers/envFrom/configMapRef/name", "initContainers/envFrom/configMapRef/name",
               "volumes/projected/sources/configMap/name"});
  cm.push_back(fs("spec/configSource/configMap", "Node"));
  cm.push_back(fs("rules/resourceNames", "Role"));
  cm.push_back(fs("rules/resourceNames", "ClusterRole"));
  cm.push_back(
      fs("metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", "Ingress"));
  out.push_back(refs("ConfigMap", "", "v1", std::move(cm)));
  FsSlice secret;
  podRefs(secret, {"volumes/secret/secretName", "containers/env/valueFrom/secretKeyRef/name",
                   "initContainers/env/valueFrom/secretKeyRef/name",
                   "containers/envFrom/secretRef/name", "initContainers/envFrom/secretRef/name",
                   "imagePullSecrets/name", "volumes/projected/sources/secret/name"});
  secret.push_back(fs("spec/tls/secretName", "Ingress"));
  for (const char* a :
       {"ingress.kubernetes.io\\/auth-secret", "nginx.ingress.kubernetes.io\\/auth-secret",
        "nginx.ingress.kubernetes.io\\/auth-tls-secret"})
    secret.push_back(fs(std::string("metadata/annotations/") + a, "Ingress"));
  secret.push_back(fs("imagePullSecrets/name", "ServiceAccount"));
  for (const char* p : {"parameters/secretName", "parameters/adminSecretName",
                        "parameters/userSecretName", "parameters/secretRef"})
    secret.push_back(fs(p, "StorageClass"));
  secret.push_back(fs("rules/resourceNames", "Role"));
  secret.push_back(fs("rules/resourceNames", "ClusterRole"));
  secret.push_back(fs("spec/template/spec/containers/env/valueFrom/secretKeyRef/name", "Service",
                      false, "serving.knative.dev", "v1"));
  secret.push_back(fs("spec/azureFile/secretName", "PersistentVolume"));
  out.push_back(refs("Secret", "", "v1", std::move(secret)));
  FsSlice svc{fs("spec/serviceName", "StatefulSet", false, "apps")};
  for (const char* p :
       {"spec/rules/http/paths/backend/serviceName", "spec/backend/serviceName",
        "spec/rules/http/paths/backend/service/name", "spec/defaultBackend/service/name"})
    svc.push_back(fs(p, "Ingress"));
  svc.push_back(fs("spec/service/name", "APIService", false, "apiregistration.k8s.io"));
  for (const char* k : {"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})
    svc.push_back(fs("webhooks/clientConfig/service", k, false, "admissionregistration.k8s.io"));
  out.push_back(refs("Service", "", "v1", std::move(svc)));
  const std::string rbac = "rbac.authorization.k8s.io";
  out.push_back(refs("Role", rbac, "", {fs("roleRef/name", "RoleBinding", false, rbac)}));
  out.push_back(refs("ClusterRole", rbac, "",
                     {fs("roleRef/name", "RoleBinding", false, rbac),
                      fs("roleRef/name", "ClusterRoleBinding", false, rbac)}));
  FsSlice sa{fs("subjects", "RoleBinding", false, rbac),
             fs("subjects", "ClusterRoleBinding", false, rbac)};
  workloadRefs(sa, "serviceAccountName");
  out.push_back(refs("ServiceAccount", "", "v1", std::move(sa)));
  FsSlice pvc;
  workloadRefs(pvc, "volumes/persistentVolumeClaim/claimName");
  out.push_back(refs("PersistentVolumeClaim", "", "v1", std::move(pvc)));
  out.push_back(refs(
      "PersistentVolume", "", "v1",
      {fs("spec/volumeName", "PersistentVolumeClaim"), fs("rules/resourceNames", "ClusterRole")}));
  out.push_back(refs("StorageClass", "storage.k8s.io", "v1",
                     {fs("spec/storageClassName", "PersistentVolume"),
                      fs("spec/storageClassName", "PersistentVolumeClaim"),
                      fs("spec/volumeClaimTemplates/spec/storageClassName", "StatefulSet")}));
  FsSlice pc;
  workloadRefs(pc, "priorityClassName");
  out.push_back(refs("PriorityClass", "scheduling.k8s.io", "v1", std::move(pc)));
  // The group is written as "networking.k8s.io/v1" upstream, so it never matches.
  out.push_back(
      refs("IngressClass", "networking.k8s.io/v1", "v1", {fs("spec/ingressClassName", "Ingress")}));
  out.push_back(refs("ValidatingAdmissionPolicy", "admissionregistration.k8s.io", "",
                     {fs("spec/policyName", "ValidatingAdmissionPolicyBinding", false,
                         "admissionregistration.k8s.io")}));
  return out;
}

std::string stringField(const core::Value& v, std::string_view key) {
  const core::Value* f = v.find(key);
  return f != nullptr && f->isString() ? f->asString() : std::string();
}

}  // namespace

bool FieldSpec::effectivelyEquals(const FieldSpec& o) const {
  return gvk.isSelected(o.gvk) && path == o.path;
}

void mergeOne(FsSlice& into, const FieldSpec& x) {
  for (const auto& s : into) {
    if (s.effectivelyEquals(x)) {
      if (s.create != x.create) throw KustomizeError("conflicting fieldspecs");
      return;
    }
  }
  into.push_back(x);
}

void mergeAll(FsSlice& into, const FsSlice& xs) {
  for (const auto& x : xs)
    mergeOne(into, x);
}

// builtinconfig's sortFields: every slice by Gvk.IsLessThan, which puts wildcard specs after
// the kind-specific ones (and so decides which duplicates mergeOne keeps).
void TransformerConfig::sortFields() {
  auto byGvk = [](const auto& a, const auto& b) { return a.gvk.isLessThan(b.gvk); };
  for (FsSlice* slice : {&namePrefix, &nameSuffix, &nameSpace, &commonLabels, &templateLabels,
                         &labels, &commonAnnotations, &varReference, &images, &replicas}) {
    std::stable_sort(slice->begin(), slice->end(), byGvk);
  }
  std::stable_sort(nameReference.begin(), nameReference.end(), byGvk);
}

TransformerConfig TransformerConfig::defaults() {
  static const TransformerConfig kDefaults = makeDefaults();
  return kDefaults;
}

TransformerConfig TransformerConfig::makeDefaults() {
  TransformerConfig c;
  c.namePrefix = {fs("metadata/name")};
  c.nameSuffix = {fs("metadata/name")};
  c.commonLabels = commonLabelSpecs();
  c.templateLabels = metadataLabels();
  c.commonAnnotations = commonAnnotationSpecs();
  c.nameSpace = {fs("metadata/name", "Namespace", true),
                 fs("spec/service/namespace", "APIService", true, "apiregistration.k8s.io"),
                 fs("spec/conversion/webhook/clientConfig/service/namespace",
                    "CustomResourceDefinition", false, "apiextensions.k8s.io")};
  c.varReference = varReferenceSpecs();
  c.nameReference = nameReferenceSpecs();
  for (const char* p :
       {"spec/containers[]/image", "spec/initContainers[]/image",
        "spec/template/spec/containers[]/image", "spec/template/spec/initContainers[]/image"})
    c.images.push_back(fs(p, "", true));
  for (const char* k : {"Deployment", "ReplicationController", "ReplicaSet", "StatefulSet"})
    c.replicas.push_back(fs("spec/replicas", k, true));
  c.sortFields();
  return c;
}

FieldSpec fieldSpecFromValue(const core::Value& v) {
  FieldSpec f;
  f.gvk.group = stringField(v, "group");
  f.gvk.version = stringField(v, "version");
  f.gvk.kind = stringField(v, "kind");
  f.path = stringField(v, "path");
  const core::Value* c = v.find("create");
  f.create = c != nullptr && c->isBool() && c->asBool();
  return f;
}

FsSlice fieldSpecsFromValue(const core::Value& v) {
  FsSlice out;
  if (!v.isArray()) return out;
  for (const auto& e : v.asArray())
    out.push_back(fieldSpecFromValue(e));
  return out;
}

TransformerConfig TransformerConfig::fromValue(const core::Value& v) {
  TransformerConfig c;
  c.namePrefix = fieldSpecsFromValue(v["namePrefix"]);
  c.nameSuffix = fieldSpecsFromValue(v["nameSuffix"]);
  c.nameSpace = fieldSpecsFromValue(v["namespace"]);
  c.commonLabels = fieldSpecsFromValue(v["commonLabels"]);
  c.templateLabels = fieldSpecsFromValue(v["templateLabels"]);
  c.labels = fieldSpecsFromValue(v["labels"]);
  c.commonAnnotations = fieldSpecsFromValue(v["commonAnnotations"]);
  c.varReference = fieldSpecsFromValue(v["varReference"]);
  c.images = fieldSpecsFromValue(v["images"]);
  c.replicas = fieldSpecsFromValue(v["replicas"]);
  const core::Value& nr = v["nameReference"];
  if (nr.isArray()) {
    for (const auto& e : nr.asArray()) {
      NameBackReferences b;
      b.gvk = Gvk{stringField(e, "group"), stringField(e, "version"), stringField(e, "kind")};
      b.referrers = fieldSpecsFromValue(e["fieldSpecs"]);
      c.nameReference.push_back(std::move(b));
    }
  }
  c.sortFields();
  return c;
}

void TransformerConfig::merge(const TransformerConfig& o) {
  mergeAll(namePrefix, o.namePrefix);
  mergeAll(nameSuffix, o.nameSuffix);
  mergeAll(nameSpace, o.nameSpace);
  mergeAll(commonLabels, o.commonLabels);
  mergeAll(templateLabels, o.templateLabels);
  mergeAll(labels, o.labels);
  mergeAll(commonAnnotations, o.commonAnnotations);
  mergeAll(varReference, o.varReference);
  mergeAll(images, o.images);
  mergeAll(replicas, o.replicas);
  for (const auto& b : o.nameReference) {
    bool found = false;
    for (auto& mine : nameReference) {
      if (mine.gvk == b.gvk) {
        mergeAll(mine.referrers, b.referrers);
        found = true;
        break;
      }
    }
    if (!found) nameReference.push_back(b);
  }
  sortFields();
}

bool fieldSpecMatches(const FieldSpec& f, const core::Value& obj) {
  const std::string kind = stringField(obj, "kind");
  if (!f.gvk.kind.empty() && f.gvk.kind != kind) return false;
  Gvk g = Gvk::fromApiVersion(stringField(obj, "apiVersion"), kind);
  if (!f.gvk.group.empty() && f.gvk.group != g.group) return false;
  if (!f.gvk.version.empty() && f.gvk.version != g.version) return false;
  return true;
}

std::vector<std::string> splitFieldPath(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t pos = path.find('/', start);
    parts.emplace_back(path.substr(start, pos == std::string_view::npos ? pos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  if (parts.size() > 1 && parts.front().empty()) parts.erase(parts.begin());
  std::vector<std::string> out{parts.front()};
  for (std::size_t i = 1; i < parts.size(); ++i) {
    if (!out.back().empty() && out.back().back() == '\\') {
      out.back().pop_back();
      out.back() += "/" + parts[i];
    } else {
      out.push_back(parts[i]);
    }
  }
  return out;
}

namespace {

void walk(core::Value& node, const std::vector<std::string>& path, std::size_t i,
          const FieldSpec& spec, const FieldSetter& setter) {
  if (i == path.size()) {
    setter.set(node);
    return;
  }
  if (node.isNull()) return;
  if (node.isArray()) {
    for (auto& e : node.asArray())
      walk(e, path, i, spec, setter);
    return;
  }
  if (!node.isObject()) throw KustomizeError("expected sequence or mapping node");
  std::string name = path[i];
  bool isSeq = name.size() >= 2 && name.compare(name.size() - 2, 2, "[]") == 0;
  if (isSeq) name.resize(name.size() - 2);
  if (name.empty()) throw KustomizeError("cannot set or create an empty field name");
  core::Object& obj = node.asObject();
  core::Value* field = obj.find(name);
  const bool create = spec.create && setter.createKind != core::Value::Type::Null && !isSeq;
  if (field == nullptr) {
    if (!create) return;
    const bool last = i + 1 == path.size();
    core::Value fresh = !last || setter.createKind == core::Value::Type::Object
                            ? core::Value::object()
                            : core::Value();
    field = &obj.set(name, std::move(fresh));
  } else if (field->isNull() && create) {
    const bool last = i + 1 == path.size();
    if (!last || setter.createKind == core::Value::Type::Object) *field = core::Value::object();
  }
  walk(*field, path, i + 1, spec, setter);
}

}  // namespace

void applyFieldSpec(core::Value& obj, const FieldSpec& spec, const FieldSetter& setter) {
  if (!fieldSpecMatches(spec, obj)) return;
  try {
    walk(obj, splitFieldPath(spec.path), 0, spec, setter);
  } catch (const KustomizeError& e) {
    Gvk g = Gvk::fromApiVersion(stringField(obj, "apiVersion"), stringField(obj, "kind"));
    ResId id{g, stringField(obj["metadata"], "name"), stringField(obj["metadata"], "namespace")};
    throw KustomizeError("considering field '" + spec.path + "' of object " + id.toString() + ": " +
                         e.what());
  }
}

void applyFieldSpecs(core::Value& obj, const FsSlice& specs, const FieldSetter& setter) {
  for (const auto& s : specs)
    applyFieldSpec(obj, s, setter);
}

}  // namespace driftless::kustomize
