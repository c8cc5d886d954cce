// Command image writes a container image as a docker-archive tar, without a Docker engine or a
// registry, for `ctr -n k8s.io images import` on a node that cannot pull:
//
//	image --out F.tar --tag NAME:TAG [--tag NAME:TAG ...] --layer DIR [--layer DIR ...]
//	      [--chown /PATH=UID:GID ...] [--entrypoint '["/x","y"]'] [--cmd '["a"]']
//	      [--user 65532:65532] [--env K=V ...] [--workdir /app] [--expose 8080/tcp ...]
//
// Each --layer is a root file system folder packed as one layer, lowest first; files keep their
// modes and belong to root unless a --chown names them or a folder above them. Equal inputs give
// an equal image digest.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	pathpkg "path"
	"strconv"
	"strings"
)

// list is a flag that may be given several times.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	s, out, err := parse(os.Args[1:])
	if err == nil {
		err = write(s, out)
	}
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func parse(args []string) (spec, string, error) {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	var tags, layers, chowns, env, expose list
	out := fs.String("out", "", "the tar to write")
	entrypoint := fs.String("entrypoint", "", "ENTRYPOINT as a JSON list")
	cmd := fs.String("cmd", "", "CMD as a JSON list")
	user := fs.String("user", "", "USER, uid[:gid]")
	workdir := fs.String("workdir", "", "WORKDIR")
	fs.Var(&tags, "tag", "a name:tag to save the image under (repeatable)")
	fs.Var(&layers, "layer", "a root file system folder, one layer (repeatable, lowest first)")
	fs.Var(&chowns, "chown", "/path=uid:gid, owner of the path and everything under it (repeatable)")
	fs.Var(&env, "env", "K=V (repeatable)")
	fs.Var(&expose, "expose", "a port, 8080/tcp (repeatable)")
	if err := fs.Parse(args); err != nil {
		return spec{}, "", err
	}
	if *out == "" || len(tags) == 0 || len(layers) == 0 || fs.NArg() > 0 {
		return spec{}, "", fmt.Errorf("usage: image --out F.tar --tag NAME:TAG --layer DIR [options]; see -h")
	}

	s := spec{tags: tags, layers: layers, chown: map[string]owner{}}
	for _, c := range chowns {
		path, ids, _ := strings.Cut(c, "=")
		o, err := parseOwner(ids)
		if err != nil || !strings.HasPrefix(path, "/") {
			return spec{}, "", fmt.Errorf("--chown %q: want /path=uid:gid", c)
		}
		s.chown[pathpkg.Clean(path)] = o
	}
	for _, j := range []struct {
		flag, value string
		into        *[]string
	}{{"entrypoint", *entrypoint, &s.config.Entrypoint}, {"cmd", *cmd, &s.config.Cmd}} {
		if j.value != "" && json.Unmarshal([]byte(j.value), j.into) != nil {
			return spec{}, "", fmt.Errorf("--%s %q: want a JSON list of strings", j.flag, j.value)
		}
	}
	s.config.User, s.config.WorkingDir, s.config.Env = *user, *workdir, env
	if len(expose) > 0 {
		s.config.ExposedPorts = map[string]struct{}{}
		for _, p := range expose {
			s.config.ExposedPorts[p] = struct{}{}
		}
	}
	return s, *out, nil
}

func parseOwner(ids string) (owner, error) {
	u, g, ok := strings.Cut(ids, ":")
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if !ok || err1 != nil || err2 != nil {
		return owner{}, fmt.Errorf("%q is not uid:gid", ids)
	}
	return owner{uid, gid}, nil
}
