//! A loopback Kubernetes API server the real kube client reaches through a kubeconfig.
