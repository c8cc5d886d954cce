//go:build tools

// Package tools pins the Kubernetes v1.37.2 programs that scripts/kube builds for the throwaway
// cluster. k8s.io/kubernetes replaces its staging modules with local paths, which `go install
// pkg@version` refuses; this wrapper module replaces them with their published versions instead.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
