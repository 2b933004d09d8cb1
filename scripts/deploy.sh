#!/usr/bin/env bash
# Deploys the demo into the current kubectl context: the Secret from az outputs, then yaml/ with
# the image and names set by a generated kustomize overlay, then waits until KEDA says Ready.
set -euo pipefail
SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPTS_DIR" == "${BASH_SOURCE[0]}" ]] && SCRIPTS_DIR=.
# shellcheck source=lib.sh
source "$SCRIPTS_DIR/lib.sh"

# Set to use an image that is not in $ACR_NAME (e.g. docker.io/you); skips the ACR lookup.
: "${IMAGE_REGISTRY:=}"
# servicebus | rabbitmq: the queue the receiver reads and KEDA scales on (docs/rabbitmq.md).
: "${SCALER:=servicebus}"
# SCALER=rabbitmq: an AMQP URL (credentials and vhost included) of a broker you run; empty: the
# demo broker of yaml/rabbitmq/ in the namespace, with user $RABBITMQ_USER and a generated password.
: "${RABBITMQ_URL:=}"
: "${RABBITMQ_USER:=kedatui}"
# Fixed by yaml/overlays/rabbitmq/ and yaml/rabbitmq/ (tests/cli/rabbitmq_yaml.rs checks).
RABBITMQ_SECRET=rabbitmq-connection
RABBITMQ_BROKER_SECRET=rabbitmq-broker

usage() {
  # The URL may hold a password: --help says only whether it is set.
  local rabbitmq_url_shown="<empty: the demo broker>"
  [[ -n "$RABBITMQ_URL" ]] && rabbitmq_url_shown="<set, not shown>"
  print_text <<HELP
Usage: scripts/deploy.sh [--dry-run]

  1. reads the connection strings of the queue's SAS rules from Azure: $LISTEN_RULE for the
     receiver and $MANAGE_RULE for KEDA (VARIANT=workload-identity or
     scaledjob-workload-identity: no key at all, the client id of $RECEIVER_IDENTITY_NAME instead)
  2. creates namespace $K8S_NAMESPACE and Secret $SECRET_NAME (keys 'receiver-connection',
     'connection'; none for the keyless variants); values go through stdin, never onto a
     command line or into the repository. With ATTACH_ACR=0 also the image pull secret
     acr-pull (from the registry's admin credentials, through stdin) for the pods' ServiceAccount
  3. writes yaml/.deploy/kustomization.yaml (git-ignored): the chosen variant of yaml/ with
     the image <registry>/$IMAGE_NAME:$IMAGE_TAG, namespace, queue and Secret names set
     (IMAGE_TAG defaults to the commit, as in scripts/build-receiver.sh: a new build is a new
     tag, so the apply rolls it out)
  4. kubectl apply -k yaml/.deploy, then waits for KEDA's Ready condition ($WAIT_TIMEOUT)
Idempotent: re-run after any change. Switching VARIANT deletes the other variant's scaler.

SCALER=rabbitmq (VARIANT=deployment only; needs no az when IMAGE_REGISTRY is set and ATTACH_ACR=1):
  1. without RABBITMQ_URL: Secret $RABBITMQ_BROKER_SECRET (keys 'username', 'password'; the password is
     generated once and kept on re-runs) for the demo broker yaml/rabbitmq/ (rabbitmq:4-management,
     not for production), and the URL amqp://$RABBITMQ_USER:<password>@rabbitmq.$K8S_NAMESPACE.svc:5672/%2F
  2. Secret $RABBITMQ_SECRET (key 'host': the URL, for KEDA's TriggerAuthentication and the
     receiver's RABBITMQ_URL), through stdin like the others
  3. yaml/.deploy/ from yaml/overlays/rabbitmq/ (plus yaml/rabbitmq/), applied; then waits for the
     broker and declares queue $QUEUE_NAME on it (durable), so KEDA finds it before any receiver
     runs. With RABBITMQ_URL the queue must already exist on that broker.

Needs: az (logged in), kubectl pointing at the cluster (scripts/azure-up.sh sets the context).
  IMAGE_REGISTRY=${IMAGE_REGISTRY:-<login server of $ACR_NAME>}
  SCALER=$SCALER                servicebus | rabbitmq
  RABBITMQ_URL=$rabbitmq_url_shown  RABBITMQ_USER=$RABBITMQ_USER
$(common_env_help)
HELP
}

parse_common_args "$@"
case "$SCALER" in
  servicebus) ;;
  rabbitmq)
    [[ "$VARIANT" == deployment ]] ||
      die_usage "SCALER=rabbitmq has the Deployment variant only (yaml/overlays/rabbitmq/), not VARIANT=$VARIANT"
    ;;
  *) die_usage "SCALER must be servicebus or rabbitmq, not '$SCALER'" ;;
