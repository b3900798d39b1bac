#!/usr/bin/env python3
"""apigen: turns the API definitions under api/ (see api/README.md) into CRDs and C++.

    apigen.py --api-dir api --cpp-out build/api/gen --crd-out build/api/crd
    apigen.py --api-dir api --cpp-out ... --crd-out ... --list-outputs   # print the file names

Reads api/meta/v1/types.yaml and api/<group>/<version>/*.yaml and checks every key and type
reference (errors name the file and type; exit status 1). Then writes one CRD per kind
(<crd-out>/<group>_<plural>.yaml, every version of the kind in it; apigen_crd.py), a C++ header
and source per definition file (<cpp-out>/include/driftless/api/<group>/<version>/<stem>.h,
<cpp-out>/src/<group>/<version>/<stem>.cpp) and <cpp-out>/src/registry.cpp, the table behind
api/include/driftless/api/registry.h (apigen_cpp.py).
"""

import argparse
import glob
import os
import re
import sys

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

# pylint: disable=wrong-import-position
from apigen_cpp import emit_header, emit_registry, emit_source, included_files
from apigen_crd import FACETS, SCHEMAS, build_crds, crd_file_name, dump_yaml

KIND_KEYS = set("""group version kind plural singular shortNames categories scope storage served
    deprecated deprecationWarning subresources crdAnnotations printerColumns doc spec status
    statusDefault types""".split())
KIND_PATTERNS = {"group": r"[a-z0-9.-]+", "version": r"v[a-z0-9]+", "kind": r"[A-Z][A-Za-z0-9]*",
                 "plural": r"[a-z0-9]+", "scope": r"Namespaced|Cluster"}
ITEM_KEYS = set(FACETS) | {"doc", "validations", "embedded", "schema"}
FIELD_KEYS = ITEM_KEYS | {"type", "required", "items"}
TYPE_KEYS = {"doc", "validations", "schema", "fields"}
VALIDATION_KEYS = {"rule", "message", "messageExpression", "reason", "fieldPath"}
COLUMN_KEYS = {"name", "type", "jsonPath", "description", "format", "priority"}
RESERVED_MEMBERS = {"fromValue", "toValue", "fromJson", "toJson"}


class Package:
    """The types of one group version (meta: the shared types)."""

    def __init__(self, group, version):
        self.group, self.version, self.types = group, version, {}
        self.namespace = "driftless::api::" + ("meta" if group == "meta" else f"{group}::{version}")


class DefFile:
    def __init__(self, rel, pkg, data):
        self.rel, self.pkg, self.data, self.types = rel, pkg, data, []
        self.kind = data if "kind" in data else None
        stem = os.path.splitext(os.path.basename(rel))[0]
        self.header = f"driftless/api/{pkg.group}/{pkg.version}/{stem}.h"
        self.source = f"{pkg.group}/{pkg.version}/{stem}.cpp"


class TypeDef:
    def __init__(self, name, file, data):
        self.name, self.file, self.data = name, file, data
        self.fields = []  # [(JSON name, field dict, parsed type)]


class Errors(list):
    def add(self, where, message):
        self.append(f"{where}: {message}")


# ---------------------------------------------------------------------------------------------
# Loading and checking


def check_keys(data, allowed, where, errors):
    if not isinstance(data, dict):
        errors.add(where, f"expected a mapping, got {type(data).__name__}")
        return False
    for key in data:
        if key not in allowed:
            errors.add(where, f"unknown key '{key}'")
    return True


def definition_files(api_dir):
    """(path relative to api_dir, group, version) of every definition file, sorted."""
    paths = glob.glob(os.path.join(glob.escape(api_dir), "*", "*", "*.yaml"))
    rels = sorted(os.path.relpath(path, api_dir).replace(os.sep, "/") for path in paths)
    return [(rel, *rel.split("/")[:2]) for rel in rels
            if rel.split("/")[0] not in ("gen", "proto", "include", "src")]


