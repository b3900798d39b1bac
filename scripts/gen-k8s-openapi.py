#!/usr/bin/env python3
"""Generates the built-in resource table and OpenAPI v3 documents of the embedded control plane.

Input: the Kubernetes OpenAPI v2 document (swagger.json, release-1.36, Apache-2.0 the Kubernetes
Authors). Output (committed, minified, sorted keys) under libs/k8s/data/:
  builtin-resources.json       the resources served (group, version, kind, plural, verbs, ...)
  openapi-v3/<gv>.json         one OpenAPI 3.0 document per group version (api__v1, apis__apps__v1)

Usage: scripts/gen-k8s-openapi.py [path/to/swagger.json] [output dir]
Python 3 standard library only.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SWAGGER = os.path.join(HERE, "..", "..", "shared", "k8s-openapi", "swagger.json")
DEFAULT_OUT = os.path.join(HERE, "..", "libs", "apiserver", "data")

# (group, version, [plurals]) in the order they are served.
RESOURCES = [
    ("", "v1", ["namespaces", "configmaps", "secrets", "serviceaccounts", "services", "endpoints",
                "pods", "events", "persistentvolumeclaims"]),
    ("events.k8s.io", "v1", ["events"]),
    ("apps", "v1", ["deployments", "replicasets", "statefulsets", "daemonsets"]),
    ("batch", "v1", ["jobs", "cronjobs"]),
    ("networking.k8s.io", "v1", ["ingresses", "networkpolicies", "ingressclasses"]),
    ("policy", "v1", ["poddisruptionbudgets"]),
    ("autoscaling", "v2", ["horizontalpodautoscalers"]),
    ("coordination.k8s.io", "v1", ["leases"]),
    ("rbac.authorization.k8s.io", "v1", ["roles", "rolebindings", "clusterroles", "clusterrolebindings"]),
    ("scheduling.k8s.io", "v1", ["priorityclasses"]),
    ("storage.k8s.io", "v1", ["storageclasses"]),
    ("admissionregistration.k8s.io", "v1", ["validatingwebhookconfigurations",
                                            "mutatingwebhookconfigurations"]),
    ("apiextensions.k8s.io", "v1", ["customresourcedefinitions"]),
]

# kube-apiserver's short names and categories (pkg/registry/*/storage ShortNames()/Categories()).
SHORT_NAMES = {
    ("", "configmaps"): ["cm"],
    ("", "namespaces"): ["ns"],
    ("", "services"): ["svc"],
    ("", "serviceaccounts"): ["sa"],
    ("", "endpoints"): ["ep"],
    ("", "pods"): ["po"],
    ("", "events"): ["ev"],
    ("events.k8s.io", "events"): ["ev"],
    ("", "persistentvolumeclaims"): ["pvc"],
    ("apps", "deployments"): ["deploy"],
    ("apps", "replicasets"): ["rs"],
    ("apps", "statefulsets"): ["sts"],
    ("apps", "daemonsets"): ["ds"],
    ("batch", "cronjobs"): ["cj"],
    ("networking.k8s.io", "ingresses"): ["ing"],
    ("networking.k8s.io", "networkpolicies"): ["netpol"],
    ("policy", "poddisruptionbudgets"): ["pdb"],
    ("autoscaling", "horizontalpodautoscalers"): ["hpa"],
    ("scheduling.k8s.io", "priorityclasses"): ["pc"],
    ("storage.k8s.io", "storageclasses"): ["sc"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["crd", "crds"],
}
CATEGORIES = {
    ("", "pods"): ["all"],
    ("", "services"): ["all"],
    ("apps", "deployments"): ["all"],
    ("apps", "replicasets"): ["all"],
    ("apps", "statefulsets"): ["all"],
    ("apps", "daemonsets"): ["all"],
    ("batch", "jobs"): ["all"],
    ("batch", "cronjobs"): ["all"],
    ("autoscaling", "horizontalpodautoscalers"): ["all"],
    ("admissionregistration.k8s.io", "validatingwebhookconfigurations"): ["api-extensions"],
    ("admissionregistration.k8s.io", "mutatingwebhookconfigurations"): ["api-extensions"],
    ("apiextensions.k8s.io", "customresourcedefinitions"): ["api-extensions"],
}

# x-kubernetes-action -> kube verb.
VERBS = {"get": "get", "list": "list", "watch": "watch", "watchlist": "watch", "post": "create",
         "put": "update", "patch": "patch", "delete": "delete", "deletecollection": "deletecollection"}
# Subresources the control plane serves (get/update/patch on .../{name}/<sub>).
SUBRESOURCES = ["status", "scale"]
METHODS = ["get", "put", "post", "delete", "patch"]
PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json",
               "application/merge-patch+json", "application/strategic-merge-patch+json"]
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
EXTRA_SCHEMAS = [META + "Status", META + "DeleteOptions", META + "Patch", META + "WatchEvent"]
V2_REF = "#/definitions/"
V3_REF = "#/components/schemas/"


def gv_prefix(group, version):
    return "/api/" + version if group == "" else "/apis/" + group + "/" + version


def gv_file(group, version):
    return "api__" + version if group == "" else "apis__" + group + "__" + version


def fail(msg):
    sys.stderr.write("gen-k8s-openapi: " + msg + "\n")
    sys.exit(1)


def ops(path_item):
    return [(m, path_item[m]) for m in METHODS if m in path_item]


class Gen:
    def __init__(self, swagger):
        self.sw = swagger
        self.paths = swagger["paths"]
        self.defs = swagger["definitions"]
        self.params = swagger.get("parameters", {})

    # ---- resource table -------------------------------------------------------------------
    def resource_paths(self, group, version, plural):
        """Returns (namespaced, collection, item, watch paths, all-namespaces list path)."""
        prefix = gv_prefix(group, version)
        ns_coll = prefix + "/namespaces/{namespace}/" + plural
        cl_coll = prefix + "/" + plural
        if ns_coll in self.paths:
            namespaced, coll = True, ns_coll
        elif cl_coll in self.paths:
            namespaced, coll = False, cl_coll
        else:
            fail("no collection path for %s/%s %s" % (group, version, plural))
        item = coll + "/{name}"
        if item not in self.paths:
            fail("no item path " + item)
        if namespaced:
            watch = [prefix + "/watch/namespaces/{namespace}/" + plural,
                     prefix + "/watch/namespaces/{namespace}/" + plural + "/{name}",
                     prefix + "/watch/" + plural]
            all_ns = cl_coll if cl_coll in self.paths else None
        else:
            watch = [prefix + "/watch/" + plural, prefix + "/watch/" + plural + "/{name}"]
            all_ns = None
        watch = [p for p in watch if p in self.paths]
        return namespaced, coll, item, watch, all_ns

    def resource(self, group, version, plural):
        namespaced, coll, item, watch, all_ns = self.resource_paths(group, version, plural)
        kind = None
        verbs = set()
        for p in [coll, item] + watch + ([all_ns] if all_ns else []):
            for _, op in ops(self.paths[p]):
                action = op.get("x-kubernetes-action")
                if action in VERBS:
                    verbs.add(VERBS[action])
                gvk = op.get("x-kubernetes-group-version-kind")
                if gvk and p in (coll, item):
                    if (gvk.get("group", ""), gvk["version"]) != (group, version):
                        fail("unexpected GVK %r on %s" % (gvk, p))
                    if kind is None:
                        kind = gvk["kind"]
                    elif kind != gvk["kind"]:
                        fail("conflicting kinds %s/%s on %s" % (kind, gvk["kind"], p))
        if kind is None:
            fail("no kind for " + coll)
        subs = [s for s in SUBRESOURCES if item + "/" + s in self.paths]
        other_subs = sorted({p[len(item) + 1:].split("/")[0] for p in self.paths
                             if p.startswith(item + "/")} - set(subs))
        return {
            "group": group, "version": version, "kind": kind, "plural": plural,
            "singular": kind.lower(), "namespaced": namespaced, "verbs": sorted(verbs),
            "shortNames": SHORT_NAMES.get((group, plural), []),
            "categories": CATEGORIES.get((group, plural), []),
            "subresources": subs,
        }, {"paths": [coll, item] + [item + "/" + s for s in subs] + ([all_ns] if all_ns else []),
            "skipped_subresources": other_subs}

    # ---- OpenAPI v3 -----------------------------------------------------------------------
    def rewrite(self, v):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if k == "$ref" and isinstance(x, str) and x.startswith(V2_REF):
                    out[k] = V3_REF + x[len(V2_REF):]
                else:
                    out[k] = self.rewrite(x)
            return out
        if isinstance(v, list):
            return [self.rewrite(x) for x in v]
        return v

    def resolve_param(self, p):
        ref = p.get("$ref")
        if ref:
            name = ref.split("/")[-1]
            if name not in self.params:
                fail("unknown parameter " + ref)
            return self.params[name]
        return p

    def convert_param(self, p):
        out = {"name": p["name"], "in": p["in"]}
        if p.get("description"):
            out["description"] = p["description"]
        if p.get("required") or p["in"] == "path":
            out["required"] = True
        schema = {}
        for k in ("type", "format", "items", "uniqueItems", "enum", "default"):
            if k in p:
                schema[k] = p[k]
        out["schema"] = self.rewrite(schema)
        return out

    def convert_op(self, method, op):
        out = {}
        for k in ("description", "operationId", "tags", "x-kubernetes-action",
                  "x-kubernetes-group-version-kind"):
            if k in op:
                out[k] = op[k]
        params = []
        body = None
        for raw in op.get("parameters", []):
            p = self.resolve_param(raw)
            if p["in"] == "body":
                body = p
            else:
                params.append(self.convert_param(p))
        if params:
            out["parameters"] = params
        if method == "patch":
            patch = {"schema": {"$ref": V3_REF + META + "Patch"}}
            consumes = op.get("consumes", PATCH_TYPES)
            out["requestBody"] = {"required": True, "content": {
                t: dict(patch) for t in PATCH_TYPES if t in consumes}}
        elif body is not None:
            rb = {"content": {"application/json": {"schema": self.rewrite(body["schema"])}}}
            if body.get("required"):
                rb["required"] = True
            out["requestBody"] = rb
        responses = {}
        for code, r in op.get("responses", {}).items():
            nr = {"description": r.get("description", "")}
            if "schema" in r:
                nr["content"] = {"application/json": {"schema": self.rewrite(r["schema"])}}
            responses[code] = nr
        out["responses"] = responses
        return out

    def convert_path(self, path_item):
        out = {}
        if "parameters" in path_item:
            out["parameters"] = [self.convert_param(self.resolve_param(p))
                                 for p in path_item["parameters"]]
        for m, op in ops(path_item):
            out[m] = self.convert_op(m, op)
        return out

    def kind_schema(self, group, version, kind):
        for name, d in self.defs.items():
            for gvk in d.get("x-kubernetes-group-version-kind", []):
                if (gvk.get("group", ""), gvk["version"], gvk["kind"]) == (group, version, kind):
                    return name
        return None

    def reachable(self, roots):
        seen = set()
        stack = list(roots)

        def refs(v):
            if isinstance(v, dict):
                for k, x in v.items():
                    if k == "$ref" and isinstance(x, str):
                        yield x
                    else:
                        yield from refs(x)
            elif isinstance(v, list):
                for x in v:
                    yield from refs(x)

        while stack:
            n = stack.pop()
            if n in seen:
                continue
            if n not in self.defs:
                fail("unknown definition " + n)
            seen.add(n)
            for r in refs(self.defs[n]):
                for pre in (V2_REF, V3_REF):
                    if r.startswith(pre):
                        stack.append(r[len(pre):])
        return seen

    def document(self, group, version, resources, extras):
        paths = {}
        roots = set(EXTRA_SCHEMAS)
        for r, x in zip(resources, extras):
            for p in x["paths"]:
                paths[p] = self.convert_path(self.paths[p])
            for kind in (r["kind"], r["kind"] + "List"):
                name = self.kind_schema(group, version, kind)
                if name is None:
                    fail("no schema for %s/%s %s" % (group, version, kind))
                roots.add(name)

        def collect(v):
            if isinstance(v, dict):
                for k, y in v.items():
                    if k == "$ref" and isinstance(y, str) and y.startswith(V3_REF):
                        roots.add(y[len(V3_REF):])
                    else:
                        collect(y)
            elif isinstance(v, list):
                for y in v:
                    collect(y)

        collect(paths)
        schemas = {n: self.rewrite(self.defs[n]) for n in sorted(self.reachable(roots))}
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": schemas}}


def strip_descriptions(v):
    if isinstance(v, dict):
        return {k: strip_descriptions(x) for k, x in v.items()
                if not (k == "description" and isinstance(x, str))}
    if isinstance(v, list):
        return [strip_descriptions(x) for x in v]
    return v


def dump(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.write("\n")


def main():
    swagger_path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SWAGGER
    out_dir = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUT
    with open(swagger_path, encoding="utf-8") as f:
        gen = Gen(json.load(f))

    table = []
    per_gv = []
    for group, version, plurals in RESOURCES:
        rs, xs = [], []
        for plural in plurals:
            r, x = gen.resource(group, version, plural)
            rs.append(r)
            xs.append(x)
            if x["skipped_subresources"]:
                print("note: %s/%s %s: subresources not served: %s"
                      % (group or "core", version, plural, ", ".join(x["skipped_subresources"])))
        table.extend(rs)
        per_gv.append((group, version, rs, xs))

    # A) the resource table first.
    write(os.path.join(out_dir, "builtin-resources.json"), dump(table))

    # B) one OpenAPI v3 document per group version.
    docs = {gv_file(g, v): gen.document(g, v, rs, xs) for g, v, rs, xs in per_gv}
    texts = {name: dump(doc) for name, doc in docs.items()}
    total = sum(len(t.encode("utf-8")) + 1 for t in texts.values())
    if total > 8 * 1024 * 1024:
        for name, doc in docs.items():
            if name == "api__v1":
                continue
            s = doc["components"]["schemas"]
            for n in list(s):
                if n.startswith("io.k8s.apimachinery"):
                    s[n] = strip_descriptions(s[n])
            texts[name] = dump(doc)
    oa_dir = os.path.join(out_dir, "openapi-v3")
    os.makedirs(oa_dir, exist_ok=True)
    for old in os.listdir(oa_dir):
        if old.endswith(".json") and old[:-5] not in texts:
            os.remove(os.path.join(oa_dir, old))
    for name, text in texts.items():
        write(os.path.join(oa_dir, name + ".json"), text)
    print("wrote %d resources, %d OpenAPI v3 documents to %s" % (len(table), len(texts), out_dir))


if __name__ == "__main__":
    main()
