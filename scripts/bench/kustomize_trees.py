#!/usr/bin/env python3
"""Generates the kustomization trees of scripts/bench/kustomize.sh under OUT_DIR.

  overlay/     a base (60 resources) and three overlays with patches, images, prefixes, labels and
               generators (the build target is overlay/overlays/prod)
  nested/      ten levels of nested bases, each adding resources, a prefix and labels
  large/       a 2,000-resource base, 20 components (patches, configMapGenerators, labels) and an
               overlay with namePrefix, namespace and labels
  flat-1000/   flat kustomizations with a namespace, labels and annotations
  flat-5000/
"""
import os
import sys


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def deployment(name, image="nginx:1.25"):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: main
        image: {image}
        ports:
        - containerPort: 8080
        env:
        - name: MODE
          value: base
        envFrom:
        - configMapRef:
            name: {name}-config
        volumeMounts:
        - name: config
          mountPath: /etc/config
      volumes:
      - name: config
        configMap:
          name: {name}-config
"""


def service(name):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
"""


def configmap(name):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
data:
  key: value-{name}
  other: "42"
"""


def app_resources(prefix, count):
    """`count` resources: Deployment, Service, ConfigMap triples, as one multi-document file."""
    docs = []
    i = 0
    while len(docs) < count:
        name = f"{prefix}{i}"
        for make in (deployment, service, configmap):
            if len(docs) < count:
                docs.append(make(name))
        i += 1
    return "---\n".join(docs)


def overlay_tree(root):
    write(f"{root}/base/resources.yaml", app_resources("app", 60))
    write(f"{root}/base/kustomization.yaml", """resources:
- resources.yaml
configMapGenerator:
- name: shared
  literals: [LOG_LEVEL=info, REGION=eu]
""")
    for env, replicas in (("dev", 1), ("staging", 2), ("prod", 5)):
        write(f"{root}/overlays/{env}/patch.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: not-used
spec:
  replicas: {replicas}
  template:
    spec:
      containers:
      - name: main
        env:
        - name: MODE
          value: {env}
""")
        write(f"{root}/overlays/{env}/kustomization.yaml", f"""resources:
- ../../base
namePrefix: {env}-
namespace: {env}
labels:
- pairs: {{env: {env}}}
  includeSelectors: true
commonAnnotations:
  team: platform
images:
- name: nginx
  newName: registry.example.com/nginx
  newTag: "1.26"
patches:
- path: patch.yaml
  target: {{kind: Deployment}}
configMapGenerator:
- name: shared
  behavior: merge
  literals: [ENV={env}]
- name: {env}-settings
  literals: [A=1, B=2]
secretGenerator:
- name: creds
  literals: [password={env}-secret]
""")


def nested_tree(root, levels=10):
    for level in range(levels):
        d = f"{root}/level{level}"
        write(f"{d}/resources.yaml", app_resources(f"l{level}-app", 6))
        resources = ["resources.yaml"] + ([f"../level{level + 1}"] if level + 1 < levels else [])
        write(f"{d}/kustomization.yaml", "resources:\n" +
              "".join(f"- {r}\n" for r in resources) + f"""namePrefix: p{level}-
labels:
- pairs: {{level{level}: "yes"}}
commonAnnotations:
  level{level}: "yes"
""")


def large_tree(root, resources=2000, components=20):
    write(f"{root}/base/resources.yaml", app_resources("svc", resources))
    write(f"{root}/base/kustomization.yaml", "resources:\n- resources.yaml\n")
    names = []
    for c in range(components):
        name = f"c{c:02d}"
        names.append(name)
        write(f"{root}/components/{name}/patch.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: svc{c}
  annotations:
    component: {name}
spec:
  template:
    spec:
      containers:
      - name: main
        env:
        - name: COMPONENT
          value: {name}
""")
        write(f"{root}/components/{name}/kustomization.yaml", f"""apiVersion: kustomize.config.k8s.io/v1alpha1
kind: Component
patches:
- path: patch.yaml
- target: {{kind: Service, name: svc{c}}}
  patch: |-
    - op: add
      path: /metadata/labels
      value: {{component: {name}}}
configMapGenerator:
- name: {name}-settings
  literals: [COMPONENT={name}, INDEX="{c}"]
""")
    write(f"{root}/overlay/kustomization.yaml", """resources:
- ../base
namePrefix: large-
namespace: large
labels:
- pairs: {tier: backend}
  includeSelectors: true
commonAnnotations:
  owner: bench
components:
""" + "".join(f"- ../components/{n}\n" for n in names))


def flat_tree(root, count):
    write(f"{root}/resources.yaml", app_resources("flat", count))
    write(f"{root}/kustomization.yaml", """resources:
- resources.yaml
namespace: flat
labels:
- pairs: {bench: flat}
commonAnnotations:
  owner: bench
""")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: kustomize_trees.py OUT_DIR")
    out = sys.argv[1]
    overlay_tree(f"{out}/overlay")
    nested_tree(f"{out}/nested")
    large_tree(f"{out}/large")
    flat_tree(f"{out}/flat-1000", 1000)
    flat_tree(f"{out}/flat-5000", 5000)


if __name__ == "__main__":
    main()
