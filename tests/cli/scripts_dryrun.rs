//! Each script in scripts/ runs with --dry-run, with an empty PATH (so no az, kubectl, helm or
//! docker can be found), and prints the commands it would run, in order.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bash() -> &'static str {
    ["/bin/bash", "/usr/bin/bash"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("bash is needed to test the scripts")
}

/// Runs a script with a clean environment whose PATH is an empty directory.
fn script(name: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let empty = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(bash());
    cmd.arg(repo().join("scripts").join(name))
        .args(args)
        .env_clear()
        .env("PATH", empty.path())
        .current_dir(repo());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn dry_run(name: &str, env: &[(&str, &str)]) -> Vec<String> {
    let out = script(name, &["--dry-run"], env);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} --dry-run failed: {stderr}\n{stdout}"
    );
    stdout.lines().map(str::to_owned).collect()
}

/// Every expected line appears, in this order (other lines may come between).
fn assert_in_order(lines: &[String], expected: &[&str]) {
    let mut at = 0;
    for e in expected {
        match lines[at..].iter().position(|l| l == e) {
            Some(i) => at += i + 1,
            None => panic!(
                "expected, in order after line {at}:\n  {e}\nprinted:\n{}",
                lines.join("\n")
            ),
        }
    }
}

#[test]
fn the_tools_really_are_absent() {
    // Without --dry-run the scripts stop at once, naming the missing tool: the dry runs below
    // therefore cannot have run anything.
    for name in [
        "azure-up.sh",
        "build-receiver.sh",
        "deploy.sh",
        "teardown.sh",
    ] {
        // teardown.sh asks before deleting: --yes skips the question.
        let args: &[&str] = if name == "teardown.sh" {
            &["--yes"]
        } else {
            &[]
        };
        let out = script(name, args, &[]);
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is not installed or not on PATH"),
            "{name}: {stderr}"
        );
    }
}

#[test]
fn azure_up_creates_the_namespace_queue_rules_registry_cluster_and_keda() {
    let lines = dry_run("azure-up.sh", &[]);
    assert_in_order(
        &lines,
        &[
            "+ az group create --name kedatui-rg --location westeurope --output none",
            "+ az servicebus namespace create --resource-group kedatui-rg --name kedatui-sb --location westeurope --sku Standard --output none",
            "+ az servicebus queue create --resource-group kedatui-rg --namespace-name kedatui-sb --name kedaqueue --lock-duration PT1M --max-delivery-count 10 --output none",
            "+ az servicebus queue authorization-rule create --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue --name kedatui-send --rights Send --output none",
            "+ az servicebus queue authorization-rule create --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue --name receiver-listen --rights Listen --output none",
            "+ az servicebus queue authorization-rule create --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue --name keda-manage --rights Manage Listen Send --output none",
            "+ az acr create --resource-group kedatui-rg --name kedatuiacr --sku Basic --output none",
            "+ az aks create --resource-group kedatui-rg --name kedatui-aks --location westeurope --node-count 2 --node-vm-size Standard_D2s_v5 --attach-acr kedatuiacr --generate-ssh-keys --output none",
            "+ az aks get-credentials --resource-group kedatui-rg --name kedatui-aks --overwrite-existing",
            "+ helm repo add kedacore https://kedacore.github.io/charts --force-update",
            "+ helm upgrade --install keda kedacore/keda --namespace keda --create-namespace --version 2.20.2 --wait",
        ],
    );
    // Idempotent: each create is preceded by its existence check.
    assert_in_order(
        &lines,
        &[
            "+ az servicebus namespace show --resource-group kedatui-rg --name kedatui-sb --query id --output tsv",
            "+ az servicebus namespace create --resource-group kedatui-rg --name kedatui-sb --location westeurope --sku Standard --output none",
            "+ az aks show --resource-group kedatui-rg --name kedatui-aks --query id --output tsv",
        ],
    );
    assert!(!lines.iter().any(|l| l.contains("workload")));
}

