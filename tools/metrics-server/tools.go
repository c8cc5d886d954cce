//go:build tools

// Package tools pins the metrics-server that scripts/kube builds for the throwaway cluster, where
// the function chart's HPA (autoscaling.mode hpa) reads pods' CPU from it. v0.8.0 is the version
// approved for the project (v0.9.x is on the proxy but not approved). Its go.mod has no replace
// directives; the wrapper module keeps the build pinned by go.sum like the cluster's other parts.
package tools

import _ "sigs.k8s.io/metrics-server/cmd/metrics-server"
