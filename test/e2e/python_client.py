"""The embedded control plane driven by the Kubernetes Python client (Debian's
python3-kubernetes 22.6.0): typed APIs, watches, strategic merge patches, the dynamic client.
Usage: python_client.py KUBECONFIG   (exits non-zero when a check fails)"""

import sys
import threading
import time

from kubernetes import client, config, dynamic, watch

config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
failures = []
passed = 0


def check(name, ok, detail=""):
    global passed
    if ok:
        passed += 1
    else:
        failures.append(f"{name}: {detail}")


# Y1: typed create/read; managedFields from the User-Agent.
v1.create_namespaced_config_map("default", {"metadata": {"name": "p"}, "data": {"a": "1"}})
cm = v1.read_namespaced_config_map("p", "default")
check("read", cm.data == {"a": "1"}, cm.data)
manager = cm.metadata.managed_fields[0].manager if cm.metadata.managed_fields else None
check("manager", manager == "OpenAPI-Generator", manager)

# Y3: a dict body is sent as a strategic merge patch.
patched = v1.patch_namespaced_config_map("p", "default", {"data": {"b": "2"}})
check("patch", patched.data == {"a": "1", "b": "2"}, patched.data)

# Y4: empty lists carry items: [].
v1.create_namespace({"metadata": {"name": "empty"}})
check("empty list", v1.list_namespaced_config_map("empty").items == [], "items")

# Y2: watches with watch=True and timeoutSeconds; one ADDED for a new object.
events = []


def watcher():
    w = watch.Watch()
    for ev in w.stream(v1.list_namespaced_config_map, "default", timeout_seconds=4):
        events.append((ev["type"], ev["object"].metadata.name))


t = threading.Thread(target=watcher)
t.start()
time.sleep(1)
v1.create_namespaced_config_map("default", {"metadata": {"name": "w"}})
t.join()
check("watch", ("ADDED", "w") in events, events)

# Y5: delete returns a Status.
status = v1.delete_namespaced_config_map("p", "default")
check("delete", status.status == "Success", status.status)

# 404 as ApiException with the Status reason.
try:
    v1.read_namespaced_config_map("p", "default")
    check("not found", False, "no exception")
except client.exceptions.ApiException as e:
    check("not found", e.status == 404 and "NotFound" in e.body, e.body)

# Y6: the dynamic client finds a kind through discovery.
dyn = dynamic.DynamicClient(client.ApiClient())
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
check("dynamic", any(i.metadata.name == "w" for i in cms.get(namespace="default").items), "list")

print(f"python-client: {passed} passed, {len(failures)} failed")
for f in failures:
    print("  FAILED", f)
sys.exit(1 if failures else 0)
