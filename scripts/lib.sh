# shellcheck shell=bash
# shellcheck disable=SC2034  # the names are used by the scripts that source this file
# Shared by scripts/*.sh (sourced, not run): the demo's names, --dry-run / --help handling and the
# helpers that either run a command or, with --dry-run, print it. Only bash builtins are used
# here, so a dry run needs neither az, kubectl, helm nor docker on PATH.

set -euo pipefail

# --- Names: every one can be overridden from the environment --------------------------------
# Azure names must be globally unique for the Service Bus namespace and the registry: pick your
# own prefix, e.g. `DEMO_PREFIX=kedatui-ana scripts/azure-up.sh`.
: "${DEMO_PREFIX:=kedatui}"
: "${LOCATION:=westeurope}"
: "${RESOURCE_GROUP:=${DEMO_PREFIX}-rg}"
: "${SERVICEBUS_NAMESPACE:=${DEMO_PREFIX}-sb}"
# Same as yaml/ and kedatui's default (src/model.rs names::QUEUE); tests/cli/yaml_manifests.rs checks.
: "${QUEUE_NAME:=kedaqueue}"
# Three queue-level SAS rules, least privilege each (docs/keda-semantics.md §6.6, §7.1).
: "${SEND_RULE:=kedatui-send}"
: "${LISTEN_RULE:=receiver-listen}"
: "${MANAGE_RULE:=keda-manage}"
# Registry names are alphanumeric only.
: "${ACR_NAME:=${DEMO_PREFIX//[^a-zA-Z0-9]/}acr}"
: "${AKS_NAME:=${DEMO_PREFIX}-aks}"
: "${AKS_NODE_COUNT:=2}"
: "${AKS_NODE_SIZE:=Standard_D2s_v5}"
: "${KEDA_NAMESPACE:=keda}"
: "${KEDA_VERSION:=2.20.2}"
: "${KEDA_IDENTITY_NAME:=${DEMO_PREFIX}-keda-identity}"
# Keyless variant: the receiver's managed identity, federated with its ServiceAccount.
: "${RECEIVER_IDENTITY_NAME:=${DEMO_PREFIX}-receiver-identity}"
: "${RECEIVER_SERVICE_ACCOUNT:=kedasbreceiver}"
# The subscription to use (name or id); empty: the Azure CLI's current one.
: "${SUBSCRIPTION:=}"
# 1: the cluster pulls from the registry through --attach-acr (needs Owner or User Access
# Administrator). 0: no attach; scripts/deploy.sh creates an image pull secret instead.
: "${ATTACH_ACR:=1}"
# vCPUs of one AKS_NODE_SIZE node, for the quota check (Standard_D2s_v5: 2).
: "${AKS_NODE_VCPUS:=2}"
# Kubernetes side. Object names are fixed by yaml/; the namespace and queue are patched in.
: "${K8S_NAMESPACE:=keda-demo}"
: "${SECRET_NAME:=servicebus-connection}"
: "${IMAGE_NAME:=kedasbreceiver}"
# IMAGE_TAG: see source_image_tag below (set after REPO_ROOT).
# deployment (Deployment + ScaledObject) | scaledjob | workload-identity |
# scaledjob-workload-identity (keyless ScaledJob)
: "${VARIANT:=deployment}"
: "${WAIT_TIMEOUT:=180s}"

REPO_ROOT="$(cd "$SCRIPTS_DIR/.." && pwd)"
DRY_RUN=0

# The image tag names the source it was built from, so every change gets a new tag and
# `kubectl apply` rolls it out (a re-used tag with imagePullPolicy IfNotPresent would not):
# the commit (`git rev-parse --short=12 HEAD`), plus `-dirty-` and a hash of the uncommitted
# changes and untracked files when there are any. The same tree gives the same tag, so
# build-receiver.sh and deploy.sh agree without passing it along. Without git (a dry run with
# an empty PATH, a tarball) it is `latest`: set IMAGE_TAG to roll out a change.
source_image_tag() {
  local head changes
  if ! command -v git >/dev/null 2>&1 \
    || ! head="$(git -C "$REPO_ROOT" rev-parse --short=12 HEAD 2>/dev/null)"; then
    printf 'latest'
    return
  fi
  changes="$(
    cd "$REPO_ROOT" || exit 1
    {
      git diff HEAD --binary
      git ls-files --others --exclude-standard -z | xargs -0r git hash-object --
    } | git hash-object --stdin
  )"
  if [[ -z "$(git -C "$REPO_ROOT" status --porcelain --untracked-files=normal 2>/dev/null)" ]]; then
    printf '%s' "$head"
  else
    printf '%s-dirty-%s' "$head" "${changes:0:8}"
  fi
}
: "${IMAGE_TAG:=$(source_image_tag)}"

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# Bad input: exit 2, like kedatui itself.
die_usage() {
  printf 'error: %s (see --help)\n' "$*" >&2
  exit 2
}

