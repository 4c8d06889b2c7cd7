package main

// `karpenter-plan bench --inputs DIR`: Karpenter v1.14.1's scheduler timed on the pods, instance types and NodePool
// that `npm run bench:side-by-side` wrote to DIR (bench/side-by-side-inputs.ts), the way Karpenter's own
// scheduling benchmark drives it (pkg/controllers/provisioning/scheduling/scheduling_benchmark_test.go: a fake
// kube client, an empty state.Cluster, test.Options(), NumConcurrentReconciles(5), no existing nodes, no
// DaemonSets). No API server: the scheduler is called directly.
//
// The process stays up so the TypeScript driver can alternate runs of the two solvers. It reads commands on stdin,
// one a line, and answers each with one JSON line on stdout:
//   digest NAME   what this side read for scenario NAME (counts and digests of the canonical lines)
//   run NAME      one timed iteration: NewTopology + NewScheduler + Solve on fresh copies of the pods
//   quit

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/samber/lo"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	fakecr "sigs.k8s.io/controller-runtime/pkg/client/fake"

	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/cloudprovider"
	// Imported as Karpenter's benchmark imports it: its init registers the fake types' labels (size, special,
	// integer) as well-known, which the fake-400 catalogue uses.
	corefake "sigs.k8s.io/karpenter/pkg/cloudprovider/fake"
	"sigs.k8s.io/karpenter/pkg/controllers/provisioning/scheduling"
	"sigs.k8s.io/karpenter/pkg/controllers/state"
	"sigs.k8s.io/karpenter/pkg/events"
	"sigs.k8s.io/karpenter/pkg/operator/injection"
	coreoptions "sigs.k8s.io/karpenter/pkg/operator/options"
	karpscheduling "sigs.k8s.io/karpenter/pkg/scheduling"
	coretest "sigs.k8s.io/karpenter/pkg/test"
)

type benchScenario struct {
	Name             string `json:"name"`
	PreferencePolicy string `json:"preferencePolicy"`
	PodsFile         string `json:"podsFile"`
	TypesFile        string `json:"typesFile"`
	NodePoolFile     string `json:"nodePoolFile"`
}

// The instance-type shape of core/cloudprovider/types.ts (plain JSON, canonical units: cpu in millicores, memory
// in bytes, counts otherwise).
type tsRequirement struct {
	Key       string   `json:"key"`
	Operator  string   `json:"operator"`
	Values    []string `json:"values"`
	MinValues *int     `json:"minValues"`
}

type tsOffering struct {
	Zone          string            `json:"zone"`
	CapacityType  string            `json:"capacityType"`
	Price         float64           `json:"price"`
	Available     bool              `json:"available"`
	Labels        map[string]string `json:"labels"`
	ReservationID string            `json:"reservationId"`
}

type tsInstanceType struct {
	Name         string             `json:"name"`
	Requirements []tsRequirement    `json:"requirements"`
	Capacity     map[string]float64 `json:"capacity"`
	Overhead     struct {
		KubeReserved      map[string]float64 `json:"kubeReserved"`
		SystemReserved    map[string]float64 `json:"systemReserved"`
		EvictionThreshold map[string]float64 `json:"evictionThreshold"`
	} `json:"overhead"`
	Offerings []tsOffering `json:"offerings"`
}

type loadedScenario struct {
	benchScenario
	pods          []*corev1.Pod
	nodePool      *karpv1.NodePool
	instanceTypes []*cloudprovider.InstanceType
	digest        map[string]any
}

func resourceList(values map[string]float64) corev1.ResourceList {
	out := corev1.ResourceList{}
	for name, v := range values {
		n := int64(math.Round(v))
		switch name {
		case "cpu":
			out[corev1.ResourceName(name)] = *resource.NewMilliQuantity(n, resource.DecimalSI)
		case "memory", "ephemeral-storage":
			out[corev1.ResourceName(name)] = *resource.NewQuantity(n, resource.BinarySI)
		default:
			out[corev1.ResourceName(name)] = *resource.NewQuantity(n, resource.DecimalSI)
		}
	}
	return out
}