def load(api_dir, errors):
    """Every definition file, with its types' fields and its kind's spec/status resolved."""
    packages, files = {}, []
    base = os.path.basename(os.path.normpath(api_dir))
    for rel, group, version in definition_files(api_dir):
        with open(os.path.join(api_dir, rel), encoding="utf-8") as f:
            rel = f"{base}/{rel}"  # as errors and generated comments name it: api/...
            try:
                data = yaml.safe_load(f) or {}
            except yaml.YAMLError as e:
                errors.add(rel, f"invalid YAML: {e}")
                continue
        pkg = packages.setdefault((group, version), Package(group, version))
        if not check_keys(data, KIND_KEYS if "kind" in data else {"types"}, rel, errors):
            continue
        file = DefFile(rel, pkg, data)
        if file.kind:
            check_kind(file, errors)
        load_types(file, data.get("types") or {}, errors)
        files.append(file)
    for file in files:
        for t in file.types:
            resolve_fields(t, packages, errors)
        if file.kind:
            resolve_kind(file, packages, errors)
    check_include_cycles(files, errors)
    return files


def load_types(file, types, errors):
    if not isinstance(types, dict):
        return errors.add(file.rel, "types must be a mapping")
    for name, data in types.items():
        where = f"{file.rel}: type {name}"
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", str(name)):
            errors.add(where, "type names must be UpperCamelCase identifiers")
        elif name in file.pkg.types:
            errors.add(where, f"also defined in {file.pkg.types[name].file.rel}")
        elif not isinstance(data, dict):
            errors.add(where, "expected a mapping")
        else:  # its keys are checked by resolve_fields
            file.pkg.types[name] = TypeDef(name, file, data)
            file.types.append(file.pkg.types[name])


def check_kind(file, errors):
    k, group, version = file.kind, file.pkg.group, file.pkg.version
    for key in ("group", "version", "kind", "plural", "scope", "spec"):
        if key not in k:
            errors.add(file.rel, f"missing key '{key}'")
    for key, pattern in KIND_PATTERNS.items():
        if key in k and not re.fullmatch(pattern, str(k[key])):
            errors.add(file.rel, f"{key} '{k[key]}' does not match {pattern}")
    if group == "meta":
        errors.add(file.rel, "meta/ holds shared types only, not kinds")
    if str(k.get("group", "")).split(".")[0] != group or k.get("version") != version:
        errors.add(file.rel, f"group and version do not match the folder {group}/{version}")
    if "statusDefault" in k and "status" not in k:
        errors.add(file.rel, "statusDefault without status")
    for i, column in enumerate(k.get("printerColumns") or []):
        where = f"{file.rel}: printerColumns[{i}]"
        if check_keys(column, COLUMN_KEYS, where, errors):
            for key in ("name", "type", "jsonPath"):
                if key not in column:
                    errors.add(where, f"missing key '{key}'")


def resolve_ref(text, pkg, packages):
    """The TypeDef `Name`, `meta.Name` or `<group>.<version>.Name` refers to, or None."""
    parts = str(text).split(".")
    if len(parts) == 1:
        target = pkg
    elif len(parts) == 2 and parts[0] == "meta":
        target = packages.get(("meta", "v1"))
    elif len(parts) == 3:
        target = packages.get((parts[0], parts[1]))
    else:
        return None
    return target.types.get(parts[-1]) if target else None


def parse_type(text, pkg, packages):
    """('scalar', name) | ('list', elem) | ('map', elem) | ('ref', TypeDef); None if unknown."""
    if not isinstance(text, str):
        return None
    for prefix, kind in (("[]", "list"), ("map[string]", "map")):
        if text.startswith(prefix):
            elem = parse_type(text[len(prefix):], pkg, packages)
            return elem and (kind, elem)
    if text in SCHEMAS:
        return ("scalar", text)
    ref = resolve_ref(text, pkg, packages)
    return ref and ("ref", ref)


def check_facets(facets, allowed, where, errors):
    if not check_keys(facets, allowed, where, errors):
        return False
    for i, rule in enumerate(facets.get("validations") or []):
        if check_keys(rule, VALIDATION_KEYS, f"{where}: validations[{i}]", errors) \
                and "rule" not in rule:
            errors.add(f"{where}: validations[{i}]", "missing key 'rule'")
    if "schema" in facets and not isinstance(facets["schema"], dict):
        errors.add(where, "schema must be a mapping")
    return True


