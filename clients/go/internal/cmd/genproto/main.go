// Command genproto regenerates pb/kubefuncs.pb.go from the repository's .proto (go generate ./pb).
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubefuncs/kubefuncs/clients/go/internal/protogen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "genproto:", err)
		os.Exit(1)
	}
}

func run() error {
	root, err := protogen.RepoRoot(".")
	if err != nil {
		return err
	}
	out, err := os.MkdirTemp("", "kubefuncs-genproto-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(out)
	if err := protogen.Generate(context.Background(), root, out); err != nil {
		return err
	}
	code, err := os.ReadFile(filepath.Join(out, protogen.GeneratedFile))
	if err != nil {
		return err
	}
	dst := filepath.Join(root, "clients", "go", protogen.GeneratedFile)
	if err := os.WriteFile(dst, code, 0o644); err != nil {
		return err
	}
	fmt.Println("genproto: wrote", dst)
	return nil
}
