package protogen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A repository root with pom.xml's protobuf version, and what the protobuf Maven plugin leaves in
// proto/target after a build: protoc, and the well-known .proto files in folders named by hashes.
func fakeRepo(t *testing.T, hashes ...string) (root, exe string) {
	t.Helper()
	root = t.TempDir()
	write(t, filepath.Join(root, "pom.xml"), "<properties><protobuf.version>1.2.3</protobuf.version></properties>")
	classifier, err := mavenClassifier()
	if err != nil {
		t.Skip(err)
	}
	exe = filepath.Join(root, "proto", "target", "protoc-plugins", "protoc-1.2.3-"+classifier+".exe")
	write(t, exe, "#!/bin/sh\n")
	for _, h := range hashes {
		write(t, filepath.Join(root, "proto", "target", "protoc-dependencies", h, "google", "protobuf", "any.proto"), "syntax = \"proto3\";\n")
	}
	return root, exe
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Nothing in the environment and an empty home: as when Maven's local repository is not $HOME's
// (the JVM takes user.home from the password database), protoc comes from the build's own copy.
func noOverrides(t *testing.T) {
	t.Setenv("PROTOC", "")
	t.Setenv("PROTOC_INCLUDE", "")
	t.Setenv("KUBEFUNCS_M2_REPOSITORY", "")
	t.Setenv("HOME", t.TempDir())
}

func TestFindProtocTakesTheMavenBuildsCopiesWhateverTheHome(t *testing.T) {
	noOverrides(t)
	root, exe := fakeRepo(t, "15f9774759a05c3eba25035a8ef97ef0")
	work := t.TempDir()
	protoc, include, err := findProtoc(root, work)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(protoc); err != nil || string(got) != "#!/bin/sh\n" {
		t.Fatalf("protoc %s is not a copy of %s: %q, %v", protoc, exe, got, err)
	}
	if info, err := os.Stat(protoc); err != nil || info.Mode()&0o100 == 0 {
		t.Fatalf("protoc %s is not executable: %v, %v", protoc, info, err)
	}
	want := filepath.Join(root, "proto", "target", "protoc-dependencies", "15f9774759a05c3eba25035a8ef97ef0")
	if include != want {
		t.Fatalf("include %s, want %s", include, want)
	}
}

func TestFindProtocFallsBackToTheLocalRepositoryAndSaysWhereItLooked(t *testing.T) {
	noOverrides(t)
	// Two builds' .proto folders: which is this version's is unknown.
	root, exe := fakeRepo(t, "aaaa", "bbbb")
	m2 := t.TempDir()
	t.Setenv("KUBEFUNCS_M2_REPOSITORY", m2)
	if _, _, err := findProtoc(root, t.TempDir()); err == nil {
		t.Fatal("found the .proto files with two candidate folders and an empty local repository")
	}

	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	_, _, err := findProtoc(root, t.TempDir())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("want ErrUnavailable, got %v", err)
	}
	for _, where := range []string{"proto/target", m2, "1.2.3"} {
		if !strings.Contains(err.Error(), where) {
			t.Fatalf("%q does not say %q", err, where)
		}
	}
}
