#include "help.h"

#include <map>

#include "driftless/core/error.h"

namespace driftless::cli {

namespace {

constexpr std::string_view kClusterFlags = R"(
Cluster flags (every command that talks to a cluster):
      --kubeconfig FILE    the kubeconfig (default $KUBECONFIG, then ~/.kube/config)
      --context NAME       the kubeconfig context
  -n, --namespace NS       the namespace (default flux-system, or $FLUX_SYSTEM_NAMESPACE)
      --timeout DURATION   how long to wait for the cluster (default 5m)
)";

struct Help {
  std::string_view text;
  bool cluster = true;
};

const std::map<std::string_view, Help, std::less<>>& helps() {
  static const std::map<std::string_view, Help, std::less<>> h = {
      {"get", {R"(Print the status of Flux resources, with flux's columns.

Usage:
  driftless get sources git|oci|helm|chart|bucket|all [NAME] [flags]
  driftless get kustomizations|helmreleases|alerts|alert-providers|receivers|all [NAME] [flags]
  driftless get images repository|policy|update|all [NAME] [flags]

Flags:
  -A, --all-namespaces   list across every namespace (adds a NAMESPACE column)
  -o, --output FORMAT    json or yaml (a v1 List of the objects), or name (KIND/NAME lines)
  -w, --watch            print the table, then a row for every change until interrupted

Examples:
  # Every Kustomization in flux-system and its last applied revision
  driftless get kustomizations
  # Git sources in every namespace, then each change as it happens
  driftless get sources git -A --watch
)"}},
      {"reconcile", {R"(Ask a controller to reconcile an object now and wait for the outcome.

Usage:
  driftless reconcile source git|oci|helm|chart|bucket NAME [flags]
  driftless reconcile kustomization NAME [--with-source] [flags]
  driftless reconcile helmrelease NAME [--with-source] [--force|--reset] [flags]

Annotates reconcile.fluxcd.io/requestedAt, waits until status.lastHandledReconcileAt matches,
prints the revision or the failure; exits 1 on failure or timeout.

Flags:
      --with-source   reconcile the object's source first
      --force         (helmrelease) a one-off upgrade even without changes (reconcile.fluxcd.io/forceAt)
      --reset         (helmrelease) reset the failure counts (reconcile.fluxcd.io/resetAt)

Examples:
  # Fetch the latest commit and apply it
  driftless reconcile kustomization apps --with-source
)"}},
      {"suspend", {R"(Suspend the reconciliation of objects (spec.suspend: true).

Usage:
  driftless suspend KIND NAME... | --all [flags]

KIND is one of: source git|oci|helm|chart|bucket, kustomization, helmrelease, alert,
alert-provider, receiver.

Examples:
  driftless suspend kustomization apps
  driftless suspend source git --all
)"}},
      {"resume", {R"(Resume suspended objects and wait until they are Ready.

Usage:
  driftless resume KIND NAME... | --all [flags]

Examples:
  driftless resume kustomization apps --timeout 2m
)"}},
      {"delete", {R"(Delete Flux objects (after a confirmation, unless --silent).

Usage:
  driftless delete KIND NAME [flags]

Flags:
  -s, --silent   do not ask for confirmation

Deleting a Kustomization with prune: true also deletes what it applied; suspend it first to keep
the objects.

Examples:
  driftless delete source git podinfo --silent
  driftless delete kustomization apps
)"}},
      {"export", {R"(Print objects as clean YAML (no status, no server fields), ready for Git.

Usage:
  driftless export KIND NAME | --all [flags]

Examples:
  driftless export source git --all > sources.yaml
  driftless export kustomization apps
)"}},
      {"events", {R"(Print the Kubernetes events of a namespace, oldest first.

Usage:
  driftless events [--for KIND/NAME] [-A] [flags]

Examples:
  driftless events --for Kustomization/apps
)"}},
      {"tree",
       {R"(Print what a Kustomization applied (its inventory) as a tree; nested Kustomizations
are expanded.

Usage:
  driftless tree kustomization NAME [flags]

Examples:
  driftless tree kustomization flux-system
)"}},
      {"trace",
       {R"(Show which Kustomization or HelmRelease manages an object, and its source and revision.

Usage:
  driftless trace KIND/NAME [-n NAMESPACE] [flags]
  driftless trace NAME --kind KIND [--api-version GROUP/VERSION] [flags]

KIND is a kind or resource name (deployment, Deployment, deployment.apps, configmap, ...). Objects
without Flux's labels are followed through their owner references.

Examples:
  driftless trace deployment/web -n production
  driftless trace web --kind Deployment --api-version apps/v1 -n production
)"}},
      {"stats",
       {R"(Count the Flux objects per kind: running, failing, suspended, and the artifact storage.

Usage:
  driftless stats [-A] [flags]
)"}},
      {"create",
       {R"(Create or update Flux objects (and wait until they are Ready), or print them with --export.

Usage:
  driftless create source git NAME --url URL [--branch B | --tag T | --tag-semver R | --commit SHA]
            [--secret-ref S] [--interval D]
  driftless create source oci NAME --url oci://REPO [--tag T | --tag-semver R | --digest D]
            [--secret-ref S] [--provider generic|aws|azure|gcp] [--interval D]
  driftless create source helm NAME --url URL [--secret-ref S] [--interval D]
  driftless create kustomization NAME --source [KIND/]NAME[.NS] [--path P] [--prune]
            [--target-namespace NS] [--depends-on [NS/]NAME]... [--interval D]
  driftless create helmrelease NAME --source KIND/NAME[.NS] --chart CHART [--chart-version R]
            | --chart-ref KIND/NAME[.NS]  [--release-name N] [--target-namespace NS]
            [--create-target-namespace] [--values FILE]... [--depends-on [NS/]NAME]... [--interval D]
  driftless create secret git NAME --url URL [--username U --password P | --bearer-token T]
            [--ssh-key-algorithm ecdsa|rsa|ed25519] [--ssh-ecdsa-curve p256|p384|p521]
            [--ssh-rsa-bits N] [--private-key-file FILE] [--ca-file FILE]
  driftless create alert-provider NAME --type T [--address URL] [--channel C] [--username U]
            [--secret-ref S]
  driftless create alert NAME --provider-ref P --event-source KIND/NAME[.NS]...
            [--event-severity info|error]
  driftless create receiver NAME --type T --secret-ref S --resource KIND/NAME[.NS]... [--event E]...

Flags:
      --export   print the YAML instead of applying it

`create secret git` with an ssh:// URL generates a key pair (ECDSA P-384 unless told otherwise,
or uses --private-key-file), scans the host's keys into known_hosts and prints the deploy key to
add to the Git server.

Examples:
  driftless create source git podinfo --url https://github.com/stefanprodan/podinfo --branch master
  driftless create kustomization podinfo --source GitRepository/podinfo --path ./kustomize --prune
  driftless create secret git podinfo-auth --url ssh://git@github.com/stefanprodan/podinfo
  driftless create helmrelease podinfo --source HelmRepository/podinfo --chart podinfo \
      --chart-version '>6.0.0' --target-namespace default --export
)"}},
      {"logs",
       {R"(Print the logs of the controllers started by `driftless up`.

Usage:
  driftless logs [--data-dir D] [--kind KIND] [--name NAME] [--level info|error|debug] [-A] [-f]

Examples:
  driftless logs --kind Kustomization --name apps --level error -f
)",
        false}},
      {"build",
       {R"(Render a local directory as the controller would for a live Kustomization (generated
kustomization.yaml, postBuild substitutions from the live ConfigMaps and Secrets), as YAML.

Usage:
  driftless build kustomization NAME --path DIR [flags]

Examples:
  driftless build kustomization apps --path ./clusters/production/apps
)"}},
      {"diff",
       {R"(Show what applying a local directory would change in the cluster (server-side dry runs);
exits 1 when something would change.

Usage:
  driftless diff kustomization NAME --path DIR [flags]

Examples:
  driftless diff kustomization apps --path ./clusters/production/apps
)"}},
      {"check",
       {R"(Check that the Kubernetes API answers, the controllers are healthy and the Flux CRDs
are installed; exits 1 when a check fails.

Usage:
  driftless check [flags]
)"}},
      {"completion",
       {R"(Print a shell completion script.

Usage:
  driftless completion bash|zsh

Examples:
  # bash, for the current shell
  source <(driftless completion bash)
  # zsh, installed
  driftless completion zsh > "${fpath[1]}/_driftless"
)",
        false}},
      {"version",
       {R"(Print the version.

Usage:
  driftless version
)",
        false}},
  };
  return h;
}

}  // namespace

std::optional<std::string> commandHelp(std::string_view command) {
  const auto& h = helps();
  auto it = h.find(command);
  if (it == h.end()) return std::nullopt;
  std::string out(it->second.text);
  if (it->second.cluster) out += kClusterFlags;
  return out;
}

std::string completionScript(std::string_view shell) {
  // One bash function; zsh runs it through bashcompinit. Object names are asked of the cluster
  // (`driftless get ... -o name`) with the flags already on the line.
  static constexpr std::string_view kBash = R"SH(# driftless completion
_driftless() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null 2>&1; then
    _init_completion || return
  else
    cur="${COMP_WORDS[COMP_CWORD]}"; prev="${COMP_WORDS[COMP_CWORD-1]}"
    words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
  fi
  local commands="up down get reconcile suspend resume delete export events tree trace stats create logs build diff check completion version apiserver kustomize convert semver help"
  local kinds="sources kustomizations helmreleases alerts alert-providers receivers images all"
  local kind1="source kustomization helmrelease alert alert-provider receiver"
  local sources="git oci helm chart bucket"
  local flags="--kubeconfig --context --namespace --timeout --help"
  case "$prev" in
    -n|--namespace)
      COMPREPLY=($(compgen -W "$(kubectl get namespaces -o name 2>/dev/null | sed 's|^namespace/||')" -- "$cur")); return ;;
    --kubeconfig|--values|--private-key-file|--ca-file|--path|--data-dir)
      COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $cword -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$commands" -- "$cur")); return
  fi
  local cmd="${words[1]}"
  if [[ "$cur" == -* ]]; then
    case "$cmd" in
      get) flags="$flags --all-namespaces --output --watch" ;;
      reconcile) flags="$flags --with-source --force --reset" ;;
      suspend|resume|export) flags="$flags --all" ;;
      delete) flags="$flags --silent" ;;
      create) flags="$flags --export --url --branch --tag --tag-semver --commit --digest --interval --path --prune --source --target-namespace --depends-on --chart --chart-version --chart-ref --release-name --values --create-target-namespace --secret-ref --username --password --bearer-token --ssh-key-algorithm --ssh-ecdsa-curve --ssh-rsa-bits --private-key-file --ca-file --type --address --channel --provider-ref --event-source --event-severity --resource --event" ;;
      trace) flags="$flags --kind --api-version" ;;
      events) flags="$flags --for --all-namespaces" ;;
      logs) flags="--data-dir --kind --name --level --all-namespaces --follow" ;;
      build|diff) flags="$flags --path" ;;
    esac
    COMPREPLY=($(compgen -W "$flags" -- "$cur")); return
  fi
  case "$cmd" in
    completion) [[ $cword -eq 2 ]] && COMPREPLY=($(compgen -W "bash zsh" -- "$cur")); return ;;
    tree|build|diff) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "kustomization" -- "$cur")); return; } ;;
    get) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "$kinds" -- "$cur")); return; } ;;
    create) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "source secret kustomization helmrelease alert alert-provider receiver" -- "$cur")); return; }
            [[ $cword -eq 3 && "${words[2]}" == source ]] && COMPREPLY=($(compgen -W "git oci helm" -- "$cur"))
            [[ $cword -eq 3 && "${words[2]}" == secret ]] && COMPREPLY=($(compgen -W "git" -- "$cur"))
            return ;;
    reconcile|suspend|resume|delete|export) [[ $cword -eq 2 ]] && { COMPREPLY=($(compgen -W "$kind1" -- "$cur")); return; } ;;
    *) return ;;
  esac
  if [[ $cword -eq 3 && ( "${words[2]}" == source || "${words[2]}" == sources ) ]]; then
    COMPREPLY=($(compgen -W "$sources" -- "$cur")); return
  fi
  if [[ $cword -eq 3 && ( "${words[2]}" == image || "${words[2]}" == images ) ]]; then
    COMPREPLY=($(compgen -W "repository policy update all" -- "$cur")); return
  fi
  # Object names from the cluster, with the namespace and kubeconfig flags of the line.
  local i args=() kind=("${words[2]}")
  [[ "${words[2]}" == source || "${words[2]}" == sources || "${words[2]}" == image ||
     "${words[2]}" == images ]] && kind+=("${words[3]}")
  for ((i = 2; i < cword; i++)); do
    case "${words[i]}" in
      -n|--namespace|--kubeconfig|--context) args+=("${words[i]}" "${words[i+1]}") ;;
      --namespace=*|--kubeconfig=*|--context=*|-A|--all-namespaces) args+=("${words[i]}") ;;
    esac
  done
  COMPREPLY=($(compgen -W "$(driftless get "${kind[@]}" -o name "${args[@]}" 2>/dev/null | sed 's|^[^/]*/||')" -- "$cur"))
}
complete -F _driftless driftless
)SH";
  if (shell == "bash") return std::string(kBash);
  if (shell == "zsh") {
    return "#compdef driftless\n# driftless completion for zsh (the bash function through "
           "bashcompinit)\nautoload -U +X compinit && compinit\nautoload -U +X bashcompinit && "
           "bashcompinit\n" +
           std::string(kBash);
  }
  throw core::Error("unsupported shell '" + std::string(shell) + "', must be bash or zsh");
}

}  // namespace driftless::cli