step() {
  printf '==> %s\n' "$*" >&2
}

# Parses the options every script shares; `usage` is defined by the script.
parse_common_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      -n | --dry-run) DRY_RUN=1 ;;
      -h | --help)
        usage
        exit 0
        ;;
      *)
        # A script may take options of its own by defining handle_arg (returns 0 when it used one).
        if declare -F handle_arg >/dev/null && handle_arg "$arg"; then
          :
        else
          die_usage "unknown argument: $arg"
        fi
        ;;
    esac
  done
  case "$VARIANT" in
    deployment | scaledjob | workload-identity | scaledjob-workload-identity) ;;
    *) die_usage "VARIANT must be deployment, scaledjob, workload-identity or scaledjob-workload-identity, not '$VARIANT'" ;;
  esac
  case "$ATTACH_ACR" in
    0 | 1) ;;
    *) die_usage "ATTACH_ACR must be 0 or 1, not '$ATTACH_ACR'" ;;
  esac
}

# The variant signs in with Entra ID (workload identity): no SAS rule, no key, no Secret.
variant_is_keyless() {
  [[ "$VARIANT" == workload-identity || "$VARIANT" == scaledjob-workload-identity ]]
}

# The variant scales a ScaledJob instead of the Deployment through a ScaledObject.
variant_is_scaledjob() {
  [[ "$VARIANT" == scaledjob || "$VARIANT" == scaledjob-workload-identity ]]
}

# The demo namespace's host name, for keyless sign-in.
servicebus_host() {
  printf '%s.servicebus.windows.net' "$SERVICEBUS_NAMESPACE"
}

# Selects $SUBSCRIPTION when set (every later az command then works in it).
select_subscription() {
  if [[ -n "$SUBSCRIPTION" ]]; then
    run az account set --subscription "$SUBSCRIPTION"
  fi
}

# The exact commands that start the console and the preflight against what the scripts made.
print_console_commands() {
  local az_keys
  if variant_is_keyless; then
    print_text >&2 <<HINT
    Keyless (you hold "Azure Service Bus Data Owner" on the namespace; az login first):
      kedatui doctor --fully-qualified-namespace $(servicebus_host) --queue $QUEUE_NAME --context $AKS_NAME --namespace $K8S_NAMESPACE
      kedatui --fully-qualified-namespace $(servicebus_host) --queue $QUEUE_NAME --context $AKS_NAME --namespace $K8S_NAMESPACE
HINT
  else
    az_keys="az servicebus queue authorization-rule keys list --resource-group $RESOURCE_GROUP --namespace-name $SERVICEBUS_NAMESPACE --queue-name $QUEUE_NAME"
    print_text >&2 <<HINT
    With keys (they go into the variables, not onto the screen):
      export SERVICEBUS_CONNECTION_STRING="\$($az_keys --name $SEND_RULE --query primaryConnectionString --output tsv)"
      export SERVICEBUS_MANAGE_CONNECTION_STRING="\$($az_keys --name $MANAGE_RULE --query primaryConnectionString --output tsv)"
      kedatui doctor --queue $QUEUE_NAME --context $AKS_NAME --namespace $K8S_NAMESPACE
      kedatui --queue $QUEUE_NAME --context $AKS_NAME --namespace $K8S_NAMESPACE
    (kedatui sends bursts with $SEND_RULE; counts and purge use $MANAGE_RULE. Without the second
    variable the gauge says the policy needs Manage rights to read counts.)
HINT
  fi
}

is_dry_run() {
  [[ "$DRY_RUN" == 1 ]]
}

# Prints an argument so it can be pasted back into a shell: bare when safe, else single-quoted.
# Dry-run placeholders (${VAR}) stay expandable, so the printed commands can be pasted.
quote_arg() {
  local arg="$1" rest
  rest="${arg//\$\{[A-Z_]*\}/}"
  if [[ "$arg" =~ ^[A-Za-z0-9_./:=@%+,-]+$ ]]; then
    printf '%s' "$arg"
  elif [[ "$rest" != "$arg" && "$rest" =~ ^[A-Za-z0-9_./:=@%+,\ -]*$ ]]; then
    printf '"%s"' "$arg"
  else
    printf "'%s'" "${arg//\'/\'\\\'\'}"
  fi
}

print_command() {
  local arg
  printf '+'
  for arg in "$@"; do
    printf ' '
    quote_arg "$arg"
  done
  printf '\n'
}

