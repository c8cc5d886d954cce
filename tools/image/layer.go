package main

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"strings"
	"time"
)

// epoch is every file's modification time, so that packing the same folder twice gives the
// same bytes and therefore the same layer digest.
var epoch = time.Unix(0, 0).UTC()

// owner is who owns the files under a path in the image (uid:gid).
type owner struct{ uid, gid int }

// writeLayer packs the folder root into a gzipped tar at out. Entries come in lexical order
// with fixed times and owner root (or the owner chown gives for the path or its nearest parent),
// keeping only what the image needs: names, modes, contents, symbolic links. Hard links become
// separate copies and device files are refused: a root file system folder has neither.
func writeLayer(root, out string, chown map[string]owner) error {
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	defer f.Close()
	// Go's gzip writes no name and no time in its header, so its output is reproducible too.
	zw := gzip.NewWriter(f)
	tw := tar.NewWriter(zw)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		return addEntry(tw, path, rel, ownerOf("/"+rel, chown))
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Close()
}

func addEntry(tw *tar.Writer, path, rel string, o owner) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	} else if !info.Mode().IsRegular() && !info.IsDir() {
		return fmt.Errorf("%s: only files, folders and symbolic links go into a layer", path)
	}
	h, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	// Nothing of the build machine: no user names, no times, no extended attributes.
	h.Name = rel
	if info.IsDir() {
		h.Name += "/"
	}
	h.Uid, h.Gid, h.Uname, h.Gname = o.uid, o.gid, "", ""
	h.ModTime, h.AccessTime, h.ChangeTime = epoch, time.Time{}, time.Time{}
	h.Format = tar.FormatPAX
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(tw, src)
	return err
}

// ownerOf finds the owner of an absolute image path: the chown entry for the path itself or
// for its nearest parent folder, else root.
func ownerOf(path string, chown map[string]owner) owner {
	for p := path; ; p = pathpkg.Dir(p) {
		if o, ok := chown[p]; ok {
			return o
		}
		if p == "/" {
			return owner{}
		}
	}
}