#[test]
fn azure_up_with_workload_identity_federates_keda_and_grants_data_owner() {
    let lines = dry_run("azure-up.sh", &[("VARIANT", "workload-identity")]);
    assert_in_order(
        &lines,
        &[
            "+ az aks create --resource-group kedatui-rg --name kedatui-aks --location westeurope --node-count 2 --node-vm-size Standard_D2s_v5 --attach-acr kedatuiacr --generate-ssh-keys --output none --enable-oidc-issuer --enable-workload-identity",
            "+ az identity create --resource-group kedatui-rg --name kedatui-keda-identity --location westeurope --output none",
            "+ OIDC_ISSUER=$(az aks show --resource-group kedatui-rg --name kedatui-aks --query oidcIssuerProfile.issuerUrl --output tsv)",
            "+ az identity federated-credential create --resource-group kedatui-rg --identity-name kedatui-keda-identity --name keda-operator --issuer \"${OIDC_ISSUER}\" --subject system:serviceaccount:keda:keda-operator --audiences api://AzureADTokenExchange --output none",
            "+ az role assignment create --assignee-object-id \"${KEDA_PRINCIPAL_ID}\" --assignee-principal-type ServicePrincipal --role 'Azure Service Bus Data Owner' --scope \"${SERVICEBUS_ID}\" --output none",
            "+ helm upgrade --install keda kedacore/keda --namespace keda --create-namespace --version 2.20.2 --wait --set podIdentity.azureWorkload.enabled=true --set \"podIdentity.azureWorkload.clientId=${KEDA_CLIENT_ID}\" --set \"podIdentity.azureWorkload.tenantId=${TENANT_ID}\"",
        ],
    );
}

#[test]
fn every_name_follows_the_environment() {
    let lines = dry_run(
        "azure-up.sh",
        &[
            ("DEMO_PREFIX", "demo-ana"),
            ("LOCATION", "northeurope"),
            ("QUEUE_NAME", "orders"),
        ],
    );
    assert_in_order(
        &lines,
        &[
            "+ az group create --name demo-ana-rg --location northeurope --output none",
            "+ az servicebus queue create --resource-group demo-ana-rg --namespace-name demo-ana-sb --name orders --lock-duration PT1M --max-delivery-count 10 --output none",
            "+ az acr create --resource-group demo-ana-rg --name demoanaacr --sku Basic --output none",
        ],
    );
}

#[test]
fn build_receiver_uses_acr_build_or_docker() {
    let root = repo().display().to_string();
    let lines = dry_run("build-receiver.sh", &[]);
    assert_in_order(
        &lines,
        &[&format!(
            "+ az acr build --registry kedatuiacr --image kedasbreceiver:latest --file {root}/receiver/Dockerfile {root}"
        )],
    );
    let lines = dry_run(
        "build-receiver.sh",
        &[("BUILD_MODE", "docker"), ("IMAGE_TAG", "v2")],
    );
    assert_in_order(
        &lines,
        &[
            "+ LOGIN_SERVER=$(az acr show --name kedatuiacr --query loginServer --output tsv)",
            "+ az acr login --name kedatuiacr",
            &format!(
                "+ docker build --file {root}/receiver/Dockerfile --tag \"${{LOGIN_SERVER}}/kedasbreceiver:v2\" {root}"
            ),
            "+ docker push \"${LOGIN_SERVER}/kedasbreceiver:v2\"",
        ],
    );
}

/// When `az acr build` fails (no ACR Tasks on the subscription), the build falls back to a local
/// docker or podman. Stand-in tools on PATH: `az` fails the build and answers the login server,
/// `podman` logs what it is asked to do.
#[test]
fn build_receiver_falls_back_to_a_local_build_when_acr_build_fails() {
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("calls.log");
    let write = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt as _;
        let path = bin.path().join(name);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> '{}'\n{body}",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "az",
        r#"case "$1 $2" in
  "acr build") echo "ERROR: (TasksOperationsNotAllowed) ACR Tasks requests are not permitted" >&2; exit 1 ;;
  "acr show") echo "kedatuiacr.azurecr.io" ;;
  "acr login") echo "token-not-a-secret" ;;
esac"#,
    );
    // Reads its stdin as `podman login --password-stdin` does (a stand-in that exits at once can
    // make `az acr login`'s write fail with SIGPIPE, which pipefail turns into a failed build),
    // and notes what came through the pipe.
    write(
        "podman",
        &format!(
            "while read -r line; do echo \"podman stdin: $line\" >> '{}'; done",
            log.display()
        ),
    );
    // PATH holds only the stand-ins (the scripts and stand-ins use shell builtins), so no real
    // docker or podman can be found.
    let out = Command::new(bash())
        .arg(repo().join("scripts/build-receiver.sh"))
        .env_clear()
        .env("PATH", bin.path())
        .current_dir(repo())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("building locally with podman"), "{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap();
    let root = repo().display().to_string();
    let calls: Vec<String> = calls.lines().map(str::to_owned).collect();
    assert_in_order(
        &calls,
        &[
            &format!(
                "az acr build --registry kedatuiacr --image kedasbreceiver:latest --file {root}/receiver/Dockerfile {root}"
            ),
            "az acr show --name kedatuiacr --query loginServer --output tsv",
            "podman login kedatuiacr.azurecr.io --username 00000000-0000-0000-0000-000000000000 --password-stdin",
            "podman stdin: token-not-a-secret",
            &format!(
                "podman build --file {root}/receiver/Dockerfile --tag kedatuiacr.azurecr.io/kedasbreceiver:latest {root}"
            ),
            "podman push kedatuiacr.azurecr.io/kedasbreceiver:latest",
        ],
    );
    // The two ends of `az acr login … | podman login …` start together, so either may log first;
    // the token above came through the pipe, not a command line.
    assert!(
        calls.iter().any(|c| c
            == "az acr login --name kedatuiacr --expose-token --query accessToken --output tsv"),
        "{calls:#?}"
    );
}