def resolve_fields(t, packages, errors):
    where = f"{t.file.rel}: type {t.name}"
    check_facets({k: v for k, v in t.data.items() if k != "fields"}, TYPE_KEYS, where, errors)
    fields = t.data.get("fields") or {}
    if not isinstance(fields, dict):
        return errors.add(where, "fields must be a mapping")
    for name, field in fields.items():
        fwhere = f"{where}: field {name}"
        field = {"type": field} if isinstance(field, str) else field
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)) or name in RESERVED_MEMBERS:
            errors.add(fwhere, "field names must be identifiers other than " +
                       ", ".join(sorted(RESERVED_MEMBERS)))
        elif not check_facets(field, FIELD_KEYS, fwhere, errors):
            pass
        elif "type" not in field:
            errors.add(fwhere, "missing key 'type'")
        elif (parsed := parse_type(field["type"], t.file.pkg, packages)) is None:
            errors.add(fwhere, f"unknown type '{field['type']}'")
        else:
            if "items" in field:
                check_facets(field["items"], ITEM_KEYS, f"{fwhere}: items", errors)
                if parsed[0] not in ("list", "map"):
                    errors.add(fwhere, "items applies to []T and map[string]T only")
            t.fields.append((name, field, parsed))


def resolve_kind(file, packages, errors):
    k = file.kind
    for role in ("spec", "status"):
        if role in k:
            k["_" + role] = resolve_ref(k[role], file.pkg, packages)
            if k["_" + role] is None:
                errors.add(f"{file.rel}: {role}", f"unknown type '{k[role]}'")
    if k.get("kind") in file.pkg.types:
        errors.add(file.rel, f"a type has the name of the kind, {k['kind']}")


def check_include_cycles(files, errors):
    """Headers include the headers of the types they use: these must not form a cycle."""
    state = {}

    def visit(file, chain):
        if state.get(file) == "done":
            return
        if state.get(file) == "visiting":
            return errors.add(file.rel, "types used in a cycle of files: " +
                              " -> ".join(f.rel for f in chain + [file]))
        state[file] = "visiting"
        for dep in sorted(included_files(file), key=lambda f: f.rel):
            visit(dep, chain + [file])
        state[file] = "done"

    for file in files:
        visit(file, [])


# ---------------------------------------------------------------------------------------------
# Main


def outputs(files, cpp_out, crd_out):
    """{path: what to write there} for everything generated."""
    paths = {os.path.join(cpp_out, "src", "registry.cpp"): ("registry",)}
    for file in files:
        paths[os.path.join(cpp_out, "include", file.header)] = ("header", file)
        paths[os.path.join(cpp_out, "src", file.source)] = ("source", file)
        if file.kind:
            paths[os.path.join(crd_out, crd_file_name(file.kind))] = ("crd",)
    return paths


def render(what, files, crds, path, errors):
    if what[0] == "registry":
        return emit_registry(files)
    if what[0] == "crd":
        return dump_yaml(crds[os.path.basename(path)])
    return (emit_header if what[0] == "header" else emit_source)(what[1], errors)


def report(errors):
    for error in errors:
        print(f"apigen: {error}", file=sys.stderr)
    print(f"apigen: {len(errors)} error(s) in the API definitions", file=sys.stderr)
    return 1


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--api-dir", required=True, help="the api/ folder with the definitions")
    parser.add_argument("--cpp-out", required=True, help="folder for include/ and src/")
    parser.add_argument("--crd-out", required=True, help="folder for the CRD manifests")
    parser.add_argument("--list-outputs", action="store_true",
                        help="only print the files that would be generated, one a line")
    args = parser.parse_args(argv)

    errors = Errors()
    files = load(args.api_dir, errors)
    crds = {} if errors else build_crds(files, errors)
    if errors:
        return report(errors)
    paths = outputs(files, args.cpp_out, args.crd_out)
    if args.list_outputs:
        print("\n".join(sorted(paths)))
        return 0
    texts = {path: render(what, files, crds, path, errors) for path, what in paths.items()}
    if errors:
        return report(errors)
    if os.path.isdir(args.crd_out):  # a removed kind must not leave its CRD behind
        for name in os.listdir(args.crd_out):
            if name.endswith(".yaml") and os.path.join(args.crd_out, name) not in texts:
                os.remove(os.path.join(args.crd_out, name))
    for path, text in sorted(texts.items()):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
