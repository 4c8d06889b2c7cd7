package main

// Reading scenario manifests (ours). Objects are kept unstructured: the API server decodes, defaults and validates
// them, exactly as `kubectl apply --validate=strict` would have it.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

type scenario struct {
	name    string
	files   []string
	objects []*unstructured.Unstructured
	source  map[*unstructured.Unstructured]string // object -> file it came from
}

// kinds we accept, in the order they are created.
var kindOrder = []string{"Namespace", "StorageClass", "PersistentVolume", "PersistentVolumeClaim", "EC2NodeClass", "NodePool", "DaemonSet", "Pod"}

var kindAPIVersion = map[string][]string{
	"Namespace":             {"v1"},
	"StorageClass":          {"storage.k8s.io/v1"},
	"PersistentVolume":      {"v1"},
	"PersistentVolumeClaim": {"v1"},
	"EC2NodeClass":          {"karpenter.k8s.aws/v1"},
	"NodePool":              {"karpenter.sh/v1"},
	"DaemonSet":             {"apps/v1"},
	"Pod":                   {"v1"},
}

type inputError struct{ msg string }

func (e *inputError) Error() string { return e.msg }

func inputErrorf(format string, args ...any) error { return &inputError{fmt.Sprintf(format, args...)} }

func readManifestFile(path string) ([]*unstructured.Unstructured, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, inputErrorf("%s: %v", path, err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, inputErrorf("%s: document %d: %v", path, doc, err)
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		kind, apiVersion := u.GetKind(), u.GetAPIVersion()
		if kind == "" || apiVersion == "" {
			return nil, inputErrorf("%s: document %d: missing kind or apiVersion", path, doc)
		}
		if kind == "List" {
			return nil, inputErrorf("%s: document %d: kind List is not supported; write one document per object", path, doc)
		}
		versions, ok := kindAPIVersion[kind]
		if !ok {
			return nil, inputErrorf("%s: document %d: kind %s is not supported (expand workloads into Pods; accepted: %s)", path, doc, kind, strings.Join(kindOrder, ", "))
		}
		found := false
		for _, v := range versions {
			found = found || v == apiVersion
		}
		if !found {
			return nil, inputErrorf("%s: document %d: %s must be apiVersion %s, got %s", path, doc, kind, versions[0], apiVersion)
		}
		if u.GetName() == "" && u.GetGenerateName() == "" {
			return nil, inputErrorf("%s: document %d: %s has no metadata.name", path, doc, kind)
		}
		if kind == "Pod" {
			if n, _, _ := unstructured.NestedString(m, "spec", "nodeName"); n != "" {
				return nil, inputErrorf("%s: document %d: Pod %s has spec.nodeName; only pending pods are accepted", path, doc, u.GetName())
			}
		}
		out = append(out, u)
	}
	return out, nil
}

func loadScenario(name string, files []string) (*scenario, error) {
	s := &scenario{name: name, files: files, source: map[*unstructured.Unstructured]string{}}
	for _, f := range files {
		objs, err := readManifestFile(f)
		if err != nil {
			return nil, err
		}
		for _, o := range objs {
			s.source[o] = f
		}
		s.objects = append(s.objects, objs...)
	}
	return s, nil
}

func loadScenarioDir(root string, only string) ([]*scenario, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, inputErrorf("%s: %v", root, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && (only == "" || e.Name() == only) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	if only != "" && len(names) == 0 {
		return nil, inputErrorf("%s: no scenario folder named %q", root, only)
	}
	var out []*scenario
	for _, n := range names {
		files, _ := filepath.Glob(filepath.Join(root, n, "*.yaml"))
		sort.Strings(files)
		if len(files) == 0 {
			return nil, inputErrorf("%s: scenario folder has no *.yaml files", filepath.Join(root, n))
		}
		s, err := loadScenario(n, files)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
