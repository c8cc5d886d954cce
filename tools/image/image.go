package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// spec is one image: its layers (root file system folders, lowest first), how it runs and the
// names it is saved under.
type spec struct {
	tags   []string
	layers []string
	chown  map[string]owner
	config v1.Config
}

// write saves the image as a docker-archive tar (what `docker save` writes and `ctr images
// import` reads) at out, under every tag. Equal inputs give an equal image digest: layers are
// reproducible and the creation time is fixed.
func write(s spec, out string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	img := empty.Image
	for i, dir := range s.layers {
		gz := filepath.Join(tmp, fmt.Sprintf("layer%d.tar.gz", i))
		if err := writeLayer(dir, gz, s.chown); err != nil {
			return err
		}
		// Already compressed: the library reads the gzip as it is instead of compressing again.
		layer, err := tarball.LayerFromFile(gz)
		if err != nil {
			return err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return err
		}
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cf = cf.DeepCopy()
	// containerd imports only images of its own platform, which it reads from the config.
	cf.OS, cf.Architecture = "linux", runtime.GOARCH
	cf.Created = v1.Time{Time: epoch}
	cf.Config = s.config
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return err
	}

	refs := map[name.Reference]v1.Image{}
	for _, t := range s.tags {
		// Saved as written (nsqio/nsq:v1.3.0, which containerd reads as docker.io/nsqio/nsq), but
		// never without a tag: the library would make it :latest, which no chart asks for.
		tag, err := name.NewTag(t)
		if err != nil {
			return err
		}
		if !strings.HasSuffix(t, ":"+tag.TagStr()) {
			return fmt.Errorf("--tag %q: want name:tag", t)
		}
		refs[tag] = img
	}
	// Written beside out and renamed, so that a failed run never leaves half a tar behind.
	part := filepath.Join(tmp, "image.tar")
	if err := tarball.MultiRefWriteToFile(part, refs); err != nil {
		return err
	}
	return os.Rename(part, out)
}
