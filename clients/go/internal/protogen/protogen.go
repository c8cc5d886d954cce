// Package protogen regenerates the Go code of the kubefuncs wire format: protoc as the Maven build
// has it (the version it uses, pom.xml's protobuf.version) and protoc-gen-go at the version go.mod
// pins. Used by `go generate ./pb` and by the test that checks the committed code is current.
package protogen

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// ModulePath is the Go module of the client; go_package in the .proto must lie inside it.
const ModulePath = "github.com/kubefuncs/kubefuncs/clients/go"

// ProtoFile is the wire format, relative to ProtoRoot.
const ProtoFile = "kubefuncs/kubefuncs.proto"

// ProtoRoot is the proto source root, relative to the repository root.
const ProtoRoot = "proto/src/main/proto"

// GeneratedFile is the committed output, relative to the module directory.
const GeneratedFile = "pb/kubefuncs.pb.go"

// ErrUnavailable means protoc or the well-known .proto files could not be found on this machine.
var ErrUnavailable = errors.New("protoc is not available")

// RepoRoot walks up from dir to the repository root (the directory holding ProtoRoot/ProtoFile).
func RepoRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, ProtoRoot, ProtoFile)); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no %s above %s: run this inside the kubefuncs repository", filepath.Join(ProtoRoot, ProtoFile), abs)
		}
	}
}

// Generate writes GeneratedFile under outDir (outDir/pb/kubefuncs.pb.go). Errors wrap
// ErrUnavailable when protoc cannot be found.
func Generate(ctx context.Context, repoRoot, outDir string) error {
	work, err := os.MkdirTemp("", "kubefuncs-protogen-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	protoc, include, err := findProtoc(repoRoot, work)
	if err != nil {
		return err
	}
	moduleDir := filepath.Join(repoRoot, "clients", "go")
	plugin := filepath.Join(work, "protoc-gen-go")
	if runtime.GOOS == "windows" {
		plugin += ".exe"
	}
	build := exec.CommandContext(ctx, "go", "build", "-o", plugin, "google.golang.org/protobuf/cmd/protoc-gen-go")
	build.Dir = moduleDir
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building protoc-gen-go: %v\n%s", err, out)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, protoc,
		"--plugin=protoc-gen-go="+plugin,
		"-I", filepath.Join(repoRoot, ProtoRoot),
		"-I", include,
		"--go_out="+outDir,
		"--go_opt=module="+ModulePath,
		ProtoFile)
	cmd.Dir = repoRoot
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("protoc: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(outDir, GeneratedFile)); err != nil {
		return fmt.Errorf("protoc wrote no %s: does go_package in %s still point into %s/pb?", GeneratedFile, ProtoFile, ModulePath)
	}
	return nil
}

// findProtoc returns an executable protoc and a directory holding google/protobuf/*.proto.
// $PROTOC and $PROTOC_INCLUDE override. Otherwise both are taken from what the Maven build of
// proto/ left in proto/target, wherever its local repository is (~/.m2 by the JVM's user.home,
// which need not be $HOME, or a settings.xml's localRepository); failing that, from the local
// Maven repository ($KUBEFUNCS_M2_REPOSITORY, default ~/.m2/repository).
func findProtoc(repoRoot, work string) (protoc, include string, err error) {
	version, err := protobufVersion(repoRoot)
	if err != nil {
		return "", "", err
	}
	protoc = os.Getenv("PROTOC")
	include = os.Getenv("PROTOC_INCLUDE")
	if protoc != "" && include != "" {
		return protoc, include, nil
	}
	classifier, err := mavenClassifier()
	if err != nil && protoc == "" {
		return "", "", err
	}
	builtProtoc, builtInclude := fromMavenBuild(repoRoot, version, classifier)

	if protoc == "" {
		exe := builtProtoc
		if exe == "" {
			m2, err := localRepository()
			if err != nil {
				return "", "", err
			}
			exe = filepath.Join(m2, "com", "google", "protobuf", "protoc", version, fmt.Sprintf("protoc-%s-%s.exe", version, classifier))
			if _, serr := os.Stat(exe); serr != nil {
				return "", "", fmt.Errorf("%w: neither proto/target nor %s has protoc %s (the Maven build downloads it: ./mvnw -pl proto compile), or set PROTOC", ErrUnavailable, m2, version)
			}
		}
		// The Maven repository's copy is not executable; run a copy.
		protoc = filepath.Join(work, "protoc")
		if runtime.GOOS == "windows" {
			protoc += ".exe"
		}
		if err := copyFile(exe, protoc, 0o755); err != nil {
			return "", "", err
		}
	}

	if include == "" {
		include = builtInclude
	}
	if include == "" {
		m2, err := localRepository()
		if err != nil {
			return "", "", err
		}
		jar := filepath.Join(m2, "com", "google", "protobuf", "protobuf-java", version, fmt.Sprintf("protobuf-java-%s.jar", version))
		include = filepath.Join(work, "include")
		if err := extractProtos(jar, include); err != nil {
			return "", "", fmt.Errorf("%w: cannot take google/protobuf/*.proto from %s (%v), or set PROTOC_INCLUDE", ErrUnavailable, jar, err)
		}
	}
	return protoc, include, nil
}

