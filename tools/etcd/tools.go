//go:build tools

// Package tools pins the etcd v3.6.16 server that scripts/kube runs for the throwaway cluster. Its
// go.mod replaces the etcd modules it needs with local paths, which `go install pkg@version`
// refuses; this wrapper module replaces them with the same published version.
package tools

import _ "go.etcd.io/etcd/server/v3"
