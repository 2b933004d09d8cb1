#!/usr/bin/env bash
# Provisions everything the live demo needs in Azure, then installs KEDA with Helm.
# Idempotent: re-running skips what exists and re-applies what is cheap to re-apply.
set -euo pipefail
SCRIPTS_DIR="${BASH_SOURCE[0]%/*}"
[[ "$SCRIPTS_DIR" == "${BASH_SOURCE[0]}" ]] && SCRIPTS_DIR=.
# shellcheck source=lib.sh
source "$SCRIPTS_DIR/lib.sh"

usage() {
  print_text <<HELP
Usage: scripts/azure-up.sh [--dry-run]

Cost: while it runs, roughly US\$0.25 an hour (about \$6 a day) at list prices: AKS with
$AKS_NODE_COUNT x $AKS_NODE_SIZE nodes (free control plane) is most of it, plus Service Bus Standard
and a Basic registry. scripts/teardown.sh deletes it all and stops the cost.

First: selects \$SUBSCRIPTION (if set), registers the resource providers it needs and checks the
regional vCPU quota ($AKS_NODE_COUNT nodes x $AKS_NODE_VCPUS vCPUs) in $LOCATION.
Creates, in order (skipping what already exists):
  1. resource group $RESOURCE_GROUP in $LOCATION
  2. Service Bus namespace $SERVICEBUS_NAMESPACE (Standard) and queue $QUEUE_NAME
  3. three SAS rules on the queue: $SEND_RULE (Send, for kedatui),
     $LISTEN_RULE (Listen, for the receiver), $MANAGE_RULE (Manage, for KEDA's scaler)
  4. container registry $ACR_NAME and AKS cluster $AKS_NAME attached to it; kubectl credentials
     (without Owner rights --attach-acr fails: run with ATTACH_ACR=0 and scripts/deploy.sh
     creates an image pull secret instead)
  5. KEDA $KEDA_VERSION from the kedacore Helm chart into namespace $KEDA_NAMESPACE
With VARIANT=workload-identity or scaledjob-workload-identity (keyless: no SAS rule, no key,
no Secret) instead of step 3:
the OIDC issuer and workload identity on AKS; managed identity $KEDA_IDENTITY_NAME federated
with KEDA's operator ServiceAccount, holding "Azure Service Bus Data Owner"; managed identity
$RECEIVER_IDENTITY_NAME federated with $K8S_NAMESPACE/$RECEIVER_SERVICE_ACCOUNT, holding
"Azure Service Bus Data Receiver"; you (the signed-in user, for kedatui) "Azure Service Bus Data
Owner"; KEDA installed with podIdentity enabled. Role assignments need Owner or User Access
Administrator on the namespace.

Needs: az (logged in: az login), kubectl, helm.
$(common_env_help)
HELP
}

parse_common_args "$@"
require_tools az kubectl helm

workload_identity=0
variant_is_keyless && workload_identity=1

step "Cost: roughly US\$0.25/hour while it runs (AKS $AKS_NODE_COUNT x $AKS_NODE_SIZE, Service Bus Standard, ACR Basic); scripts/teardown.sh stops it"

step "Subscription"
select_subscription
run az account show --query "{subscription:name, id:id, user:user.name}" --output table

step "Resource providers (a new subscription has none registered)"
providers=(Microsoft.ServiceBus Microsoft.ContainerRegistry Microsoft.ContainerService)
[[ "$workload_identity" == 1 ]] && providers+=(Microsoft.ManagedIdentity)
for provider in "${providers[@]}"; do
  run az provider register --namespace "$provider" --wait
done

step "vCPU quota in $LOCATION ($AKS_NODE_COUNT nodes x $AKS_NODE_VCPUS vCPUs)"
need_vcpus=$((AKS_NODE_COUNT * AKS_NODE_VCPUS))
capture VCPU_USAGE az vm list-usage --location "$LOCATION" \
  --query "[?name.value=='cores'] | [0].[currentValue, limit]" --output tsv
if ! is_dry_run; then
  read -r used limit <<<"$VCPU_USAGE"
  if ((limit - used < need_vcpus)); then
    die "$LOCATION has $((limit - used)) of $limit regional vCPUs free, the cluster needs $need_vcpus: pick another LOCATION or a smaller AKS_NODE_SIZE/AKS_NODE_COUNT, or request more quota (Portal: Quotas)"
  fi
  step "$((limit - used)) of $limit vCPUs free"
fi

step "Resource group $RESOURCE_GROUP"
run az group create --name "$RESOURCE_GROUP" --location "$LOCATION" --output none

step "Service Bus namespace $SERVICEBUS_NAMESPACE and queue $QUEUE_NAME"
if exists az servicebus namespace show --resource-group "$RESOURCE_GROUP" --name "$SERVICEBUS_NAMESPACE" --query id --output tsv; then
  step "namespace exists"
else
  run az servicebus namespace create --resource-group "$RESOURCE_GROUP" --name "$SERVICEBUS_NAMESPACE" \
    --location "$LOCATION" --sku Standard --output none
fi
if exists az servicebus queue show --resource-group "$RESOURCE_GROUP" --namespace-name "$SERVICEBUS_NAMESPACE" --name "$QUEUE_NAME" --query id --output tsv; then
  step "queue exists"
else
  run az servicebus queue create --resource-group "$RESOURCE_GROUP" --namespace-name "$SERVICEBUS_NAMESPACE" \
    --name "$QUEUE_NAME" --lock-duration PT1M --max-delivery-count 10 --output none
fi

if [[ "$workload_identity" == 1 ]]; then
  step "No SAS rules: the keyless variant signs everyone in with Entra ID"
else
  step "SAS rules on the queue (least privilege for each party)"
  # Queue-level rules: each key opens this queue only (KEDA's scaler accepts such a connection
  # string, EntityPath included: kedacore/keda#4656). A Manage rule must also carry Send and
  # Listen (docs/keda-semantics.md §6.6).
  run az servicebus queue authorization-rule create --resource-group "$RESOURCE_GROUP" \
    --namespace-name "$SERVICEBUS_NAMESPACE" --queue-name "$QUEUE_NAME" --name "$SEND_RULE" --rights Send --output none
  run az servicebus queue authorization-rule create --resource-group "$RESOURCE_GROUP" \
    --namespace-name "$SERVICEBUS_NAMESPACE" --queue-name "$QUEUE_NAME" --name "$LISTEN_RULE" --rights Listen --output none
  run az servicebus queue authorization-rule create --resource-group "$RESOURCE_GROUP" \
    --namespace-name "$SERVICEBUS_NAMESPACE" --queue-name "$QUEUE_NAME" --name "$MANAGE_RULE" --rights Manage Listen Send --output none
fi

step "Container registry $ACR_NAME"
if exists az acr show --resource-group "$RESOURCE_GROUP" --name "$ACR_NAME" --query id --output tsv; then
  step "registry exists"
else
  run az acr create --resource-group "$RESOURCE_GROUP" --name "$ACR_NAME" --sku Basic --output none
fi

step "AKS cluster $AKS_NAME (ATTACH_ACR=$ATTACH_ACR: pulls from $ACR_NAME through --attach-acr when 1, an image pull secret when 0)"
if exists az aks show --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --query id --output tsv; then
  step "cluster exists"
  if [[ "$workload_identity" == 1 ]]; then
    run az aks update --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" \
      --enable-oidc-issuer --enable-workload-identity --output none
  fi
else
  aks_args=(--resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --location "$LOCATION"
    --node-count "$AKS_NODE_COUNT" --node-vm-size "$AKS_NODE_SIZE")
  # --attach-acr creates a role assignment: Owner (or User Access Administrator) only.
  [[ "$ATTACH_ACR" == 1 ]] && aks_args+=(--attach-acr "$ACR_NAME")
  aks_args+=(--generate-ssh-keys --output none)
  if [[ "$workload_identity" == 1 ]]; then
    aks_args+=(--enable-oidc-issuer --enable-workload-identity)
  fi
  run az aks create "${aks_args[@]}"
fi
run az aks get-credentials --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --overwrite-existing

helm_identity_args=()
if [[ "$workload_identity" == 1 ]]; then
  step "Managed identity $KEDA_IDENTITY_NAME for KEDA's operator (docs/keda-semantics.md §7.2)"
  run az identity create --resource-group "$RESOURCE_GROUP" --name "$KEDA_IDENTITY_NAME" --location "$LOCATION" --output none
  capture KEDA_CLIENT_ID az identity show --resource-group "$RESOURCE_GROUP" --name "$KEDA_IDENTITY_NAME" --query clientId --output tsv
  capture KEDA_PRINCIPAL_ID az identity show --resource-group "$RESOURCE_GROUP" --name "$KEDA_IDENTITY_NAME" --query principalId --output tsv
  capture TENANT_ID az account show --query tenantId --output tsv
  capture OIDC_ISSUER az aks show --resource-group "$RESOURCE_GROUP" --name "$AKS_NAME" --query oidcIssuerProfile.issuerUrl --output tsv
  capture SERVICEBUS_ID az servicebus namespace show --resource-group "$RESOURCE_GROUP" --name "$SERVICEBUS_NAMESPACE" --query id --output tsv
  run az identity federated-credential create --resource-group "$RESOURCE_GROUP" --identity-name "$KEDA_IDENTITY_NAME" \
    --name keda-operator --issuer "$OIDC_ISSUER" --subject "system:serviceaccount:${KEDA_NAMESPACE}:keda-operator" \
    --audiences api://AzureADTokenExchange --output none
  if exists az role assignment list --assignee "$KEDA_PRINCIPAL_ID" --role "Azure Service Bus Data Owner" --scope "$SERVICEBUS_ID" --query '[0].id' --output tsv; then
    step "role assignment exists"
  else
    run az role assignment create --assignee-object-id "$KEDA_PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
      --role "Azure Service Bus Data Owner" --scope "$SERVICEBUS_ID" --output none
  fi

  step "Managed identity $RECEIVER_IDENTITY_NAME for the receiver (keyless)"
  run az identity create --resource-group "$RESOURCE_GROUP" --name "$RECEIVER_IDENTITY_NAME" --location "$LOCATION" --output none
  capture RECEIVER_PRINCIPAL_ID az identity show --resource-group "$RESOURCE_GROUP" --name "$RECEIVER_IDENTITY_NAME" --query principalId --output tsv
  run az identity federated-credential create --resource-group "$RESOURCE_GROUP" --identity-name "$RECEIVER_IDENTITY_NAME" \
    --name kedasbreceiver --issuer "$OIDC_ISSUER" --subject "system:serviceaccount:${K8S_NAMESPACE}:${RECEIVER_SERVICE_ACCOUNT}" \
    --audiences api://AzureADTokenExchange --output none
  if exists az role assignment list --assignee "$RECEIVER_PRINCIPAL_ID" --role "Azure Service Bus Data Receiver" --scope "$SERVICEBUS_ID" --query '[0].id' --output tsv; then
    step "role assignment exists"
  else
    run az role assignment create --assignee-object-id "$RECEIVER_PRINCIPAL_ID" --assignee-principal-type ServicePrincipal \
      --role "Azure Service Bus Data Receiver" --scope "$SERVICEBUS_ID" --output none
  fi

  step "You, for kedatui: sends, counts and purge (Data Owner covers all three)"
  capture SPEAKER_ID az ad signed-in-user show --query id --output tsv
  if exists az role assignment list --assignee "$SPEAKER_ID" --role "Azure Service Bus Data Owner" --scope "$SERVICEBUS_ID" --query '[0].id' --output tsv; then
    step "role assignment exists"
  else
    run az role assignment create --assignee-object-id "$SPEAKER_ID" --assignee-principal-type User \
      --role "Azure Service Bus Data Owner" --scope "$SERVICEBUS_ID" --output none
  fi
  helm_identity_args=(--set podIdentity.azureWorkload.enabled=true
    --set "podIdentity.azureWorkload.clientId=$KEDA_CLIENT_ID"
    --set "podIdentity.azureWorkload.tenantId=$TENANT_ID")
fi

step "KEDA $KEDA_VERSION (Helm)"
run helm repo add kedacore https://kedacore.github.io/charts --force-update
run helm repo update kedacore
run helm upgrade --install keda kedacore/keda --namespace "$KEDA_NAMESPACE" --create-namespace \
  --version "$KEDA_VERSION" --wait ${helm_identity_args[@]+"${helm_identity_args[@]}"}

step "Done. Next: scripts/build-receiver.sh, then scripts/deploy.sh (same environment). Then:"
print_console_commands