// fromMavenBuild returns the protoc of this version and the well-known .proto files that the
// protobuf Maven plugin put in proto/target, or "" for what is not there. The .proto files are in a
// folder named by a hash of the jar they came from: with more than one such folder (a build with
// another version before), which is this version's is unknown, so none is taken.
func fromMavenBuild(repoRoot, version, classifier string) (protoc, include string) {
	target := filepath.Join(repoRoot, "proto", "target")
	exe := filepath.Join(target, "protoc-plugins", fmt.Sprintf("protoc-%s-%s.exe", version, classifier))
	if _, err := os.Stat(exe); err == nil && classifier != "" {
		protoc = exe
	}
	anys, _ := filepath.Glob(filepath.Join(target, "protoc-dependencies", "*", "google", "protobuf", "any.proto"))
	if len(anys) == 1 {
		include = filepath.Dir(filepath.Dir(filepath.Dir(anys[0])))
	}
	return protoc, include
}

func localRepository() (string, error) {
	if m2 := os.Getenv("KUBEFUNCS_M2_REPOSITORY"); m2 != "" {
		return m2, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("%w: no home directory to find ~/.m2 in (%v)", ErrUnavailable, err)
	}
	return filepath.Join(home, ".m2", "repository"), nil
}

var versionProperty = regexp.MustCompile(`<protobuf\.version>\s*([^<\s]+)\s*</protobuf\.version>`)

// protobufVersion reads the protobuf version the Maven build uses, so Go and Java use one protoc.
func protobufVersion(repoRoot string) (string, error) {
	pom, err := os.ReadFile(filepath.Join(repoRoot, "pom.xml"))
	if err != nil {
		return "", err
	}
	m := versionProperty.FindSubmatch(pom)
	if m == nil {
		return "", errors.New("pom.xml has no <protobuf.version> property")
	}
	return string(m[1]), nil
}

func mavenClassifier() (string, error) {
	osName := map[string]string{"linux": "linux", "darwin": "osx", "windows": "windows"}[runtime.GOOS]
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch_64", "ppc64le": "ppcle_64", "s390x": "s390_64"}[runtime.GOARCH]
	if osName == "" || arch == "" {
		return "", fmt.Errorf("%w: no protoc build on Maven Central for %s/%s; set PROTOC", ErrUnavailable, runtime.GOOS, runtime.GOARCH)
	}
	return osName + "-" + arch, nil
}

func extractProtos(jar, dir string) error {
	r, err := zip.OpenReader(jar)
	if err != nil {
		return err
	}
	defer r.Close()
	found := false
	for _, f := range r.File {
		if !strings.HasPrefix(f.Name, "google/protobuf/") || !strings.HasSuffix(f.Name, ".proto") || strings.Contains(f.Name, "..") {
			continue
		}
		found = true
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		src, err := f.Open()
		if err != nil {
			return err
		}
		err = writeFile(dst, src, 0o644)
		src.Close()
		if err != nil {
			return err
		}
	}
	if !found {
		return errors.New("no google/protobuf/*.proto inside")
	}
	return nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return writeFile(dst, in, mode)
}

func writeFile(dst string, src io.Reader, mode os.FileMode) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