// toInstanceType builds the cloudprovider.InstanceType a provider would hand Karpenter: the type's own requirements
// plus instance-type, zone and capacity-type from its available offerings (as fake.NewInstanceType and the AWS
// resolver both do), capacity, overhead and offerings.
func toInstanceType(t tsInstanceType) *cloudprovider.InstanceType {
	var zones, capacityTypes []string
	offerings := cloudprovider.Offerings{}
	for _, o := range t.Offerings {
		labels := map[string]string{karpv1.CapacityTypeLabelKey: o.CapacityType, corev1.LabelTopologyZone: o.Zone}
		for k, v := range o.Labels {
			labels[k] = v
		}
		offering := &cloudprovider.Offering{Requirements: karpscheduling.NewLabelRequirements(labels), Price: o.Price, Available: o.Available}
		if o.ReservationID != "" {
			offering.Requirements.Add(karpscheduling.NewRequirement(cloudprovider.ReservationIDLabel, corev1.NodeSelectorOpIn, o.ReservationID))
			offering.ReservationCapacity = 1
		}
		offerings = append(offerings, offering)
		if o.Available {
			zones = append(zones, o.Zone)
			capacityTypes = append(capacityTypes, o.CapacityType)
		}
	}
	reqs := karpscheduling.NewRequirements(
		karpscheduling.NewRequirement(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, t.Name),
		karpscheduling.NewRequirement(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, lo.Uniq(zones)...),
		karpscheduling.NewRequirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, lo.Uniq(capacityTypes)...),
	)
	for _, r := range t.Requirements {
		reqs.Add(karpscheduling.NewRequirementWithFlexibility(r.Key, corev1.NodeSelectorOperator(r.Operator), r.MinValues, r.Values...))
	}
	return &cloudprovider.InstanceType{
		Name:         t.Name,
		Requirements: reqs,
		Offerings:    offerings,
		Capacity:     resourceList(t.Capacity),
		Overhead: &cloudprovider.InstanceTypeOverhead{
			KubeReserved:      resourceList(t.Overhead.KubeReserved),
			SystemReserved:    resourceList(t.Overhead.SystemReserved),
			EvictionThreshold: resourceList(t.Overhead.EvictionThreshold),
		},
	}
}

func shortSHA(lines []string) string {
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])[:16]
}

func sortedPairs(m map[string]string) string {
	pairs := lo.MapToSlice(m, func(k, v string) string { return k + "=" + v })
	sort.Strings(pairs)
	return strings.Join(pairs, ",")
}

