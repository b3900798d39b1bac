#!/usr/bin/env python3
"""The GitOps loop at scale: N Kustomizations (10 objects each) from one GitRepository.

Starts `driftless up -d` on a fresh data directory, serves a generated repository with
`git daemon`, creates the GitRepository, then N Kustomizations at once, and measures:
  - the time from creating the Kustomizations until every one is Ready,
  - kustomize-controller CPU seconds and peak RSS (VmHWM), source-controller peak RSS,
  - API requests per applied object for the first apply (the kustomize-controller's
    rest_client_requests_total), and for a second reconcile of every Kustomization when nothing
    changed.
Usage: gitops.py BIN_DIR N [N...]   (prints one table row per N)
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

OBJECTS = """apiVersion: v1
kind: ConfigMap
metadata:
  name: config-{i}
  namespace: default
data:
  key: value-{i}
"""


def app_manifests():
    docs = []
    for i in range(4):
        docs.append(OBJECTS.format(i=i))
    for i in range(2):
        docs.append(f"""apiVersion: v1
kind: Secret
metadata:
  name: secret-{i}
  namespace: default
stringData:
  password: p{i}
""")
    for i in range(2):
        docs.append(f"""apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: default
spec:
  selector:
    app: bench
  ports:
  - port: {8080 + i}
""")
    docs.append("""apiVersion: v1
kind: ServiceAccount
metadata:
  name: bench
  namespace: default
""")
    docs.append("""apiVersion: apps/v1
kind: Deployment
metadata:
  name: bench
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels:
      app: bench
  template:
    metadata:
      labels:
        app: bench
    spec:
      serviceAccountName: bench
      containers:
      - name: app
        image: nginx:1.27
""")
    return docs


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, check=True, capture_output=True, text=True, **kw).stdout


def proc_status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])  # kB
    return 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def pid_of(pattern):
    return int(sh(f"pgrep -f '{pattern}'").split()[0])


def requests_total(metrics_port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("rest_client_requests_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def run(bin_dir, n):
    work = tempfile.mkdtemp(prefix="driftless-gitops-bench-")
    data = os.path.join(work, "data")
    kubeconfig = os.path.join(data, "kubeconfig")
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    kubectl = lambda args, **kw: subprocess.run(  # noqa: E731
        "kubectl " + args, shell=True, check=True, capture_output=True, text=True, env=env, **kw
    ).stdout
    daemon = None
    try:
        repo = os.path.join(work, "git", "work")
        os.makedirs(os.path.join(repo, "app"))
        with open(os.path.join(repo, "app", "all.yaml"), "w") as f:
            f.write("---\n".join(app_manifests()))
        sh(f"git init -q -b main {repo} && git init -q --bare -b main {work}/git/bench.git")
        sh(f"cd {repo} && git -c user.email=b@e -c user.name=b add -A && "
           f"git -c user.email=b@e -c user.name=b commit -qm bench && git push -q ../bench.git main")
        port = free_port()
        daemon = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1", f"--port={port}",
             f"--base-path={work}/git", f"{work}/git"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        sh(f"{bin_dir}/driftless up -d --data-dir {data} 2>/dev/null")
        with open(os.path.join(data, "state.json")) as f:
            ports = json.load(f)["ports"]
        kc_metrics = ports["kustomize-controller-metrics"]
        kc_pid = pid_of(f"kustomize-controller --kubeconfig={kubeconfig}")
        sc_pid = pid_of(f"source-controller --kubeconfig={kubeconfig}")
        kubectl("apply -f -", input=f"""apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: bench
  namespace: flux-system
spec:
  interval: 1h
  url: git://127.0.0.1:{port}/bench.git
  ref:
    branch: main
""")
        kubectl("-n flux-system wait gitrepository/bench --for=condition=ready --timeout=60s")
        ks = []
        for i in range(n):
            ks.append(f"""apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: app-{i}
  namespace: flux-system
spec:
  interval: 1h
  path: ./app
  prune: true
  namePrefix: k{i}-
  sourceRef:
    kind: GitRepository
    name: bench
""")
        with open(os.path.join(work, "ks.yaml"), "w") as f:
            f.write("---\n".join(ks))
        cpu0 = cpu_seconds(kc_pid)
        req0 = requests_total(kc_metrics)
        start = time.monotonic()
        kubectl(f"create -f {work}/ks.yaml")
        created = time.monotonic() - start
        jsonpath = '{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}'
        while True:
            out = kubectl(f"-n flux-system get kustomizations -o jsonpath='{jsonpath}'")
            ready = sum(1 for line in out.splitlines() if line == "True")
            if ready == n:
                break
            if time.monotonic() - start > 1800:
                raise SystemExit(f"timeout: {ready}/{n} Ready")
            time.sleep(0.5)
        elapsed = time.monotonic() - start
        cpu = cpu_seconds(kc_pid) - cpu0
        req_first = requests_total(kc_metrics) - req0
        objects = n * 10

        # Every Kustomization reconciled again, nothing changed.
        token = str(time.time_ns())
        req1 = requests_total(kc_metrics)
        again = time.monotonic()
        kubectl(f"-n flux-system annotate --overwrite kustomizations --all "
                f"reconcile.fluxcd.io/requestedAt={token}")
        jsonpath2 = '{range .items[*]}{.status.lastHandledReconcileAt}{"\\n"}{end}'
        while True:
            out = kubectl(f"-n flux-system get kustomizations -o jsonpath='{jsonpath2}'")
            if sum(1 for line in out.splitlines() if line == token) == n:
                break
            time.sleep(0.5)
        again_elapsed = time.monotonic() - again
        req_again = requests_total(kc_metrics) - req1
        kc_rss = proc_status(kc_pid, "VmHWM") / 1024
        sc_rss = proc_status(sc_pid, "VmHWM") / 1024
        print(f"| {n} | {objects} | {elapsed:.1f} s (create {created:.1f} s) | {cpu:.1f} s | "
              f"{kc_rss:.1f} MiB | {sc_rss:.1f} MiB | {req_first / objects:.2f} | "
              f"{again_elapsed:.1f} s | {req_again / objects:.2f} |", flush=True)
    finally:
        subprocess.run(f"{bin_dir}/driftless down --data-dir {data}", shell=True,
                       capture_output=True)
        if daemon:
            daemon.terminate()
            daemon.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    bin_dir = sys.argv[1]
    print("| Kustomizations | objects | all Ready after | kustomize-controller CPU | "
          "kustomize-controller peak RSS | source-controller peak RSS | API requests per object "
          "(first apply) | reconcile all again | API requests per object (no change) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for n in sys.argv[2:]:
        run(bin_dir, int(n))


if __name__ == "__main__":
    main()