esac
if [[ "$SCALER" == servicebus || -z "$IMAGE_REGISTRY" || "$ATTACH_ACR" == 0 ]]; then
  require_tools az
fi
require_tools kubectl
if [[ "$SCALER" == rabbitmq && -z "$RABBITMQ_URL" ]]; then
  require_tools od
fi

case "$VARIANT" in
  deployment) overlay=base scaler_kind=scaledobject scaler_name=kedasbreceiver-scaler ;;
  workload-identity) overlay=overlays/workload-identity scaler_kind=scaledobject scaler_name=kedasbreceiver-scaler ;;
  scaledjob) overlay=overlays/scaledjob scaler_kind=scaledjob scaler_name=kedasbreceiver-job ;;
  scaledjob-workload-identity)
    overlay=overlays/scaledjob-workload-identity scaler_kind=scaledjob scaler_name=kedasbreceiver-job
    ;;
esac
# 1: the demo broker of yaml/rabbitmq/ joins the apply (SCALER=rabbitmq without RABBITMQ_URL).
demo_broker=0
if [[ "$SCALER" == rabbitmq ]]; then
  overlay=overlays/rabbitmq
  [[ -z "$RABBITMQ_URL" ]] && demo_broker=1
fi

# apply_secret NAME KEY VALUE [KEY VALUE]...: Secret NAME in the namespace from KEY=VALUE lines on
# stdin. printf is a builtin, so the values never appear in a process list; the dry run shows the
# keys only.
apply_secret() {
  local name="$1" keys=() lines=""
  shift
  while (($# >= 2)); do
    keys+=("$1")
    lines+="$1=$2"$'\n'
    shift 2
  done
  local command=(kubectl create secret generic "$name" --namespace "$K8S_NAMESPACE"
    --from-env-file=/dev/stdin --dry-run=client --output yaml)
  if is_dry_run; then
    print_command "${command[@]}" | {
      read -r line
      printf '%s <<< "%s" | kubectl apply -f -\n' "$line" "${keys[*]/%/=<value not shown>}"
    }
  else
    printf '%s' "$lines" | "${command[@]}" | kubectl apply -f -
  fi
}

# new_password VAR: 32 random hex digits (URL-safe, so they fit in the AMQP URL as they are).
new_password() {
  if is_dry_run; then
    # shellcheck disable=SC2016  # a literal $( in the printed command
    printf '+ %s=$(od -An -N16 -tx1 /dev/urandom)\n' "$1"
    # shellcheck disable=SC2016  # the placeholder is the literal text ${VAR}
    printf -v "$1" '${%s}' "$1"
  else
    local hex
    hex="$(od -An -N16 -tx1 /dev/urandom)" || die "could not read /dev/urandom (for $1)"
    hex="${hex//[[:space:]]/}"
    [[ ${#hex} == 32 ]] || die "od gave no 16 random bytes (for $1)"
    printf -v "$1" '%s' "$hex"
  fi
}

if [[ "$SCALER" == rabbitmq ]]; then
  step "Namespace $K8S_NAMESPACE"
  pipe_to_apply kubectl create namespace "$K8S_NAMESPACE" --dry-run=client --output yaml
  if [[ "$demo_broker" == 1 ]]; then
    step "Demo broker's user: Secret $RABBITMQ_BROKER_SECRET (kept when it exists; the password is not printed)"
    broker_secret=(kubectl get secret "$RABBITMQ_BROKER_SECRET" --namespace "$K8S_NAMESPACE")
    if exists "${broker_secret[@]}" --ignore-not-found --output name; then
      # RabbitMQ sets its default user on its first start only: a new password would lock us out.
      capture RABBITMQ_USER "${broker_secret[@]}" --output 'go-template={{.data.username | base64decode}}'
      capture RABBITMQ_PASSWORD "${broker_secret[@]}" --output 'go-template={{.data.password | base64decode}}'
    else
      new_password RABBITMQ_PASSWORD
    fi
    apply_secret "$RABBITMQ_BROKER_SECRET" username "$RABBITMQ_USER" password "$RABBITMQ_PASSWORD"
    # %2F: the default vhost `/`, spelt out (KEDA's rabbitRootVhostPath; an empty path is read
    # differently by different clients).
    RABBITMQ_URL="amqp://$RABBITMQ_USER:$RABBITMQ_PASSWORD@rabbitmq.$K8S_NAMESPACE.svc:5672/%2F"
  fi
  step "Secret $RABBITMQ_SECRET (key: host, the AMQP URL; not printed)"
  apply_secret "$RABBITMQ_SECRET" host "$RABBITMQ_URL"
elif variant_is_keyless; then
  step "Keyless: the receiver signs in as $RECEIVER_IDENTITY_NAME (no key, no Secret)"
  capture RECEIVER_CLIENT_ID az identity show --resource-group "$RESOURCE_GROUP" --name "$RECEIVER_IDENTITY_NAME" \
    --query clientId --output tsv
  step "Namespace $K8S_NAMESPACE"
  pipe_to_apply kubectl create namespace "$K8S_NAMESPACE" --dry-run=client --output yaml
else
  step "Connection strings of the queue's SAS rules (not printed)"
  rule_args=(--resource-group "$RESOURCE_GROUP" --namespace-name "$SERVICEBUS_NAMESPACE" --queue-name "$QUEUE_NAME")
  capture RECEIVER_CONNECTION az servicebus queue authorization-rule keys list "${rule_args[@]}" \
    --name "$LISTEN_RULE" --query primaryConnectionString --output tsv
  capture KEDA_CONNECTION az servicebus queue authorization-rule keys list "${rule_args[@]}" \
    --name "$MANAGE_RULE" --query primaryConnectionString --output tsv
  secret_keys=(receiver-connection connection)

  step "Namespace $K8S_NAMESPACE and Secret $SECRET_NAME (keys: ${secret_keys[*]})"
  pipe_to_apply kubectl create namespace "$K8S_NAMESPACE" --dry-run=client --output yaml
  apply_secret "$SECRET_NAME" receiver-connection "$RECEIVER_CONNECTION" connection "$KEDA_CONNECTION"
fi

step "Removing the other variant's scaler, if any (kubectl apply does not prune)"
if variant_is_scaledjob; then
  run kubectl delete --namespace "$K8S_NAMESPACE" --ignore-not-found scaledobject/kedasbreceiver-scaler deployment/kedasbreceiver
else
  run kubectl delete --namespace "$K8S_NAMESPACE" --ignore-not-found scaledjob/kedasbreceiver-job
fi

if [[ -z "$IMAGE_REGISTRY" ]]; then
  capture IMAGE_REGISTRY az acr show --name "$ACR_NAME" --query loginServer --output tsv
fi

if [[ "$ATTACH_ACR" == 0 ]]; then
  # Without Owner rights the cluster is not attached to the registry: pull with the registry's
  # admin credentials instead (Contributor on the registry may enable them).
  step "Image pull secret acr-pull (ATTACH_ACR=0; the password is not printed)"
  run az acr update --name "$ACR_NAME" --admin-enabled true --output none
  capture ACR_USER az acr credential show --name "$ACR_NAME" --query username --output tsv
  capture ACR_PASSWORD az acr credential show --name "$ACR_NAME" --query 'passwords[0].value' --output tsv
  pull_command=(kubectl create secret generic acr-pull --namespace "$K8S_NAMESPACE"
    --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=/dev/stdin
    --dry-run=client --output yaml)
  if is_dry_run; then
    print_command "${pull_command[@]}" | {
      read -r line
      printf '%s <<< "<docker config for %s, not shown>" | kubectl apply -f -\n' "$line" "$IMAGE_REGISTRY"
    }
  else
    auth="$(printf '%s:%s' "$ACR_USER" "$ACR_PASSWORD" | base64 | tr -d '\n')"
    printf '{"auths":{"%s":{"auth":"%s"}}}' "$IMAGE_REGISTRY" "$auth" |
      "${pull_command[@]}" | kubectl apply -f -
  fi
fi

# scaler_queue_patch KIND NAME: a patch on the scaler KIND/NAME that names the queue in its
# trigger; more ops may follow.
scaler_queue_patch() {
  printf '%s' "  - target:
      kind: $1
      name: $2
    patch: |-
      - op: replace
        path: /spec/triggers/0/metadata/queueName
        value: $QUEUE_NAME"
}

# keyless_receiver_ops TEMPLATE: the JSON-patch ops that give the receiver's pod template (at
# TEMPLATE, in a Deployment or a ScaledJob) its ServiceAccount, namespace and queue; env/0 and
# env/1 are fixed in the keyless overlays (a test checks).
keyless_receiver_ops() {
  printf '%s' "      - op: replace
        path: $1/spec/serviceAccountName
        value: $RECEIVER_SERVICE_ACCOUNT
      - op: replace
        path: $1/spec/containers/0/env/0/value
        value: $(servicebus_host)
      - op: replace
        path: $1/spec/containers/0/env/1/value
        value: $QUEUE_NAME"
}

step "Generated overlay yaml/.deploy ($VARIANT, $SCALER, image $IMAGE_REGISTRY/$IMAGE_NAME:$IMAGE_TAG)"
# Patches keep every name the environment may override in step with the scripts.
resources="  - ../$overlay"
if [[ "$SCALER" == rabbitmq ]]; then
  # The demo broker joins the same apply, so it gets the same namespace.
  [[ "$demo_broker" == 1 ]] && resources+="
  - ../rabbitmq"
  # Env order is fixed in yaml/overlays/rabbitmq/: env/0 RABBITMQ_URL, env/1 QUEUE_NAME (a test checks).
  name_patches="$(scaler_queue_patch ScaledObject kedasbreceiver-scaler)
  - target:
      kind: Deployment
      name: kedasbreceiver
    patch: |-
      - op: replace
        path: /spec/template/spec/containers/0/env/1/value
        value: $QUEUE_NAME"
elif [[ "$VARIANT" == scaledjob ]]; then
  # Container env order is fixed in yaml/overlays/scaledjob/scaledjob.yaml (a test checks).
  name_patches="$(scaler_queue_patch ScaledJob kedasbreceiver-job)
      - op: replace
        path: /spec/jobTargetRef/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name
        value: $SECRET_NAME
      - op: replace
        path: /spec/jobTargetRef/template/spec/containers/0/env/1/value
        value: $QUEUE_NAME"
elif [[ "$VARIANT" == scaledjob-workload-identity ]]; then
  # Env order as in the scaledjob overlay, env/0 replaced by the namespace (a test checks).
  name_patches="$(scaler_queue_patch ScaledJob kedasbreceiver-job)
$(keyless_receiver_ops /spec/jobTargetRef/template)"
elif [[ "$VARIANT" == workload-identity ]]; then
  name_patches="$(scaler_queue_patch ScaledObject kedasbreceiver-scaler)
  - target:
      kind: Deployment
      name: kedasbreceiver
    patch: |-
$(keyless_receiver_ops /spec/template)"
else
  name_patches="$(scaler_queue_patch ScaledObject kedasbreceiver-scaler)
  - target:
      kind: Deployment
      name: kedasbreceiver
    patch: |-
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: kedasbreceiver
      spec:
        template:
          spec:
            containers:
              - name: receiver
                env:
                  - name: SERVICEBUS_CONNECTION_STRING
                    valueFrom:
                      secretKeyRef:
                        name: $SECRET_NAME
                        key: receiver-connection
                  - name: QUEUE_NAME
                    value: $QUEUE_NAME"
fi
if variant_is_keyless; then
  # $scaler_kind is lower case; kustomize matches kind case-sensitively.
  scaler_target_kind=ScaledObject
  variant_is_scaledjob && scaler_target_kind=ScaledJob
  name_patches+="
  - target:
      kind: ServiceAccount
      name: kedasbreceiver
    patch: |-
      - op: replace
        path: /metadata/name
        value: $RECEIVER_SERVICE_ACCOUNT
      - op: replace
        path: /metadata/annotations/azure.workload.identity~1client-id
        value: $RECEIVER_CLIENT_ID
  - target:
      kind: $scaler_target_kind
      name: $scaler_name
    patch: |-
      - op: replace
        path: /spec/triggers/0/metadata/namespace
        value: $SERVICEBUS_NAMESPACE"
elif [[ "$SCALER" == servicebus ]]; then
  name_patches+="
  - target:
      kind: TriggerAuthentication
      name: kedasbreceiver-auth
    patch: |-
      - op: replace
        path: /spec/secretTargetRef/0/name
        value: $SECRET_NAME"
fi
if [[ "$ATTACH_ACR" == 0 ]]; then
  name_patches+="
  - target:
      kind: Deployment
    patch: |-
      - op: add
        path: /spec/template/spec/imagePullSecrets
        value: [{name: acr-pull}]
  - target:
      kind: ScaledJob
    patch: |-
      - op: add
        path: /spec/jobTargetRef/template/spec/imagePullSecrets
        value: [{name: acr-pull}]"
fi
write_file "$REPO_ROOT/yaml/.deploy/kustomization.yaml" "# Generated by scripts/deploy.sh: do not edit, do not commit (git-ignored).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $K8S_NAMESPACE
resources:
$resources
images:
  - name: kedasbreceiver
    newName: $IMAGE_REGISTRY/$IMAGE_NAME
    newTag: $IMAGE_TAG
patches:
$name_patches"

step "Applying"
run kubectl apply -k "$REPO_ROOT/yaml/.deploy"
if [[ "$demo_broker" == 1 ]]; then
  step "Waiting for the demo broker, then declaring queue $QUEUE_NAME (durable) on it"
  run kubectl rollout status --namespace "$K8S_NAMESPACE" statefulset/rabbitmq --timeout="$WAIT_TIMEOUT"
  # The credentials are the broker's own environment, expanded inside its pod, not on a command line here.
  # shellcheck disable=SC2016  # expanded by the pod's shell
  run kubectl exec --namespace "$K8S_NAMESPACE" rabbitmq-0 -- sh -c \
    'rabbitmqadmin --username="$RABBITMQ_DEFAULT_USER" --password="$RABBITMQ_DEFAULT_PASS" declare queue name="$1" durable=true' \
    sh "$QUEUE_NAME"
fi
run kubectl wait --namespace "$K8S_NAMESPACE" --for=condition=Ready --timeout="$WAIT_TIMEOUT" "$scaler_kind/$scaler_name"
run kubectl get --namespace "$K8S_NAMESPACE" "$scaler_kind,triggerauthentication,deployment,hpa,pods"

if [[ "$SCALER" == rabbitmq ]]; then
  step "Done. Watch it: kubectl get pods --namespace $K8S_NAMESPACE --watch"
  if [[ "$demo_broker" == 1 ]]; then
    print_text >&2 <<HINT
    The demo broker from your machine (management UI on http://127.0.0.1:15672, user $RABBITMQ_USER;
    the URL goes into the variable, not onto the screen):
      kubectl port-forward --namespace $K8S_NAMESPACE svc/rabbitmq 5672 15672 &
      export RABBITMQ_URL="amqp://$RABBITMQ_USER:\$(kubectl get secret $RABBITMQ_BROKER_SECRET --namespace $K8S_NAMESPACE --output 'go-template={{.data.password | base64decode}}')@127.0.0.1:5672/%2F"
HINT
  fi
else
  step "Done. Watch it: kubectl get pods --namespace $K8S_NAMESPACE --watch. kedatui in live mode:"
  print_console_commands
fi
