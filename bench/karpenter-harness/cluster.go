package main

// The envtest control plane (real kube-apiserver + etcd on loopback) with Karpenter's CRDs, and a cached client with
// the field indexes Karpenter's operator registers (core pkg/operator/operator.go, AWS pkg/operator SetupIndexers).

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	awsapis "github.com/aws/karpenter-provider-aws/pkg/apis"
	"github.com/aws/karpenter-provider-aws/pkg/utils"
	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	coretest "sigs.k8s.io/karpenter/pkg/test"
)

type cluster struct {
	env       *envtest.Environment
	client    client.Client // cached, cache-syncing (Karpenter's reads go through the informer cache as in the operator)
	direct    client.Client // uncached, for our own writes and clean-up
	kubeIface kubernetes.Interface
	cancel    context.CancelFunc
}

// assetsDir returns a KUBEBUILDER_ASSETS-style directory: $KUBEBUILDER_ASSETS if set, else a temp dir of symlinks to
// the kube-apiserver and etcd that scripts/install-tools.sh recorded in $KT_CACHE_DIR/tools.json.
func assetsDir() (string, func(), error) {
	if d := os.Getenv("KUBEBUILDER_ASSETS"); d != "" {
		return d, func() {}, nil
	}
	cacheDir := os.Getenv("KT_CACHE_DIR")
	if cacheDir == "" {
		home, _ := os.UserHomeDir()
		cacheDir = filepath.Join(home, ".cache", "karpenter-temporal")
	}
	var tools struct {
		Etcd          string `json:"etcd"`
		KubeApiserver string `json:"kubeApiserver"`
	}
	manifest := filepath.Join(cacheDir, "tools.json")
	b, err := os.ReadFile(manifest)
	if err != nil {
		return "", nil, fmt.Errorf("no KUBEBUILDER_ASSETS and cannot read %s (run scripts/install-tools.sh kube and etcd): %w", manifest, err)
	}
	if err := json.Unmarshal(b, &tools); err != nil {
		return "", nil, fmt.Errorf("%s: %w", manifest, err)
	}
	dir, err := os.MkdirTemp("", "karpenter-harness-assets-")
	if err != nil {
		return "", nil, err
	}
	for name, target := range map[string]string{"kube-apiserver": tools.KubeApiserver, "etcd": tools.Etcd} {
		if _, err := os.Stat(target); err != nil {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("%s not built (%s): run scripts/install-tools.sh kube / etcd", name, target)
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			os.RemoveAll(dir)
			return "", nil, err
		}
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}

func startCluster(ctx context.Context) (*cluster, error) {
	assets, cleanup, err := assetsDir()
	if err != nil {
		return nil, err
	}
	defer cleanup()
	env := &envtest.Environment{
		Scheme:                scheme.Scheme,
		CRDs:                  awsapis.CRDs, // the CRDs the AWS provider embeds from its own pkg/apis/crds (its chart's CRDs)
		BinaryAssetsDirectory: assets,
		ErrorIfCRDPathMissing: true,
	}
	// envtest binds kube-apiserver and etcd to 127.0.0.1/localhost with random ports.
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest (kube-apiserver + etcd from %s): %w", assets, err)
	}
	cctx, cancel := context.WithCancel(ctx)
	c := &cluster{env: env, cancel: cancel}
	informers, err := cache.New(cfg, cache.Options{Scheme: scheme.Scheme})
	if err != nil {
		return nil, err
	}
	indexers := []func(cache.Cache) error{
		coretest.NodeProviderIDFieldIndexer(cctx),
		coretest.NodeClaimProviderIDFieldIndexer(cctx),
		coretest.NodeClaimNodeClassRefFieldIndexer(cctx),
		coretest.NodePoolNodeClassRefFieldIndexer(cctx),
		coretest.VolumeAttachmentFieldIndexer(cctx),
		func(ch cache.Cache) error {
			return ch.IndexField(cctx, &corev1.Pod{}, "spec.nodeName", func(o client.Object) []string { return []string{o.(*corev1.Pod).Spec.NodeName} })
		},
		func(ch cache.Cache) error {
			return ch.IndexField(cctx, &karpv1.NodeClaim{}, "status.instanceID", func(o client.Object) []string {
				if id, e := utils.ParseInstanceID(o.(*karpv1.NodeClaim).Status.ProviderID); e == nil && id != "" {
					return []string{id}
				}
				return nil
			})
		},
		func(ch cache.Cache) error {
			return ch.IndexField(cctx, &corev1.Node{}, "spec.instanceID", func(o client.Object) []string {
				if id, e := utils.ParseInstanceID(o.(*corev1.Node).Spec.ProviderID); e == nil && id != "" {
					return []string{id}
				}
				return nil
			})
		},
	}
	for _, ix := range indexers {
		if err := ix(informers); err != nil {
			return nil, err
		}
	}
	go func() { _ = informers.Start(cctx) }()
	if !informers.WaitForCacheSync(cctx) {
		return nil, fmt.Errorf("informer cache failed to sync")
	}
	cached, err := client.New(cfg, client.Options{Scheme: scheme.Scheme, Cache: &client.CacheOptions{Reader: informers}})
	if err != nil {
		return nil, err
	}
	c.client = &coretest.CacheSyncingClient{Client: cached}
	if c.direct, err = client.New(cfg, client.Options{Scheme: scheme.Scheme}); err != nil {
		return nil, err
	}
	c.kubeIface = kubernetes.NewForConfigOrDie(cfg)
	return c, nil
}

func (c *cluster) stop() {
	c.cancel()
	_ = c.env.Stop()
}