#[test]
fn deploy_creates_the_secret_from_az_outputs_applies_and_waits() {
    let root = repo().display().to_string();
    let lines = dry_run("deploy.sh", &[]);
    assert_in_order(
        &lines,
        &[
            "+ RECEIVER_CONNECTION=$(az servicebus queue authorization-rule keys list --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue --name receiver-listen --query primaryConnectionString --output tsv)",
            "+ KEDA_CONNECTION=$(az servicebus queue authorization-rule keys list --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue --name keda-manage --query primaryConnectionString --output tsv)",
            "+ kubectl create namespace keda-demo --dry-run=client --output yaml | kubectl apply -f -",
            "+ kubectl create secret generic servicebus-connection --namespace keda-demo --from-env-file=/dev/stdin --dry-run=client --output yaml <<< \"receiver-connection=<value not shown> connection=<value not shown>\" | kubectl apply -f -",
            "+ kubectl delete --namespace keda-demo --ignore-not-found scaledjob/kedasbreceiver-job",
            "+ IMAGE_REGISTRY=$(az acr show --name kedatuiacr --query loginServer --output tsv)",
            &format!("+ cat > {root}/yaml/.deploy/kustomization.yaml <<'EOF'"),
            "namespace: keda-demo",
            "  - ../base",
            "    newName: ${IMAGE_REGISTRY}/kedasbreceiver",
            "    newTag: latest",
            "EOF",
            &format!("+ kubectl apply -k {root}/yaml/.deploy"),
            "+ kubectl wait --namespace keda-demo --for=condition=Ready --timeout=180s scaledobject/kedasbreceiver-scaler",
        ],
    );
    // A dry run writes nothing.
    assert!(!repo().join("yaml/.deploy/kustomization.yaml").exists());
}

#[test]
fn deploy_variants_pick_their_overlay_and_clean_up_the_other_scaler() {
    let root = repo().display().to_string();
    let lines = dry_run("deploy.sh", &[("VARIANT", "scaledjob")]);
    assert_in_order(
        &lines,
        &[
            "+ kubectl delete --namespace keda-demo --ignore-not-found scaledobject/kedasbreceiver-scaler deployment/kedasbreceiver",
            "  - ../overlays/scaledjob",
            &format!("+ kubectl apply -k {root}/yaml/.deploy"),
            "+ kubectl wait --namespace keda-demo --for=condition=Ready --timeout=180s scaledjob/kedasbreceiver-job",
        ],
    );
    let lines = dry_run(
        "deploy.sh",
        &[
            ("VARIANT", "workload-identity"),
            ("SERVICEBUS_NAMESPACE", "ana-sb"),
        ],
    );
    // Keyless: no key is read and no Secret is made, for KEDA or the receiver.
    assert!(!lines.iter().any(|l| l.contains("CONNECTION")
        || l.contains("authorization-rule")
        || l.contains("create secret")));
    assert_in_order(
        &lines,
        &[
            "+ RECEIVER_CLIENT_ID=$(az identity show --resource-group kedatui-rg --name kedatui-receiver-identity --query clientId --output tsv)",
            "+ kubectl create namespace keda-demo --dry-run=client --output yaml | kubectl apply -f -",
            "  - ../overlays/workload-identity",
            "        path: /spec/template/spec/containers/0/env/0/value",
            "        value: ana-sb.servicebus.windows.net",
            "        path: /metadata/annotations/azure.workload.identity~1client-id",
            "        value: ${RECEIVER_CLIENT_ID}",
            "        path: /spec/triggers/0/metadata/namespace",
            "        value: ana-sb",
        ],
    );
}

