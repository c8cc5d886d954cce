// Package pb holds the kubefuncs wire format (proto/src/main/proto/kubefuncs/kubefuncs.proto at the
// repository root) compiled to Go. The client package re-exports these types under the same names
// (client.Event, client.HTTPRequest, ...); import this package only to name them directly.
//
// kubefuncs.pb.go is generated and committed. Regenerate it after changing the .proto with
//
//	go generate ./pb
//
// which runs protoc (the Maven build's, or $PROTOC) with the protoc-gen-go version
// pinned in go.mod. A test fails when the committed file is not what the generator produces.
package pb

//go:generate go run ../internal/cmd/genproto
