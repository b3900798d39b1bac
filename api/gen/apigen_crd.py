"""apigen_crd: the CustomResourceDefinitions of the API definitions (see apigen.py)."""

import copy

import yaml

# The JSON schema of each scalar type of the definition language (api/README.md).
SCHEMAS = {
    "string": {"type": "string"},
    "bool": {"type": "boolean"},
    "int32": {"type": "integer", "format": "int32"},
    "int64": {"type": "integer", "format": "int64"},
    "integer": {"type": "integer"},
    "float64": {"type": "number"},
    "duration": {"type": "string"},
    "time": {"type": "string", "format": "date-time"},
    "intOrString": {"anyOf": [{"type": "integer"}, {"type": "string"}],
                    "x-kubernetes-int-or-string": True},
    "json": {"x-kubernetes-preserve-unknown-fields": True},
    "object": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
}
# Facet keys copied into the schema, with their OpenAPI names; doc, validations, embedded and
# schema are applied by apply_facets.
FACETS = {k: k for k in """default enum pattern format minimum maximum exclusiveMinimum
    exclusiveMaximum minLength maxLength minItems maxItems minProperties maxProperties
    nullable""".split()}
FACETS.update(listType="x-kubernetes-list-type", listMapKeys="x-kubernetes-list-map-keys",
              mapType="x-kubernetes-map-type")

K8S_DOCS = "More info: https://git.k8s.io/community/contributors/devel/sig-architecture/" \
    "api-conventions.md#"
APIVERSION_DOC = ("APIVersion defines the versioned schema of this representation of an object.\n"
                  "Servers should convert recognized schemas to the latest internal value, and\n"
                  "may reject unrecognized values.\n" + K8S_DOCS + "resources")
KIND_DOC = ("Kind is a string value representing the REST resource this object represents.\n"
            "Servers may infer this from the endpoint the client submits requests to.\n"
            "Cannot be updated.\nIn CamelCase.\n" + K8S_DOCS + "types-kinds")


def merge(base, extra):
    """Deep-merges the mapping extra into base (lists and scalars replace)."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base


def apply_facets(schema, facets):
    for key, target in FACETS.items():
        if key in facets:
            schema[target] = copy.deepcopy(facets[key])
    if facets.get("doc"):
        schema["description"] = str(facets["doc"]).strip()
    if facets.get("validations"):
        schema.setdefault("x-kubernetes-validations", []).extend(
            copy.deepcopy(facets["validations"]))
    if facets.get("embedded"):
        schema.update({"type": "object", "x-kubernetes-embedded-resource": True,
                       "x-kubernetes-preserve-unknown-fields": True})
    return merge(schema, facets.get("schema") or {})


def type_schema(parsed):
    kind, arg = parsed
    if kind == "scalar":
        return copy.deepcopy(SCHEMAS[arg])
    if kind == "list":
        return {"type": "array", "items": type_schema(arg)}
    if kind == "map":
        return {"type": "object", "additionalProperties": type_schema(arg)}
    schema = {"type": "object"}  # a struct, inlined as controller-gen does
    if arg.fields:
        schema["properties"] = {name: field_schema(f, p) for name, f, p in arg.fields}
    required = [name for name, f, _ in arg.fields if f.get("required")]
    if required:
        schema["required"] = required
    return apply_facets(schema, arg.data)


def field_schema(field, parsed):
    schema = type_schema(parsed)
    if "items" in field:
        apply_facets(schema["items" if parsed[0] == "list" else "additionalProperties"],
                     field["items"])
    return apply_facets(schema, field)


def version_entry(k):
    properties = {"apiVersion": {"description": APIVERSION_DOC, "type": "string"},
                  "kind": {"description": KIND_DOC, "type": "string"},
                  "metadata": {"type": "object"},
                  "spec": type_schema(("ref", k["_spec"]))}
    if k.get("_status"):
        properties["status"] = type_schema(("ref", k["_status"]))
        if "statusDefault" in k:
            properties["status"]["default"] = copy.deepcopy(k["statusDefault"])
    root = {"type": "object", "properties": properties}
    if k.get("doc"):
        root["description"] = str(k["doc"]).strip()
    entry = {"name": k["version"], "served": k.get("served", True),
             "storage": k.get("storage", True), "schema": {"openAPIV3Schema": root}}
    if k.get("deprecated"):
        entry["deprecated"] = True
        if k.get("deprecationWarning"):
            entry["deprecationWarning"] = k["deprecationWarning"]
    if "subresources" in k:
        entry["subresources"] = copy.deepcopy(k["subresources"])
    if k.get("printerColumns"):
        entry["additionalPrinterColumns"] = copy.deepcopy(k["printerColumns"])
    return entry


def crd_names(k):
    names = {"kind": k["kind"], "listKind": k["kind"] + "List", "plural": k["plural"],
             "singular": k.get("singular", k["kind"].lower())}
    names.update({key: list(k[key]) for key in ("shortNames", "categories") if k.get(key)})
    return names


def crd_file_name(k):
    return f"{k['group']}_{k['plural']}.yaml"


def build_crds(files, errors):
    """{file name: CRD}; each kind file is one version of its CRD."""
    by_name = {}
    for file in files:
        if file.kind:
            by_name.setdefault(crd_file_name(file.kind), []).append(file.kind)
    crds = {}
    for name, kinds in sorted(by_name.items()):
        first = kinds[0]
        for k in kinds[1:]:
            for key in ("scope", "crdAnnotations"):
                if k.get(key) != first.get(key) or crd_names(k) != crd_names(first):
                    errors.add(name, f"{first['version']} and {k['version']} differ in {key} "
                               "or names")
        if sum(1 for k in kinds if k.get("storage", True)) != 1:
            errors.add(name, "exactly one version must have storage: true")
        metadata = {"name": f"{first['plural']}.{first['group']}"}
        if first.get("crdAnnotations"):
            metadata["annotations"] = dict(first["crdAnnotations"])
        versions = [version_entry(k) for k in sorted(kinds, key=lambda k: k["version"])]
        crds[name] = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                      "metadata": metadata,
                      "spec": {"group": first["group"], "names": crd_names(first),
                               "scope": first["scope"], "versions": versions}}
    return crds


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


def _represent_str(dumper, text):
    style = "|" if "\n" in text else None
    if text in ("y", "Y", "n", "N"):  # booleans to YAML 1.1 readers such as kubectl
        style = "'"
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(doc):
    return "---\n" + yaml.dump(doc, Dumper=_Dumper, sort_keys=True, default_flow_style=False,
                               width=1 << 20, allow_unicode=True)
