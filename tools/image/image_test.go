package main

import (
	"archive/tar"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Writes an image from a small root file system, reads it back with the library and checks
// what `ctr images import` and the kubelet rely on: tags, platform, run settings, layer content.
func TestWriteReadsBack(t *testing.T) {
	root := t.TempDir()
	must(t, os.MkdirAll(filepath.Join(root, "app/lib"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "app/run"), []byte("#!/bin/true\n"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "app/lib/a.jar"), []byte("jar"), 0o644))
	must(t, os.Mkdir(filepath.Join(root, "tmp"), 0o755))
	must(t, os.Chmod(filepath.Join(root, "tmp"), os.ModeSticky|0o777))
	must(t, os.Symlink("run", filepath.Join(root, "app/start")))

	out := filepath.Join(t.TempDir(), "img.tar")
	s, _, err := parse([]string{"--out", out, "--tag", "example.com/x/y:1.0", "--tag", "x/y:1.0-e2e",
		"--layer", root, "--chown", "/app/lib=65532:65532", "--entrypoint", `["/app/run","-v"]`, "--cmd", `["a"]`,
		"--user", "65532:65532", "--env", "K=V", "--workdir", "/app", "--expose", "8080/tcp"})
	must(t, err)
	must(t, write(s, out))

	m, err := tarball.LoadManifest(func() (io.ReadCloser, error) { return os.Open(out) })
	must(t, err)
	if len(m) != 1 || !slices.Equal(sorted(m[0].RepoTags), []string{"example.com/x/y:1.0", "x/y:1.0-e2e"}) {
		t.Fatalf("manifest.json: %+v", m)
	}
	tag, _ := name.NewTag("x/y:1.0-e2e")
	img, err := tarball.ImageFromPath(out, &tag)
	must(t, err)
	cf, err := img.ConfigFile()
	must(t, err)
	c := cf.Config
	if cf.OS != "linux" || cf.Architecture == "" || !slices.Equal(c.Entrypoint, []string{"/app/run", "-v"}) ||
		!slices.Equal(c.Cmd, []string{"a"}) || c.User != "65532:65532" || !slices.Equal(c.Env, []string{"K=V"}) ||
		c.WorkingDir != "/app" || len(c.ExposedPorts) != 1 {
		t.Fatalf("config: %+v", cf)
	}

	layers, err := img.Layers()
	must(t, err)
	rc, err := layers[0].Uncompressed()
	must(t, err)
	defer rc.Close()
	got := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		got[h.Name] = h
	}
	want := map[string]struct {
		mode     int64
		uid      int
		typeflag byte
	}{
		"app/":          {0o755, 0, tar.TypeDir},
		"app/lib/":      {0o755, 65532, tar.TypeDir},
		"app/lib/a.jar": {0o644, 65532, tar.TypeReg},
		"app/run":       {0o755, 0, tar.TypeReg},
		"app/start":     {0o777, 0, tar.TypeSymlink},
		"tmp/":          {0o1777, 0, tar.TypeDir},
	}
	for n, w := range want {
		h := got[n]
		if h == nil || h.Mode != w.mode || h.Uid != w.uid || h.Typeflag != w.typeflag || !h.ModTime.Equal(epoch) {
			t.Errorf("%s: got %+v, want %+v", n, h, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("entries: got %d, want %d", len(got), len(want))
	}

	// The same inputs again: the same image digest.
	again := filepath.Join(t.TempDir(), "img.tar")
	must(t, write(s, again))
	img2, err := tarball.ImageFromPath(again, &tag)
	must(t, err)
	d1, _ := img.Digest()
	d2, _ := img2.Digest()
	if d1 != d2 {
		t.Fatalf("digests differ: %s and %s", d1, d2)
	}
}

func sorted(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestTagWithoutTagIsRefused(t *testing.T) {
	s := spec{tags: []string{"example.com/x/y"}, layers: []string{t.TempDir()}}
	if err := write(s, filepath.Join(t.TempDir(), "img.tar")); err == nil {
		t.Fatal("wrote an image tagged example.com/x/y, which the library would make :latest")
	}
}