// podLine is bench/side-by-side-inputs.ts podLine, from the corev1.Pod Karpenter receives.
func podLine(p *corev1.Pod) string {
	var cpu, memory int64
	for _, c := range p.Spec.Containers {
		if q, ok := c.Resources.Requests[corev1.ResourceCPU]; ok {
			cpu += q.MilliValue()
		}
		if q, ok := c.Resources.Requests[corev1.ResourceMemory]; ok {
			memory += q.Value()
		}
	}
	counts := make([]int, 6)
	counts[0] = len(p.Spec.TopologySpreadConstraints)
	if a := p.Spec.Affinity; a != nil {
		if a.PodAffinity != nil {
			counts[1] = len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
			counts[2] = len(a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
		}
		if a.PodAntiAffinity != nil {
			counts[3] = len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution)
			counts[4] = len(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
		}
		if a.NodeAffinity != nil {
			counts[5] = len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
		}
	}
	return strings.Join([]string{p.Namespace + "/" + p.Name, string(p.UID), sortedPairs(p.Labels),
		fmt.Sprintf("cpu=%d", cpu), fmt.Sprintf("memory=%d", memory),
		"constraints=" + strings.Join(lo.Map(counts, func(c int, _ int) string { return fmt.Sprint(c) }), "/")}, " ")
}

// typeLine is bench/side-by-side-inputs.ts typeLine, from the cloudprovider.InstanceType Karpenter receives.
func typeLine(it *cloudprovider.InstanceType) string {
	resources := func(l corev1.ResourceList) string {
		var parts []string
		for name, q := range l {
			v := lo.Ternary(name == corev1.ResourceCPU, q.MilliValue(), q.Value())
			if v != 0 {
				parts = append(parts, fmt.Sprintf("%s=%d", name, v))
			}
		}
		sort.Strings(parts)
		return strings.Join(parts, ",")
	}
	offerings := lo.Map(it.Offerings, func(o *cloudprovider.Offering, _ int) string {
		return fmt.Sprintf("%s/%s/%.6f/%t", o.Requirements.Get(corev1.LabelTopologyZone).Any(), o.Requirements.Get(karpv1.CapacityTypeLabelKey).Any(), o.Price, o.Available)
	})
	sort.Strings(offerings)
	return strings.Join([]string{it.Name, "capacity=" + resources(it.Capacity), "overhead=" + resources(it.Overhead.Total()), strings.Join(offerings, ",")}, " ")
}

func loadBenchScenarios(dir string) (map[string]*loadedScenario, error) {
	var list []benchScenario
	if err := readJSON(filepath.Join(dir, "scenarios.json"), &list); err != nil {
		return nil, err
	}
	podsCache := map[string][]*corev1.Pod{}
	typesCache := map[string][]*cloudprovider.InstanceType{}
	out := map[string]*loadedScenario{}
	for _, s := range list {
		l := &loadedScenario{benchScenario: s}
		if l.pods = podsCache[s.PodsFile]; l.pods == nil {
			var pods []*corev1.Pod
			if err := readJSON(filepath.Join(dir, s.PodsFile), &pods); err != nil {
				return nil, err
			}
			for _, p := range pods {
				if p.Namespace == "" {
					p.Namespace = "default"
				}
				p.Status.Phase = corev1.PodPending
			}
			podsCache[s.PodsFile], l.pods = pods, pods
		}
		if l.instanceTypes = typesCache[s.TypesFile]; l.instanceTypes == nil {
			var types []tsInstanceType
			if err := readJSON(filepath.Join(dir, s.TypesFile), &types); err != nil {
				return nil, err
			}
			l.instanceTypes = lo.Map(types, func(t tsInstanceType, _ int) *cloudprovider.InstanceType { return toInstanceType(t) })
			typesCache[s.TypesFile] = l.instanceTypes
		}
		l.nodePool = &karpv1.NodePool{}
		if err := readJSON(filepath.Join(dir, s.NodePoolFile), l.nodePool); err != nil {
			return nil, err
		}
		l.digest = map[string]any{"scenario": s.Name, "pods": len(l.pods), "types": len(l.instanceTypes),
			"podsDigest":  shortSHA(lo.Map(l.pods, func(p *corev1.Pod, _ int) string { return podLine(p) })),
			"typesDigest": shortSHA(lo.Map(l.instanceTypes, func(it *cloudprovider.InstanceType, _ int) string { return typeLine(it) }))}
		out[s.Name] = l
	}
	return out, nil
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// runOnce times what Karpenter's benchmark builds per scheduling round plus its timed Solve: NewTopology,
// NewScheduler, Solve. The fake client, cloud provider and empty cluster state exist before the timer starts (a
// running Karpenter has them), and the pods are fresh deep copies (Solve relaxes preferences in place).
func runOnce(ctx context.Context, s *loadedScenario) map[string]any {
	pods := lo.Map(s.pods, func(p *corev1.Pod, _ int) *corev1.Pod { return p.DeepCopy() })
	nodePool := s.nodePool.DeepCopy()
	opts := []scheduling.Options{scheduling.NumConcurrentReconciles(5)}
	if s.PreferencePolicy == "Ignore" {
		opts = append(opts, scheduling.IgnorePreferences)
	}
	cloudProvider := corefake.NewCloudProvider()
	cloudProvider.InstanceTypes = s.instanceTypes
	kubeClient := fakecr.NewFakeClient()
	clk := &clock.RealClock{}
	cluster := state.NewCluster(clk, kubeClient, cloudProvider)
	instanceTypes := map[string][]*cloudprovider.InstanceType{nodePool.Name: s.instanceTypes}
	runtime.GC()

	cpu0, t0 := cpuSeconds(), time.Now()
	topology, err := scheduling.NewTopology(ctx, kubeClient, cluster, nil, []*karpv1.NodePool{nodePool}, instanceTypes, pods, opts...)
	if err != nil {
		return map[string]any{"scenario": s.Name, "error": "creating topology: " + err.Error()}
	}
	scheduler := scheduling.NewScheduler(ctx, kubeClient, []*karpv1.NodePool{nodePool}, cluster, nil, topology, instanceTypes, nil,
		events.NewRecorder(&record.FakeRecorder{}), clk, nil, nil, opts...)
	t1 := time.Now()
	results, err := scheduler.Solve(ctx, pods)
	t2 := time.Now()
	cpu := cpuSeconds() - cpu0
	if err != nil {
		return map[string]any{"scenario": s.Name, "error": "solving: " + err.Error()}
	}
	// $/h as our plan's `launch.price`: per NodeClaim, the cheapest available offering compatible with its
	// requirements among its instance-type options.
	hourly := 0.0
	for _, n := range results.NewNodeClaims {
		best := math.Inf(1)
		for _, it := range n.InstanceTypeOptions {
			if c := it.Offerings.Available().Compatible(n.Requirements).Cheapest(); c != nil && c.Price < best {
				best = c.Price
			}
		}
		if !math.IsInf(best, 1) {
			hourly += best
		}
	}
	return map[string]any{"scenario": s.Name, "ms": float64(t2.Sub(t0).Microseconds()) / 1000,
		"setupMs": float64(t1.Sub(t0).Microseconds()) / 1000, "solveMs": float64(t2.Sub(t1).Microseconds()) / 1000,
		"cpuMs": cpu * 1000, "nodeClaims": len(results.NewNodeClaims), "hourlyCost": hourly, "unschedulable": len(results.PodErrors),
		"gomaxprocs": runtime.GOMAXPROCS(0)}
}

func runBench(argv []string) int {
	dir := ""
	for i := 0; i < len(argv); i++ {
		if argv[i] == "--inputs" && i+1 < len(argv) {
			dir = argv[i+1]
			i++
		} else if v, ok := strings.CutPrefix(argv[i], "--inputs="); ok {
			dir = v
		} else {
			fmt.Fprintf(os.Stderr, "karpenter-plan bench: unknown argument %q\nusage: karpenter-plan bench --inputs DIR\n", argv[i])
			return 2
		}
	}
	if dir == "" {
		fmt.Fprintln(os.Stderr, "usage: karpenter-plan bench --inputs DIR")
		return 2
	}
	scenarios, err := loadBenchScenarios(dir)
	if err != nil {
		fmt.Fprintf(os.Stderr, "karpenter-plan bench: %v\n", err)
		return 1
	}
	// The context Karpenter's benchmark solves with.
	ctx := coreoptions.ToContext(injection.WithControllerName(context.Background(), "provisioner"), coretest.Options())
	enc := json.NewEncoder(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		command, name, _ := strings.Cut(strings.TrimSpace(in.Text()), " ")
		if command == "quit" {
			return 0
		}
		s := scenarios[name]
		var answer map[string]any
		switch {
		case s == nil:
			answer = map[string]any{"scenario": name, "error": "unknown scenario"}
		case command == "digest":
			answer = s.digest
		case command == "run":
			answer = runOnce(ctx, s)
		default:
			answer = map[string]any{"scenario": name, "error": "unknown command " + command}
		}
		if err := enc.Encode(answer); err != nil {
			return 1
		}
	}
	return 0
}
