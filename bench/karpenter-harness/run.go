package main

// One scenario: clean the cluster, create the manifests through the API server, let the provider's EC2NodeClass
// controller and core's NodePool validation/readiness controllers reconcile once, run core's Provisioner.Schedule,
// create each NodeClaim with Provisioner.Create and launch it with the AWS cloudprovider's Create, capturing the
// CreateFleet request it sends.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/awslabs/operatorpkg/status"
	"github.com/samber/lo"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/aws/aws-sdk-go-v2/service/ec2"

	awsv1 "github.com/aws/karpenter-provider-aws/pkg/apis/v1"
	karpv1 "sigs.k8s.io/karpenter/pkg/apis/v1"
	"sigs.k8s.io/karpenter/pkg/controllers/dynamicresources/deviceallocation"
	"sigs.k8s.io/karpenter/pkg/controllers/nodepool/readiness"
	"sigs.k8s.io/karpenter/pkg/controllers/nodepool/validation"
	"sigs.k8s.io/karpenter/pkg/controllers/provisioning"
	"sigs.k8s.io/karpenter/pkg/controllers/state"
	"sigs.k8s.io/karpenter/pkg/metrics"
	"sigs.k8s.io/karpenter/pkg/state/virtualpods"
	podutils "sigs.k8s.io/karpenter/pkg/utils/pod"
)

type requirementOut struct {
	Key       string   `json:"key"`
	Operator  string   `json:"operator"`
	Values    []string `json:"values"`
	MinValues *int     `json:"minValues,omitempty"`
}

type offeringOut struct {
	InstanceType string  `json:"instanceType"`
	Zone         string  `json:"zone"`
	CapacityType string  `json:"capacityType,omitempty"`
	Price        float64 `json:"price"`
}

type instanceOut struct {
	InstanceType string `json:"instanceType"`
	Zone         string `json:"zone"`
	CapacityType string `json:"capacityType"`
}

type launchOut struct {
	CapacityType string        `json:"capacityType,omitempty"`
	Overrides    []offeringOut `json:"overrides"`
	Cheapest     *offeringOut  `json:"cheapest,omitempty"`
	Instance     *instanceOut  `json:"instance,omitempty"`
	Error        string        `json:"error,omitempty"`
}

type nodeClaimOut struct {
	NodePool      string            `json:"nodePool"`
	InstanceTypes []string          `json:"instanceTypes"`
	Requirements  []requirementOut  `json:"requirements"`
	Pods          []string          `json:"pods"`
	Requests      map[string]string `json:"requests"`
	Launch        launchOut         `json:"launch"`
}

type existingNodeOut struct {
	Node string   `json:"node"`
	Pods []string `json:"pods"`
}

type unschedulableOut struct {
	Pod    string `json:"pod"`
	Reason string `json:"reason"`
}

type scenarioOut struct {
	Scenario           string             `json:"scenario"`
	KarpenterVersion   string             `json:"karpenterVersion"`
	AWSProviderVersion string             `json:"awsProviderVersion"`
	NodeClaims         []nodeClaimOut     `json:"nodeClaims"`
	ExistingNodes      []existingNodeOut  `json:"existingNodes"`
	Unschedulable      []unschedulableOut `json:"unschedulable"`
	Error              string             `json:"error,omitempty"`
}

func podKey(p *corev1.Pod) string { return p.Namespace + "/" + p.Name }

var systemNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

