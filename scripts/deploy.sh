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

usage() {
  print_text <<HELP
Usage: scripts/deploy.sh [--dry-run]

  1. reads the connection strings of the queue's SAS rules from Azure: $LISTEN_RULE for the
     receiver and (not for VARIANT=workload-identity) $MANAGE_RULE for KEDA
  2. creates namespace $K8S_NAMESPACE and Secret $SECRET_NAME (keys 'receiver-connection',
     'connection'); values go through stdin, never onto a command line or into the repository
  3. writes yaml/.deploy/kustomization.yaml (git-ignored): the chosen variant of yaml/ with
     the image <registry>/$IMAGE_NAME:$IMAGE_TAG, namespace, queue and Secret names set
  4. kubectl apply -k yaml/.deploy, then waits for KEDA's Ready condition ($WAIT_TIMEOUT)
Idempotent: re-run after any change. Switching VARIANT deletes the other variant's scaler.

Needs: az (logged in), kubectl pointing at the cluster (scripts/azure-up.sh sets the context).
  IMAGE_REGISTRY=${IMAGE_REGISTRY:-<login server of $ACR_NAME>}
$(common_env_help)
HELP
}

parse_common_args "$@"
require_tools az kubectl

case "$VARIANT" in
  deployment) overlay=base scaler_kind=scaledobject scaler_name=kedasbreceiver-scaler ;;
  workload-identity) overlay=overlays/workload-identity scaler_kind=scaledobject scaler_name=kedasbreceiver-scaler ;;
  scaledjob) overlay=overlays/scaledjob scaler_kind=scaledjob scaler_name=kedasbreceiver-job ;;
esac

step "Connection strings of the queue's SAS rules (not printed)"
rule_args=(--resource-group "$RESOURCE_GROUP" --namespace-name "$SERVICEBUS_NAMESPACE" --queue-name "$QUEUE_NAME")
capture RECEIVER_CONNECTION az servicebus queue authorization-rule keys list "${rule_args[@]}" \
  --name "$LISTEN_RULE" --query primaryConnectionString --output tsv
secret_keys=(receiver-connection)
if [[ "$VARIANT" != workload-identity ]]; then
  capture KEDA_CONNECTION az servicebus queue authorization-rule keys list "${rule_args[@]}" \
    --name "$MANAGE_RULE" --query primaryConnectionString --output tsv
  secret_keys+=(connection)
fi

step "Namespace $K8S_NAMESPACE and Secret $SECRET_NAME (keys: ${secret_keys[*]})"
pipe_to_apply kubectl create namespace "$K8S_NAMESPACE" --dry-run=client --output yaml
secret_command=(kubectl create secret generic "$SECRET_NAME" --namespace "$K8S_NAMESPACE"
  --from-env-file=/dev/stdin --dry-run=client --output yaml)
if is_dry_run; then
  print_command "${secret_command[@]}" | {
    read -r line
    printf '%s <<< "%s" | kubectl apply -f -\n' "$line" "${secret_keys[*]/%/=<value not shown>}"
  }
else
  # printf is a builtin: the values never appear in a process list.
  {
    printf 'receiver-connection=%s\n' "$RECEIVER_CONNECTION"
    [[ -z "${KEDA_CONNECTION:-}" ]] || printf 'connection=%s\n' "$KEDA_CONNECTION"
  } | "${secret_command[@]}" | kubectl apply -f -
fi

step "Removing the other variant's scaler, if any (kubectl apply does not prune)"
if [[ "$VARIANT" == scaledjob ]]; then
  run kubectl delete --namespace "$K8S_NAMESPACE" --ignore-not-found scaledobject/kedasbreceiver-scaler deployment/kedasbreceiver
else
  run kubectl delete --namespace "$K8S_NAMESPACE" --ignore-not-found scaledjob/kedasbreceiver-job
fi

if [[ -z "$IMAGE_REGISTRY" ]]; then
  capture IMAGE_REGISTRY az acr show --name "$ACR_NAME" --query loginServer --output tsv
fi

step "Generated overlay yaml/.deploy ($VARIANT, image $IMAGE_REGISTRY/$IMAGE_NAME:$IMAGE_TAG)"
# Patches keep every name the environment may override in step with the scripts.
if [[ "$VARIANT" == scaledjob ]]; then
  # Container env order is fixed in yaml/overlays/scaledjob/scaledjob.yaml (a test checks).
  name_patches="  - target:
      kind: ScaledJob
      name: kedasbreceiver-job
    patch: |-
      - op: replace
        path: /spec/triggers/0/metadata/queueName
        value: $QUEUE_NAME
      - op: replace
        path: /spec/jobTargetRef/template/spec/containers/0/env/0/valueFrom/secretKeyRef/name
        value: $SECRET_NAME
      - op: replace
        path: /spec/jobTargetRef/template/spec/containers/0/env/1/value
        value: $QUEUE_NAME"
else
  name_patches="  - target:
      kind: ScaledObject
      name: kedasbreceiver-scaler
    patch: |-
      - op: replace
        path: /spec/triggers/0/metadata/queueName
        value: $QUEUE_NAME
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
if [[ "$VARIANT" == workload-identity ]]; then
  name_patches+="
  - target:
      kind: ScaledObject
      name: kedasbreceiver-scaler
    patch: |-
      - op: replace
        path: /spec/triggers/0/metadata/namespace
        value: $SERVICEBUS_NAMESPACE"
else
  name_patches+="
  - target:
      kind: TriggerAuthentication
      name: kedasbreceiver-auth
    patch: |-
      - op: replace
        path: /spec/secretTargetRef/0/name
        value: $SECRET_NAME"
fi
write_file "$REPO_ROOT/yaml/.deploy/kustomization.yaml" "# Generated by scripts/deploy.sh: do not edit, do not commit (git-ignored).
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: $K8S_NAMESPACE
resources:
  - ../$overlay
images:
  - name: kedasbreceiver
    newName: $IMAGE_REGISTRY/$IMAGE_NAME
    newTag: $IMAGE_TAG
patches:
$name_patches"

step "Applying"
run kubectl apply -k "$REPO_ROOT/yaml/.deploy"
run kubectl wait --namespace "$K8S_NAMESPACE" --for=condition=Ready --timeout="$WAIT_TIMEOUT" "$scaler_kind/$scaler_name"
run kubectl get --namespace "$K8S_NAMESPACE" "$scaler_kind,triggerauthentication,deployment,hpa,pods"

step "Done. Watch it: kubectl get pods --namespace $K8S_NAMESPACE --watch, or kedatui in live mode."
# The console sends with Send and reads counts with Manage (docs/keda-semantics.md §6.6): least privilege
# is two strings, the Send rule's for bursts and the Manage rule's for counts (and purge, which
# needs Listen: Manage includes it). The commands are shown, never the secrets.
az_keys="az servicebus queue authorization-rule keys list --resource-group $RESOURCE_GROUP --namespace-name $SERVICEBUS_NAMESPACE --queue-name $QUEUE_NAME"
print_text >&2 <<HINT
    For kedatui's live mode run these (the keys go into the variables, not onto the screen):
    export SERVICEBUS_CONNECTION_STRING="\$($az_keys --name $SEND_RULE --query primaryConnectionString --output tsv)"
    export SERVICEBUS_MANAGE_CONNECTION_STRING="\$($az_keys --name $MANAGE_RULE --query primaryConnectionString --output tsv)"
    (kedatui sends bursts with $SEND_RULE; counts and purge use $MANAGE_RULE. Without the second
    variable the gauge says the policy needs Manage rights to read counts.)
HINT