require_tools() {
  is_dry_run && return 0
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed or not on PATH"
  done
}

# Runs a command, or prints it in a dry run.
run() {
  if is_dry_run; then
    print_command "$@"
  else
    "$@"
  fi
}

# capture VAR cmd...: VAR=$(cmd...). In a dry run prints the command and sets VAR to ${VAR}.
# The value is never printed: it may be a connection string.
capture() {
  local var="$1"
  shift
  if is_dry_run; then
    # shellcheck disable=SC2016  # a literal $( in the printed command
    printf '+ %s=$(' "$var"
    print_command "$@" | { read -r line; printf '%s' "${line#+ }"; }
    printf ')\n'
    # shellcheck disable=SC2016  # the placeholder is the literal text ${VAR}
    printf -v "$var" '${%s}' "$var"
  else
    local value
    value="$("$@")" || die "command failed: $1 $2 $3 (for $var)"
    [[ -n "$value" ]] || die "command returned nothing: $1 $2 $3 (for $var)"
    printf -v "$var" '%s' "$value"
  fi
}

# exists cmd...: true when cmd succeeds with non-empty output (an `az ... show` or `list` check).
# A dry run prints the check and answers $DRY_RUN_ASSUME_EXISTS (default: absent, so the
# creating commands are shown).
exists() {
  if is_dry_run; then
    print_command "$@"
    [[ "${DRY_RUN_ASSUME_EXISTS:-0}" == 1 ]]
  else
    local out
    out="$("$@" 2>/dev/null)" || return 1
    [[ -n "$out" && "$out" != "false" && "$out" != "[]" ]]
  fi
}

# pipe_to_apply cmd...: `cmd... | kubectl apply -f -`, the idempotent way to create objects that
# `kubectl create` would refuse to create twice.
pipe_to_apply() {
  if is_dry_run; then
    print_command "$@" | { read -r line; printf '%s | kubectl apply -f -\n' "$line"; }
  else
    "$@" | kubectl apply -f -
  fi
}

# write_file PATH CONTENT: the dry run shows the file it would write.
write_file() {
  local path="$1" content="$2"
  if is_dry_run; then
    printf "+ cat > %s <<'EOF'\n%s\nEOF\n" "$(quote_arg "$path")" "$content"
  else
    mkdir -p "${path%/*}"
    printf '%s\n' "$content" >"$path"
  fi
}

# cat without cat: --help must work with nothing on PATH.
print_text() {
  local line
  while IFS= read -r line; do
    printf '%s\n' "$line"
  done
}

# The environment every script documents in --help.
common_env_help() {
  print_text <<HELP
Environment (current value):
  DEMO_PREFIX=$DEMO_PREFIX            prefix of the Azure names below
  LOCATION=$LOCATION
  RESOURCE_GROUP=$RESOURCE_GROUP
  SERVICEBUS_NAMESPACE=$SERVICEBUS_NAMESPACE   globally unique
  QUEUE_NAME=$QUEUE_NAME
  SEND_RULE=$SEND_RULE  LISTEN_RULE=$LISTEN_RULE  MANAGE_RULE=$MANAGE_RULE
  ACR_NAME=$ACR_NAME                  globally unique, alphanumeric
  AKS_NAME=$AKS_NAME  AKS_NODE_COUNT=$AKS_NODE_COUNT  AKS_NODE_SIZE=$AKS_NODE_SIZE
  AKS_NODE_VCPUS=$AKS_NODE_VCPUS    vCPUs per node, for the quota check
  SUBSCRIPTION=${SUBSCRIPTION:-<the current az subscription>}
  ATTACH_ACR=$ATTACH_ACR                   0 without Owner rights: an image pull secret instead
  KEDA_NAMESPACE=$KEDA_NAMESPACE  KEDA_VERSION=$KEDA_VERSION  KEDA_IDENTITY_NAME=$KEDA_IDENTITY_NAME
  RECEIVER_IDENTITY_NAME=$RECEIVER_IDENTITY_NAME  RECEIVER_SERVICE_ACCOUNT=$RECEIVER_SERVICE_ACCOUNT
  K8S_NAMESPACE=$K8S_NAMESPACE  SECRET_NAME=$SECRET_NAME
  IMAGE_NAME=$IMAGE_NAME  IMAGE_TAG=$IMAGE_TAG
  VARIANT=$VARIANT                deployment | scaledjob | workload-identity (keyless) |
                                  scaledjob-workload-identity (keyless ScaledJob)
  WAIT_TIMEOUT=$WAIT_TIMEOUT
Options:
  -n, --dry-run   print each command instead of running it (needs no az, kubectl or helm)
  -h, --help      this text
HELP
}