// cleanCluster removes everything a previous scenario created. Namespaces are never deleted (envtest has no namespace
// controller, so they would stay Terminating); their labels and annotations are cleared instead.
func cleanCluster(ctx context.Context, c *cluster) error {
	lists := []client.ObjectList{&corev1.PodList{}, &appsv1.DaemonSetList{}, &corev1.PersistentVolumeClaimList{}, &corev1.PersistentVolumeList{},
		&storagev1.StorageClassList{}, &karpv1.NodeClaimList{}, &karpv1.NodePoolList{}, &awsv1.EC2NodeClassList{}, &corev1.NodeList{}}
	for _, l := range lists {
		if err := c.direct.List(ctx, l); err != nil {
			return err
		}
		items, _ := metaItems(l)
		for _, o := range items {
			if len(o.GetFinalizers()) > 0 {
				o.SetFinalizers(nil)
				if err := c.direct.Update(ctx, o); client.IgnoreNotFound(err) != nil {
					return err
				}
			}
			if err := c.direct.Delete(ctx, o, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
				return err
			}
		}
	}
	// wait until the informer cache no longer sees any of them
	deadline := time.Now().Add(30 * time.Second)
	for _, l := range lists {
		for {
			if err := c.client.List(ctx, l); err != nil {
				return err
			}
			items, _ := metaItems(l)
			if len(items) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("clean-up: %d %T objects still present", len(items), l)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func metaItems(l client.ObjectList) ([]client.Object, error) {
	switch t := l.(type) {
	case *corev1.PodList:
		return lo.Map(t.Items, func(o corev1.Pod, _ int) client.Object { return &o }), nil
	case *appsv1.DaemonSetList:
		return lo.Map(t.Items, func(o appsv1.DaemonSet, _ int) client.Object { return &o }), nil
	case *corev1.PersistentVolumeClaimList:
		return lo.Map(t.Items, func(o corev1.PersistentVolumeClaim, _ int) client.Object { return &o }), nil
	case *corev1.PersistentVolumeList:
		return lo.Map(t.Items, func(o corev1.PersistentVolume, _ int) client.Object { return &o }), nil
	case *storagev1.StorageClassList:
		return lo.Map(t.Items, func(o storagev1.StorageClass, _ int) client.Object { return &o }), nil
	case *karpv1.NodeClaimList:
		return lo.Map(t.Items, func(o karpv1.NodeClaim, _ int) client.Object { return &o }), nil
	case *karpv1.NodePoolList:
		return lo.Map(t.Items, func(o karpv1.NodePool, _ int) client.Object { return &o }), nil
	case *awsv1.EC2NodeClassList:
		return lo.Map(t.Items, func(o awsv1.EC2NodeClass, _ int) client.Object { return &o }), nil
	case *corev1.NodeList:
		return lo.Map(t.Items, func(o corev1.Node, _ int) client.Object { return &o }), nil
	}
	return nil, fmt.Errorf("unknown list %T", l)
}

var clusterScoped = map[string]bool{"Namespace": true, "StorageClass": true, "PersistentVolume": true, "EC2NodeClass": true, "NodePool": true}

// applyObjects creates the scenario's objects through the API server (defaulting, validation, strict field checking).
func applyObjects(ctx context.Context, c *cluster, s *scenario) (pods []types.NamespacedName, err error) {
	objs := append([]*unstructured.Unstructured{}, s.objects...)
	rank := lo.SliceToMap(kindOrder, func(k string) (string, int) { return k, lo.IndexOf(kindOrder, k) })
	sort.SliceStable(objs, func(i, j int) bool { return rank[objs[i].GetKind()] < rank[objs[j].GetKind()] })

	declaredNS := map[string]*unstructured.Unstructured{}
	neededNS := map[string]bool{}
	for _, o := range objs {
		if o.GetKind() == "Namespace" {
			declaredNS[o.GetName()] = o
		} else if !clusterScoped[o.GetKind()] {
			if o.GetNamespace() == "" {
				o.SetNamespace("default")
			}
			neededNS[o.GetNamespace()] = true
		}
	}
	// Namespaces: reset leftovers, then create/replace the declared ones and create any that are only referenced.
	var nsList corev1.NamespaceList
	if err := c.direct.List(ctx, &nsList); err != nil {
		return nil, err
	}
	existing := map[string]bool{}
	for i := range nsList.Items {
		ns := &nsList.Items[i]
		existing[ns.Name] = true
		if _, declared := declaredNS[ns.Name]; declared {
			continue
		}
		if len(ns.Labels) > 1 || len(ns.Annotations) > 0 {
			ns.Labels = map[string]string{corev1.LabelMetadataName: ns.Name}
			ns.Annotations = nil
			if err := c.direct.Update(ctx, ns); err != nil {
				return nil, err
			}
		}
	}
	for name := range neededNS {
		if !existing[name] && declaredNS[name] == nil {
			if err := c.direct.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil && !apierrors.IsAlreadyExists(err) {
				return nil, err
			}
		}
	}
	for _, o := range objs {
		src := s.source[o]
		statusObj, hasStatus := o.Object["status"]
		obj := o.DeepCopy()
		delete(obj.Object, "status")
		if o.GetKind() == "Namespace" && existing[o.GetName()] {
			cur := &unstructured.Unstructured{}
			cur.SetGroupVersionKind(o.GroupVersionKind())
			if err := c.direct.Get(ctx, client.ObjectKey{Name: o.GetName()}, cur); err != nil {
				return nil, fmt.Errorf("%s: Namespace %s: %w", src, o.GetName(), err)
			}
			obj.SetResourceVersion(cur.GetResourceVersion())
			if err := c.direct.Update(ctx, obj, client.FieldValidation("Strict")); err != nil {
				return nil, fmt.Errorf("%s: Namespace %s: %w", src, o.GetName(), err)
			}
			continue
		}
		if err := c.direct.Create(ctx, obj, client.FieldValidation("Strict")); err != nil {
			return nil, fmt.Errorf("%s: %s %s: %w", src, o.GetKind(), o.GetName(), err)
		}
		switch o.GetKind() {
		case "Pod":
			// kube-scheduler would have marked the pending pod PodScheduled=False/Unschedulable; Karpenter only
			// provisions for such pods (utils/pod IsProvisionable).
			pod := &corev1.Pod{}
			if err := c.direct.Get(ctx, client.ObjectKeyFromObject(obj), pod); err != nil {
				return nil, err
			}
			if hasStatus {
				if err := convertInto(statusObj, &pod.Status); err != nil {
					return nil, fmt.Errorf("%s: Pod %s status: %w", src, pod.Name, err)
				}
			}
			if !podutils.FailedToSchedule(pod) {
				pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
					Reason: corev1.PodReasonUnschedulable, Message: "0/0 nodes are available", LastTransitionTime: metav1.Now()})
			}
			if pod.Status.Phase == "" {
				pod.Status.Phase = corev1.PodPending
			}
			if err := c.direct.Status().Update(ctx, pod); err != nil {
				return nil, fmt.Errorf("%s: Pod %s status: %w", src, pod.Name, err)
			}
			pods = append(pods, client.ObjectKeyFromObject(pod))
		case "PersistentVolumeClaim", "PersistentVolume":
			if hasStatus {
				cur := &unstructured.Unstructured{}
				cur.SetGroupVersionKind(o.GroupVersionKind())
				if err := c.direct.Get(ctx, client.ObjectKeyFromObject(obj), cur); err != nil {
					return nil, err
				}
				cur.Object["status"] = statusObj
				if err := c.direct.Status().Update(ctx, cur); err != nil {
					return nil, fmt.Errorf("%s: %s %s status: %w", src, o.GetKind(), o.GetName(), err)
				}
			}
		}
	}
	return pods, nil
}

// waitForCache blocks until the informer cache has every created object (and the pods' Unschedulable condition).
func waitForCache(ctx context.Context, c *cluster, s *scenario, pods []types.NamespacedName) error {
	want := lo.CountValuesBy(s.objects, func(o *unstructured.Unstructured) string { return o.GetKind() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok := true
		check := func(kind string, l client.ObjectList) {
			if want[kind] == 0 || !ok {
				return
			}
			if err := c.client.List(ctx, l); err != nil {
				ok = false
				return
			}
			items, _ := metaItems(l)
			ok = len(items) >= want[kind]
		}
		check("NodePool", &karpv1.NodePoolList{})
		check("EC2NodeClass", &awsv1.EC2NodeClassList{})
		check("DaemonSet", &appsv1.DaemonSetList{})
		check("PersistentVolumeClaim", &corev1.PersistentVolumeClaimList{})
		check("PersistentVolume", &corev1.PersistentVolumeList{})
		check("StorageClass", &storagev1.StorageClassList{})
		if ok {
			for _, k := range pods {
				p := &corev1.Pod{}
				if err := c.client.Get(ctx, k, p); err != nil || !podutils.FailedToSchedule(p) {
					ok = false
					break
				}
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("informer cache did not catch up with the scenario's objects")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reconcileStatus runs the provider's EC2NodeClass controller and core's NodePool validation and readiness
// controllers until their status settles (a real cluster runs them continuously).
func reconcileStatus(ctx context.Context, c *cluster, stack *awsStack) error {
	var classes awsv1.EC2NodeClassList
	if err := c.client.List(ctx, &classes); err != nil {
		return err
	}
	for _, nc := range classes.Items {
		var lastErr error
		for i := 0; i < 5; i++ {
			cur := &awsv1.EC2NodeClass{}
			if err := c.client.Get(ctx, client.ObjectKeyFromObject(&nc), cur); err != nil {
				return err
			}
			if cond := cur.StatusConditions().Get(status.ConditionReady); cond != nil && cond.IsTrue() && cond.ObservedGeneration == cur.Generation {
				lastErr = nil
				break
			}
			_, lastErr = stack.nodeClassCtrl.Reconcile(ctx, cur)
			time.Sleep(50 * time.Millisecond)
		}
		cur := &awsv1.EC2NodeClass{}
		_ = c.client.Get(ctx, client.ObjectKeyFromObject(&nc), cur)
		if cond := cur.StatusConditions().Get(status.ConditionReady); cond == nil || !cond.IsTrue() {
			msg := "EC2NodeClass " + nc.Name + " is not Ready"
			if cond != nil {
				msg += ": " + cond.Reason + " " + cond.Message
			}
			if lastErr != nil {
				msg += " (" + lastErr.Error() + ")"
			}
			log.FromContext(ctx).Info(msg)
		}
	}
	var pools karpv1.NodePoolList
	if err := c.client.List(ctx, &pools); err != nil {
		return err
	}
	val := validation.NewController(clock.RealClock{}, c.client, stack.cloudProvider)
	ready := readiness.NewController(clock.RealClock{}, c.client, stack.cloudProvider)
	for _, np := range pools.Items {
		cur := &karpv1.NodePool{}
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(&np), cur); err != nil {
			return err
		}
		if _, err := val.Reconcile(ctx, cur); err != nil {
			return fmt.Errorf("NodePool %s validation: %w", np.Name, err)
		}
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(&np), cur); err != nil {
			return err
		}
		if _, err := ready.Reconcile(ctx, cur); err != nil {
			return fmt.Errorf("NodePool %s readiness: %w", np.Name, err)
		}
	}
	// wait for the cache to show the NodePools' status
	deadline := time.Now().Add(10 * time.Second)
	for _, np := range pools.Items {
		for {
			cur := &karpv1.NodePool{}
			if err := c.client.Get(ctx, client.ObjectKeyFromObject(&np), cur); err != nil {
				return err
			}
			if cur.StatusConditions().Get(status.ConditionReady) != nil || time.Now().After(deadline) {
				if !cur.StatusConditions().IsTrue(status.ConditionReady) {
					cond := cur.StatusConditions().Get(status.ConditionReady)
					log.FromContext(ctx).Info("NodePool " + np.Name + " is not Ready: " + lo.Ternary(cond != nil, lo.FromPtr(cond).Message, "no Ready condition"))
				}
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

func runScenario(ctx context.Context, c *cluster, cat *catalog, s *scenario) scenarioOut {
	out := scenarioOut{Scenario: s.name, KarpenterVersion: karpenterVersion, AWSProviderVersion: awsProviderVersion,
		NodeClaims: []nodeClaimOut{}, ExistingNodes: []existingNodeOut{}, Unschedulable: []unschedulableOut{}}
	fail := func(err error) scenarioOut { out.Error = err.Error(); return out }

	if err := cleanCluster(ctx, c); err != nil {
		return fail(fmt.Errorf("cleaning cluster: %w", err))
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	recorder := newRecorder()
	stack, err := newAWSStack(sctx, cat, c.client, c.kubeIface, c.env.Config, recorder)
	if err != nil {
		return fail(fmt.Errorf("building AWS provider: %w", err))
	}
	if stack.spotErr != nil {
		log.FromContext(ctx).Info("spot pricing was not updated; Karpenter keeps its initial spot prices (the compiled-in on-demand price of each type, every zone)", "error", stack.spotErr.Error())
	}
	podKeys, err := applyObjects(sctx, c, s)
	if err != nil {
		return fail(err)
	}
	if err := waitForCache(sctx, c, s, podKeys); err != nil {
		return fail(err)
	}
	if err := reconcileStatus(sctx, c, stack); err != nil {
		return fail(err)
	}

	clusterState := state.NewCluster(clock.RealClock{}, c.client, stack.cloudProvider)
	prov := provisioning.NewProvisioner(c.client, recorder, stack.cloudProvider, clusterState, clock.RealClock{},
		deviceallocation.NewController(c.client), virtualpods.NewVirtualPodCache(c.client))
	results, err := prov.Schedule(sctx)
	if err != nil {
		return fail(fmt.Errorf("Schedule: %w", err))
	}

	accounted := map[string]bool{}
	for _, n := range results.NewNodeClaims {
		nc := nodeClaimOut{NodePool: n.NodePoolName, InstanceTypes: []string{}, Requirements: []requirementOut{}, Requests: map[string]string{}}
		nc.Pods = lo.Map(n.Pods, func(p *corev1.Pod, _ int) string { return podKey(p) })
		sort.Strings(nc.Pods)
		for _, p := range nc.Pods {
			accounted[p] = true
		}
		name, err := prov.Create(sctx, n, provisioning.WithReason(metrics.ProvisionedReason), provisioning.RecordPodNomination)
		if err != nil {
			// Provisioner.Create failed (e.g. NodePool limits): report what the scheduler planned.
			stored := n.ToNodeClaim()
			fillFromNodeClaim(&nc, stored)
			nc.Launch = launchOut{Overrides: []offeringOut{}, Error: "creating nodeclaim: " + err.Error()}
			out.NodeClaims = append(out.NodeClaims, nc)
			continue
		}
		stored := &karpv1.NodeClaim{}
		if err := c.client.Get(sctx, types.NamespacedName{Name: name}, stored); err != nil {
			return fail(err)
		}
		fillFromNodeClaim(&nc, stored)
		nc.Launch = launch(sctx, stack, stored)
		out.NodeClaims = append(out.NodeClaims, nc)
	}
	for _, en := range results.ExistingNodes {
		e := existingNodeOut{Node: en.Name(), Pods: lo.Map(en.Pods, func(p *corev1.Pod, _ int) string { return podKey(p) })}
		sort.Strings(e.Pods)
		for _, p := range e.Pods {
			accounted[p] = true
		}
		out.ExistingNodes = append(out.ExistingNodes, e)
	}
	for p, perr := range results.PodErrors {
		out.Unschedulable = append(out.Unschedulable, unschedulableOut{Pod: podKey(p), Reason: perr.Error()})
		accounted[podKey(p)] = true
	}
	// Pods the provisioner never handed to the solver: rejected by Provisioner.Validate (Karpenter marks them
	// "ignoring pod, <err>"), or all of them when no NodePool is ready ("no dynamic nodepools found").
	readyPools := 0
	var pools karpv1.NodePoolList
	if err := c.client.List(sctx, &pools); err == nil {
		readyPools = lo.CountBy(pools.Items, func(np karpv1.NodePool) bool { return np.StatusConditions().IsTrue(status.ConditionReady) })
	}
	for _, k := range podKeys {
		key := k.Namespace + "/" + k.Name
		if accounted[key] {
			continue
		}
		pod := &corev1.Pod{}
		reason := "not scheduled: excluded before solving (see the harness log)"
		if err := c.client.Get(sctx, k, pod); err == nil {
			if verr := prov.Validate(sctx, pod); verr != nil {
				reason = fmt.Errorf("ignoring pod, %w", verr).Error()
			} else if readyPools == 0 {
				reason = "no dynamic nodepools found"
			}
		}
		out.Unschedulable = append(out.Unschedulable, unschedulableOut{Pod: key, Reason: reason})
	}
	sort.Slice(out.Unschedulable, func(i, j int) bool { return out.Unschedulable[i].Pod < out.Unschedulable[j].Pod })
	return out
}

func fillFromNodeClaim(nc *nodeClaimOut, stored *karpv1.NodeClaim) {
	for _, r := range stored.Spec.Requirements {
		ro := requirementOut{Key: r.Key, Operator: string(r.Operator), Values: lo.Ternary(r.Values == nil, []string{}, r.Values), MinValues: r.MinValues}
		nc.Requirements = append(nc.Requirements, ro)
		if r.Key == corev1.LabelInstanceTypeStable && r.Operator == corev1.NodeSelectorOpIn {
			nc.InstanceTypes = append([]string{}, r.Values...)
		}
	}
	// Karpenter writes requirements in map iteration order; sort by key for stable output.
	sort.SliceStable(nc.Requirements, func(i, j int) bool { return nc.Requirements[i].Key < nc.Requirements[j].Key })
	for name, q := range stored.Spec.Resources.Requests {
		nc.Requests[string(name)] = q.String()
	}
}

// launch runs the AWS cloudprovider's Create, as the NodeClaim lifecycle controller's launch step does, and reads the
// CreateFleet request it sent from the provider's fake EC2 API.
func launch(ctx context.Context, stack *awsStack, nc *karpv1.NodeClaim) launchOut {
	out := launchOut{Overrides: []offeringOut{}}
	stack.ec2.takeFleetInputs()
	created, err := stack.cloudProvider.Create(ctx, nc)
	var input *ec2.CreateFleetInput
	if ins := stack.ec2.takeFleetInputs(); len(ins) > 0 {
		input = ins[len(ins)-1]
	}
	if input != nil {
		out.CapacityType = string(input.TargetCapacitySpecification.DefaultTargetCapacityType)
		for _, ltc := range input.LaunchTemplateConfigs {
			for _, o := range ltc.Overrides {
				out.Overrides = append(out.Overrides, offeringOut{InstanceType: string(o.InstanceType), Zone: lo.FromPtr(o.AvailabilityZone), Price: lo.FromPtr(o.Priority)})
			}
		}
		// Karpenter's override order is Go map iteration order (meaningless without NodeOverlays); sort for stable output.
		sort.SliceStable(out.Overrides, func(i, j int) bool {
			a, b := out.Overrides[i], out.Overrides[j]
			if a.Price != b.Price {
				return a.Price < b.Price
			}
			if a.InstanceType != b.InstanceType {
				return a.InstanceType < b.InstanceType
			}
			return a.Zone < b.Zone
		})
		best := math.Inf(1)
		for _, o := range out.Overrides {
			if o.Price < best {
				best = o.Price
				cp := o
				cp.CapacityType = out.CapacityType
				out.Cheapest = &cp
			}
		}
	}
	if err != nil {
		out.Error = err.Error()
		return out
	}
	out.Instance = &instanceOut{
		InstanceType: created.Labels[corev1.LabelInstanceTypeStable],
		Zone:         created.Labels[corev1.LabelTopologyZone],
		CapacityType: created.Labels[karpv1.CapacityTypeLabelKey],
	}
	return out
}

func convertInto(in any, out any) error {
	m, ok := in.(map[string]any)
	if !ok {
		return errors.New("status is not an object")
	}
	return runtime.DefaultUnstructuredConverter.FromUnstructured(m, out)
}