/// The keyless variant end to end: providers, quota, identities for KEDA, the receiver and the
/// speaker, federated credentials, role assignments, no SAS rule; then deploy without a Secret.
#[test]
fn the_keyless_variant_end_to_end() {
    let lines = dry_run(
        "azure-up.sh",
        &[
            ("VARIANT", "workload-identity"),
            ("SUBSCRIPTION", "demo-sub"),
        ],
    );
    assert!(
        !lines.iter().any(|l| l.contains("authorization-rule")),
        "no SAS rule"
    );
    assert_in_order(
        &lines,
        &[
            "+ az account set --subscription demo-sub",
            "+ az provider register --namespace Microsoft.ServiceBus --wait",
            "+ az provider register --namespace Microsoft.ContainerService --wait",
            "+ az provider register --namespace Microsoft.ManagedIdentity --wait",
            "+ VCPU_USAGE=$(az vm list-usage --location westeurope --query '[?name.value=='\\''cores'\\''] | [0].[currentValue, limit]' --output tsv)",
            "+ az group create --name kedatui-rg --location westeurope --output none",
            "+ az aks create --resource-group kedatui-rg --name kedatui-aks --location westeurope --node-count 2 --node-vm-size Standard_D2s_v5 --attach-acr kedatuiacr --generate-ssh-keys --output none --enable-oidc-issuer --enable-workload-identity",
            "+ az identity federated-credential create --resource-group kedatui-rg --identity-name kedatui-keda-identity --name keda-operator --issuer \"${OIDC_ISSUER}\" --subject system:serviceaccount:keda:keda-operator --audiences api://AzureADTokenExchange --output none",
            "+ az identity create --resource-group kedatui-rg --name kedatui-receiver-identity --location westeurope --output none",
            "+ az identity federated-credential create --resource-group kedatui-rg --identity-name kedatui-receiver-identity --name kedasbreceiver --issuer \"${OIDC_ISSUER}\" --subject system:serviceaccount:keda-demo:kedasbreceiver --audiences api://AzureADTokenExchange --output none",
            "+ az role assignment create --assignee-object-id \"${RECEIVER_PRINCIPAL_ID}\" --assignee-principal-type ServicePrincipal --role 'Azure Service Bus Data Receiver' --scope \"${SERVICEBUS_ID}\" --output none",
            "+ SPEAKER_ID=$(az ad signed-in-user show --query id --output tsv)",
            "+ az role assignment create --assignee-object-id \"${SPEAKER_ID}\" --assignee-principal-type User --role 'Azure Service Bus Data Owner' --scope \"${SERVICEBUS_ID}\" --output none",
            "+ helm upgrade --install keda kedacore/keda --namespace keda --create-namespace --version 2.20.2 --wait --set podIdentity.azureWorkload.enabled=true --set \"podIdentity.azureWorkload.clientId=${KEDA_CLIENT_ID}\" --set \"podIdentity.azureWorkload.tenantId=${TENANT_ID}\"",
        ],
    );
    // Both scripts end with the exact console and doctor commands, keyless.
    for name in ["azure-up.sh", "deploy.sh"] {
        let out = script(name, &["--dry-run"], &[("VARIANT", "workload-identity")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<String> = stderr.lines().map(|l| l.trim().to_owned()).collect();
        assert_in_order(
            &lines,
            &[
                "kedatui doctor --fully-qualified-namespace kedatui-sb.servicebus.windows.net --queue kedaqueue --context kedatui-aks --namespace keda-demo",
                "kedatui --fully-qualified-namespace kedatui-sb.servicebus.windows.net --queue kedaqueue --context kedatui-aks --namespace keda-demo",
            ],
        );
        assert!(
            !stderr.contains("SERVICEBUS_CONNECTION_STRING"),
            "{name}: {stderr}"
        );
    }
}

/// The keyless ScaledJob: azure-up.sh makes the same identities, federation and roles as the
/// keyless Deployment variant; deploy.sh makes no Secret, removes the Deployment's scaler and
/// patches the ScaledJob's names.
#[test]
fn the_keyless_scaledjob_variant_end_to_end() {
    let variant = ("VARIANT", "scaledjob-workload-identity");
    let keyless = dry_run("azure-up.sh", &[("VARIANT", "workload-identity")]);
    let lines = dry_run("azure-up.sh", &[variant]);
    assert_eq!(lines, keyless, "azure-up.sh: the same Azure side");

    let root = repo().display().to_string();
    let lines = dry_run("deploy.sh", &[variant, ("SERVICEBUS_NAMESPACE", "ana-sb")]);
    assert!(!lines.iter().any(|l| l.contains("CONNECTION")
        || l.contains("authorization-rule")
        || l.contains("create secret")
        || l.contains("secretTargetRef")
        || l.contains("secretKeyRef")));
    assert_in_order(
        &lines,
        &[
            "+ RECEIVER_CLIENT_ID=$(az identity show --resource-group kedatui-rg --name kedatui-receiver-identity --query clientId --output tsv)",
            "+ kubectl create namespace keda-demo --dry-run=client --output yaml | kubectl apply -f -",
            "+ kubectl delete --namespace keda-demo --ignore-not-found scaledobject/kedasbreceiver-scaler deployment/kedasbreceiver",
            "  - ../overlays/scaledjob-workload-identity",
            "      kind: ScaledJob",
            "        path: /spec/jobTargetRef/template/spec/serviceAccountName",
            "        value: kedasbreceiver",
            "        path: /spec/jobTargetRef/template/spec/containers/0/env/0/value",
            "        value: ana-sb.servicebus.windows.net",
            "        path: /metadata/annotations/azure.workload.identity~1client-id",
            "        value: ${RECEIVER_CLIENT_ID}",
            "      kind: ScaledJob",
            "        path: /spec/triggers/0/metadata/namespace",
            "        value: ana-sb",
            &format!("+ kubectl apply -k {root}/yaml/.deploy"),
            "+ kubectl wait --namespace keda-demo --for=condition=Ready --timeout=180s scaledjob/kedasbreceiver-job",
        ],
    );
    let out = script("deploy.sh", &["--dry-run"], &[variant]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kedatui --fully-qualified-namespace kedatui-sb.servicebus.windows.net"),
        "{stderr}"
    );
    assert!(!stderr.contains("SERVICEBUS_CONNECTION_STRING"), "{stderr}");
}

#[test]
fn azure_up_states_the_cost_and_checks_subscription_providers_and_quota() {
    let out = script("azure-up.sh", &["--dry-run"], &[]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("Cost: roughly US$0.25/hour while it runs")
            && stderr.contains("scripts/teardown.sh stops it"),
        "{stderr}"
    );
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert!(
        !lines.iter().any(|l| l.contains("az account set")),
        "no SUBSCRIPTION: the current one"
    );
    assert_in_order(
        &lines,
        &[
            "+ az account show --query '{subscription:name, id:id, user:user.name}' --output table",
            "+ az provider register --namespace Microsoft.ServiceBus --wait",
            "+ az provider register --namespace Microsoft.ContainerRegistry --wait",
            "+ az provider register --namespace Microsoft.ContainerService --wait",
            "+ az group create --name kedatui-rg --location westeurope --output none",
        ],
    );
    let help = String::from_utf8(script("azure-up.sh", &["--help"], &[]).stdout).unwrap();
    assert!(
        help.contains("Cost: while it runs, roughly US$0.25 an hour"),
        "{help}"
    );
    assert!(help.contains("ATTACH_ACR=0"), "{help}");
}

/// Without Owner rights `--attach-acr` fails: ATTACH_ACR=0 leaves it out and deploy.sh pulls
/// with an image pull secret, made from stdin.
#[test]
fn without_owner_rights_an_image_pull_secret_replaces_attach_acr() {
    let lines = dry_run("azure-up.sh", &[("ATTACH_ACR", "0")]);
    assert_in_order(
        &lines,
        &[
            "+ az aks create --resource-group kedatui-rg --name kedatui-aks --location westeurope --node-count 2 --node-vm-size Standard_D2s_v5 --generate-ssh-keys --output none",
        ],
    );
    let lines = dry_run("deploy.sh", &[("ATTACH_ACR", "0")]);
    assert_in_order(
        &lines,
        &[
            "+ az acr update --name kedatuiacr --admin-enabled true --output none",
            "+ ACR_PASSWORD=$(az acr credential show --name kedatuiacr --query 'passwords[0].value' --output tsv)",
            "+ kubectl create secret generic acr-pull --namespace keda-demo --type=kubernetes.io/dockerconfigjson --from-file=.dockerconfigjson=/dev/stdin --dry-run=client --output yaml <<< \"<docker config for ${IMAGE_REGISTRY}, not shown>\" | kubectl apply -f -",
            "        path: /spec/template/spec/imagePullSecrets",
            "        value: [{name: acr-pull}]",
        ],
    );
    let lines = dry_run("deploy.sh", &[]);
    assert!(!lines.iter().any(|l| l.contains("acr-pull")));
    let out = script("azure-up.sh", &["--dry-run"], &[("ATTACH_ACR", "maybe")]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn teardown_deletes_the_group_or_only_the_namespace() {
    let lines = dry_run("teardown.sh", &[]);
    assert_in_order(
        &lines,
        &[
            "+ kubectl delete namespace keda-demo --ignore-not-found --wait=false",
            "+ az group exists --name kedatui-rg",
            "+ az group delete --name kedatui-rg --yes --no-wait",
            "+ kubectl config delete-context kedatui-aks",
        ],
    );
    // Without --yes and without a terminal to ask on, nothing is deleted (exit 2).
    let out = script("teardown.sh", &[], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("refusing to delete resource group kedatui-rg without --yes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let help = String::from_utf8(script("teardown.sh", &["--help"], &[]).stdout).unwrap();
    assert!(help.contains("--yes"), "{help}");
    let out = script("teardown.sh", &["--dry-run", "--cluster-only"], &[]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("+ kubectl delete namespace keda-demo"));
    assert!(!stdout.contains("az group delete"), "{stdout}");
}

#[test]
fn help_and_bad_input() {
    for name in [
        "azure-up.sh",
        "build-receiver.sh",
        "deploy.sh",
        "teardown.sh",
    ] {
        let out = script(name, &["--help"], &[]);
        assert!(out.status.success(), "{name} --help");
        let help = String::from_utf8(out.stdout).unwrap();
        assert!(
            help.starts_with(&format!("Usage: scripts/{name}")),
            "{help}"
        );
        for var in ["RESOURCE_GROUP=", "QUEUE_NAME=kedaqueue", "--dry-run"] {
            assert!(help.contains(var), "{name} --help lacks {var}");
        }

        let out = script(name, &["--dry-rub"], &[]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("unknown argument: --dry-rub"));

        let out = script(name, &["--dry-run"], &[("VARIANT", "blue-green")]);
        assert_eq!(out.status.code(), Some(2), "{name}");
    }
}

#[test]
fn no_secret_is_ever_printed() {
    for name in [
        "azure-up.sh",
        "build-receiver.sh",
        "deploy.sh",
        "teardown.sh",
    ] {
        for variant in [
            "deployment",
            "scaledjob",
            "workload-identity",
            "scaledjob-workload-identity",
        ] {
            let text = dry_run(name, &[("VARIANT", variant)]).join("\n");
            assert!(!text.contains("SharedAccessKey"), "{name} {variant}");
            assert!(!text.contains("Endpoint=sb://"), "{name} {variant}");
        }
    }
}

/// deploy.sh ends by printing how to give kedatui its two strings: the Send rule's for bursts,
/// the Manage rule's for counts and purge; as commands that fetch them, never the keys.
#[test]
fn deploy_prints_the_exports_for_the_send_and_manage_strings() {
    for variant in ["deployment", "scaledjob"] {
        let out = script(
            "deploy.sh",
            &["--dry-run"],
            &[("VARIANT", variant), ("SEND_RULE", "my-send")],
        );
        assert!(out.status.success(), "{variant}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let lines: Vec<String> = stderr.lines().map(|l| l.trim().to_owned()).collect();
        let keys = "az servicebus queue authorization-rule keys list --resource-group kedatui-rg --namespace-name kedatui-sb --queue-name kedaqueue";
        assert_in_order(
            &lines,
            &[
                &format!(
                    "export SERVICEBUS_CONNECTION_STRING=\"$({keys} --name my-send --query primaryConnectionString --output tsv)\""
                ),
                &format!(
                    "export SERVICEBUS_MANAGE_CONNECTION_STRING=\"$({keys} --name keda-manage --query primaryConnectionString --output tsv)\""
                ),
            ],
        );
        assert!(!stderr.contains("SharedAccessKey"), "{variant}: {stderr}");
        assert!(!stderr.contains("Endpoint=sb://"), "{variant}: {stderr}");
    }
}

/// SCALER=rabbitmq: the demo broker's Secret (a generated password), the Secret with the AMQP
/// URL for KEDA and the receiver, the rabbitmq overlay plus the broker in one apply, then the
/// broker's rollout, the queue declared on it, and KEDA's Ready. No az at all with IMAGE_REGISTRY.
#[test]
fn deploy_with_rabbitmq_makes_the_broker_its_secrets_and_the_queue() {
    let root = repo().display().to_string();
    let env = [("SCALER", "rabbitmq"), ("IMAGE_REGISTRY", "docker.io/ana")];
    let lines = dry_run("deploy.sh", &env);
    assert_in_order(
        &lines,
        &[
            "+ kubectl create namespace keda-demo --dry-run=client --output yaml | kubectl apply -f -",
            "+ kubectl get secret rabbitmq-broker --namespace keda-demo --ignore-not-found --output name",
            "+ RABBITMQ_PASSWORD=$(od -An -N16 -tx1 /dev/urandom)",
            "+ kubectl create secret generic rabbitmq-broker --namespace keda-demo --from-env-file=/dev/stdin --dry-run=client --output yaml <<< \"username=<value not shown> password=<value not shown>\" | kubectl apply -f -",
            "+ kubectl create secret generic rabbitmq-connection --namespace keda-demo --from-env-file=/dev/stdin --dry-run=client --output yaml <<< \"host=<value not shown>\" | kubectl apply -f -",
            "+ kubectl delete --namespace keda-demo --ignore-not-found scaledjob/kedasbreceiver-job",
            &format!("+ cat > {root}/yaml/.deploy/kustomization.yaml <<'EOF'"),
            "namespace: keda-demo",
            "  - ../overlays/rabbitmq",
            "  - ../rabbitmq",
            "    newName: docker.io/ana/kedasbreceiver",
            "        path: /spec/triggers/0/metadata/queueName",
            "        value: kedaqueue",
            "        path: /spec/template/spec/containers/0/env/1/value",
            "        value: kedaqueue",
            "EOF",
            &format!("+ kubectl apply -k {root}/yaml/.deploy"),
            "+ kubectl rollout status --namespace keda-demo statefulset/rabbitmq --timeout=180s",
            "+ kubectl exec --namespace keda-demo rabbitmq-0 -- sh -c 'rabbitmqadmin --username=\"$RABBITMQ_DEFAULT_USER\" --password=\"$RABBITMQ_DEFAULT_PASS\" declare queue name=\"$1\" durable=true' sh kedaqueue",
            "+ kubectl wait --namespace keda-demo --for=condition=Ready --timeout=180s scaledobject/kedasbreceiver-scaler",
        ],
    );
    // Nothing of Service Bus or Azure: no key read, no Service Bus Secret, no TriggerAuthentication
    // patch to its Secret name, no az.
    for l in &lines {
        assert!(
            !(l.contains("az ")
                || l.contains("servicebus")
                || l.contains("CONNECTION")
                || l.contains("secretTargetRef")),
            "{l}"
        );
    }
    // The broker's Secret is kept when it exists: its user and password are read back instead.
    let lines = dry_run(
        "deploy.sh",
        &[env[0], env[1], ("DRY_RUN_ASSUME_EXISTS", "1")],
    );
    assert_in_order(
        &lines,
        &[
            "+ RABBITMQ_USER=$(kubectl get secret rabbitmq-broker --namespace keda-demo --output 'go-template={{.data.username | base64decode}}')",
            "+ RABBITMQ_PASSWORD=$(kubectl get secret rabbitmq-broker --namespace keda-demo --output 'go-template={{.data.password | base64decode}}')",
            "+ kubectl create secret generic rabbitmq-broker --namespace keda-demo --from-env-file=/dev/stdin --dry-run=client --output yaml <<< \"username=<value not shown> password=<value not shown>\" | kubectl apply -f -",
        ],
    );
    assert!(!lines.iter().any(|l| l.contains("/dev/urandom")));
    // Without IMAGE_REGISTRY the registry is still looked up in ACR.
    let lines = dry_run("deploy.sh", &[env[0]]);
    assert_in_order(
        &lines,
        &["+ IMAGE_REGISTRY=$(az acr show --name kedatuiacr --query loginServer --output tsv)"],
    );
}

/// With RABBITMQ_URL (a broker you run) no demo broker is made or applied, and the URL, password
/// and all, never shows: not in the commands, the steps, the hints or --help.
#[test]
fn deploy_with_an_external_rabbitmq_url_never_prints_it() {
    let secret = "pa55-not-to-be-seen";
    let url = format!("amqp://demo:{secret}@broker.example.net:5672/%2F");
    let env = [
        ("SCALER", "rabbitmq"),
        ("IMAGE_REGISTRY", "docker.io/ana"),
        ("RABBITMQ_URL", url.as_str()),
        ("K8S_NAMESPACE", "ana-demo"),
        ("QUEUE_NAME", "orders"),
    ];
    let out = script("deploy.sh", &["--dry-run"], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    assert_in_order(
        &lines,
        &[
            "+ kubectl create secret generic rabbitmq-connection --namespace ana-demo --from-env-file=/dev/stdin --dry-run=client --output yaml <<< \"host=<value not shown>\" | kubectl apply -f -",
            "namespace: ana-demo",
            "  - ../overlays/rabbitmq",
            "        value: orders",
            "+ kubectl wait --namespace ana-demo --for=condition=Ready --timeout=180s scaledobject/kedasbreceiver-scaler",
        ],
    );
    for l in &lines {
        assert!(
            !(l.contains("rabbitmq-broker")
                || l == "  - ../rabbitmq"
                || l.contains("rabbitmqadmin")
                || l.contains("rollout status")),
            "no demo broker with RABBITMQ_URL: {l}"
        );
    }
    let help = String::from_utf8(script("deploy.sh", &["--help"], &env).stdout).unwrap();
    assert!(help.contains("RABBITMQ_URL=<set, not shown>"), "{help}");
    for text in [&stdout, &stderr, &help] {
        assert!(!text.contains(secret), "{text}");
        assert!(!text.contains("broker.example.net"), "{text}");
    }
}

#[test]
fn deploy_refuses_an_unknown_scaler_and_rabbitmq_with_a_scaledjob() {
    for env in [
        &[("SCALER", "kafka")][..],
        &[("SCALER", "rabbitmq"), ("VARIANT", "scaledjob")][..],
        &[("SCALER", "rabbitmq"), ("VARIANT", "workload-identity")][..],
    ] {
        let out = script("deploy.sh", &["--dry-run"], env);
        assert_eq!(out.status.code(), Some(2), "{env:?}");
        assert!(String::from_utf8(out.stdout).unwrap().is_empty(), "{env:?}");
    }
    // Without --dry-run, SCALER=rabbitmq with an image registry needs kubectl alone.
    let out = script(
        "deploy.sh",
        &[],
        &[("SCALER", "rabbitmq"), ("IMAGE_REGISTRY", "docker.io/ana")],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("'kubectl' is not installed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn build_receiver_image_builds_the_static_binary_then_the_image_from_it_alone() {
    let root = repo().display().to_string();
    let lines = dry_run("build-receiver-image.sh", &[("IMAGE_TAG", "v3")]);
    assert_in_order(
        &lines,
        &[
            &format!(
                "+ cargo build --manifest-path {root}/Cargo.toml --release --locked -p receiver --target x86_64-unknown-linux-musl"
            ),
            &format!("+ mkdir -p {root}/target/receiver-image"),
            &format!(
                "+ cp {root}/target/x86_64-unknown-linux-musl/release/receiver {root}/target/receiver-image/receiver"
            ),
            &format!(
                "+ podman build --file {root}/receiver/Dockerfile.prebuilt --tag localhost/kedasbreceiver:v3 {root}/target/receiver-image"
            ),
        ],
    );
    let lines = dry_run("build-receiver-image.sh", &[("IMAGE_BUILDER", "buildah")]);
    assert!(
        lines.iter().any(|l| l.starts_with("+ buildah bud --file")),
        "{lines:?}"
    );
    let out = script("build-receiver-image.sh", &["--help"], &[]);
    assert!(out.status.success());
    let out = script(
        "build-receiver-image.sh",
        &["--dry-run"],
        &[("IMAGE_BUILDER", "kaniko")],
    );
    assert_eq!(out.status.code(), Some(2));
    // Without --dry-run it stops at once: cargo is not on the empty PATH.
    let out = script("build-receiver-image.sh", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not installed or not on PATH"));
}

/// With git on PATH, IMAGE_TAG defaults to the commit (and a hash of uncommitted changes), the
/// same in build-receiver.sh and deploy.sh, so a change gets a new tag that deploy rolls out.
#[test]
fn the_image_tag_names_the_source_and_both_scripts_agree() {
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(repo())
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let head = git(&["rev-parse", "--short=12", "HEAD"]).trim().to_owned();
    let dirty = !git(&["status", "--porcelain", "--untracked-files=normal"])
        .trim()
        .is_empty();
    // A PATH with only what the tag needs: git and xargs.
    let bin = tempfile::tempdir().unwrap();
    for tool in ["git", "xargs"] {
        let found = ["/usr/bin", "/bin", "/usr/local/bin"]
            .iter()
            .map(|d| Path::new(d).join(tool))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{tool} is needed"));
        std::os::unix::fs::symlink(found, bin.path().join(tool)).unwrap();
    }
    let tag_in = |name: &str, prefix: &str| -> String {
        let out = Command::new(bash())
            .arg(repo().join("scripts").join(name))
            .arg("--dry-run")
            .env_clear()
            .env("PATH", bin.path())
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(out.status.success(), "{name}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        let at = stdout
            .find(prefix)
            .unwrap_or_else(|| panic!("{prefix} in {stdout}"));
        stdout[at + prefix.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .to_owned()
    };
    let built = tag_in("build-receiver.sh", "--image kedasbreceiver:");
    let deployed = tag_in("deploy.sh", "newTag: ");
    assert_eq!(built, deployed);
    assert!(built.starts_with(&head), "{built} names {head}");
    assert_eq!(built.contains("-dirty-"), dirty, "{built}");
}
