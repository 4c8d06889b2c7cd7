package main

// Thin wrappers around the provider's own fakes (github.com/aws/karpenter-provider-aws/pkg/fake). They only change
// answers the fakes give for the provider's test fixtures ("test-zone-1a", random AMI IDs) into answers that match our
// catalogue: one subnet per catalogue zone, one security group, and for every SSM AMI parameter the provider asks for a
// deterministic image of the architecture named in the parameter path.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/samber/lo"

	"github.com/aws/karpenter-provider-aws/pkg/fake"
)

type amiRegistry struct {
	mu     sync.Mutex
	images map[string]ec2types.Image // by image ID
}

func (r *amiRegistry) imageFor(seed string, arch ec2types.ArchitectureValues) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	sum := sha256.Sum256([]byte(seed))
	id := "ami-" + hex.EncodeToString(sum[:])[:17]
	if _, ok := r.images[id]; !ok {
		r.images[id] = ec2types.Image{
			ImageId:      lo.ToPtr(id),
			Name:         lo.ToPtr(strings.Trim(strings.ReplaceAll(seed, "/", "-"), "-")),
			Architecture: arch,
			CreationDate: lo.ToPtr("2026-08-01T00:00:00.000Z"),
			State:        ec2types.ImageStateAvailable,
			OwnerId:      lo.ToPtr("602401143452"),
		}
	}
	return id
}

func archFromText(s string) ec2types.ArchitectureValues {
	if strings.Contains(s, "arm64") || strings.Contains(s, "aarch64") {
		return ec2types.ArchitectureValuesArm64
	}
	return ec2types.ArchitectureValuesX8664
}

// harnessSSM answers every GetParameter (the AMI alias paths /aws/service/eks/optimized-ami/..., bottlerocket's
// /aws/service/bottlerocket/..., ssmParameter terms) with a deterministic AMI ID registered in the AMI registry.
type harnessSSM struct {
	*fake.SSMAPI
	amis *amiRegistry
}

func (s *harnessSSM) GetParameter(_ context.Context, input *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	name := lo.FromPtr(input.Name)
	id := s.amis.imageFor(name, archFromText(name))
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: input.Name, Value: lo.ToPtr(id)}}, nil
}

type harnessEC2 struct {
	*fake.EC2API
	amis    *amiRegistry
	subnets []ec2types.Subnet

	mu          sync.Mutex
	fleetInputs []*ec2.CreateFleetInput // non-dry-run CreateFleet requests exactly as the provider sent them
}

// CreateFleet records the provider's request, then hands the fake a copy whose launch template configs and overrides
// are ordered cheapest first (by the Priority the provider sets to the offering price). The fake launches the first
// override it is given, so the instance it returns is the cheapest offering: what lowest-price (on-demand) and
// price-capacity-optimized (spot) pick when every pool has ample capacity. Karpenter's own order of the overrides
// comes from Go map iteration and carries no meaning without NodeOverlays.
func (e *harnessEC2) CreateFleet(ctx context.Context, input *ec2.CreateFleetInput, opts ...func(*ec2.Options)) (*ec2.CreateFleetOutput, error) {
	if lo.FromPtr(input.DryRun) {
		return e.EC2API.CreateFleet(ctx, input, opts...)
	}
	e.mu.Lock()
	e.fleetInputs = append(e.fleetInputs, input)
	e.mu.Unlock()
	cp := *input
	cp.LaunchTemplateConfigs = make([]ec2types.FleetLaunchTemplateConfigRequest, len(input.LaunchTemplateConfigs))
	for i, ltc := range input.LaunchTemplateConfigs {
		ltc.Overrides = append([]ec2types.FleetLaunchTemplateOverridesRequest{}, ltc.Overrides...)
		sort.SliceStable(ltc.Overrides, func(a, b int) bool { return overrideLess(ltc.Overrides[a], ltc.Overrides[b]) })
		cp.LaunchTemplateConfigs[i] = ltc
	}
	sort.SliceStable(cp.LaunchTemplateConfigs, func(a, b int) bool {
		oa, ob := cp.LaunchTemplateConfigs[a].Overrides, cp.LaunchTemplateConfigs[b].Overrides
		if len(oa) == 0 || len(ob) == 0 {
			return len(oa) > len(ob)
		}
		return overrideLess(oa[0], ob[0])
	})
	return e.EC2API.CreateFleet(ctx, &cp, opts...)
}

func overrideLess(a, b ec2types.FleetLaunchTemplateOverridesRequest) bool {
	if pa, pb := lo.FromPtr(a.Priority), lo.FromPtr(b.Priority); pa != pb {
		return pa < pb
	}
	if a.InstanceType != b.InstanceType {
		return a.InstanceType < b.InstanceType
	}
	return lo.FromPtr(a.AvailabilityZone) < lo.FromPtr(b.AvailabilityZone)
}

func (e *harnessEC2) takeFleetInputs() []*ec2.CreateFleetInput {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.fleetInputs
	e.fleetInputs = nil
	return out
}

func newHarnessEC2(c *catalog, amis *amiRegistry) *harnessEC2 {
	e := &harnessEC2{EC2API: fake.NewEC2API(), amis: amis}
	for _, z := range c.zones {
		e.subnets = append(e.subnets, ec2types.Subnet{
			SubnetId:                lo.ToPtr("subnet-" + z),
			AvailabilityZone:        lo.ToPtr(z),
			AvailabilityZoneId:      lo.ToPtr(zoneID(z)),
			AvailableIpAddressCount: lo.ToPtr[int32](8187),
			MapPublicIpOnLaunch:     lo.ToPtr(false),
			VpcId:                   lo.ToPtr("vpc-harness"),
			Tags:                    []ec2types.Tag{{Key: lo.ToPtr("Name"), Value: lo.ToPtr("harness-" + z)}},
		})
	}
	e.DescribeInstanceTypesOutput.Set(c.instanceTypes)
	e.DescribeInstanceTypeOfferingsOutput.Set(c.offerings)
	e.DescribeAvailabilityZonesOutput.Set(&ec2.DescribeAvailabilityZonesOutput{AvailabilityZones: lo.Map(c.zones, func(z string, _ int) ec2types.AvailabilityZone {
		return ec2types.AvailabilityZone{ZoneName: lo.ToPtr(z), ZoneId: lo.ToPtr(zoneID(z)), ZoneType: lo.ToPtr("availability-zone"), RegionName: lo.ToPtr(region)}
	})})
	if c.spotHistory != nil {
		e.DescribeSpotPriceHistoryBehavior.Output.Set(c.spotHistory)
	} else {
		// No spot file: answer like an account with no spot price records. pricing.go UpdateSpotPricing then fails with
		// "no spot pricing found" and keeps its initial state.
		e.DescribeSpotPriceHistoryBehavior.Output.Set(&ec2.DescribeSpotPriceHistoryOutput{})
	}
	e.DescribeCapacityReservationsOutput.Set(&ec2.DescribeCapacityReservationsOutput{})
	e.DescribePlacementGroupsOutput.Set(&ec2.DescribePlacementGroupsOutput{})
	return e
}

func filterValues(filters []ec2types.Filter, name string) []string {
	for _, f := range filters {
		if lo.FromPtr(f.Name) == name {
			return f.Values
		}
	}
	return nil
}

// DescribeSubnets: every tag selector matches all catalogue subnets (one per zone); id selectors match by ID
// (subnet-<zone>).
func (e *harnessEC2) DescribeSubnets(_ context.Context, input *ec2.DescribeSubnetsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSubnetsOutput, error) {
	e.DescribeSubnetsBehavior.CalledWithInput.Add(input)
	ids := append(append([]string{}, input.SubnetIds...), filterValues(input.Filters, "subnet-id")...)
	if len(ids) == 0 {
		return &ec2.DescribeSubnetsOutput{Subnets: e.subnets}, nil
	}
	return &ec2.DescribeSubnetsOutput{Subnets: lo.Filter(e.subnets, func(s ec2types.Subnet, _ int) bool { return lo.Contains(ids, lo.FromPtr(s.SubnetId)) })}, nil
}

// DescribeSecurityGroups: one group for tag selectors; id/name selectors get a group of that id/name.
func (e *harnessEC2) DescribeSecurityGroups(_ context.Context, input *ec2.DescribeSecurityGroupsInput, _ ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error) {
	var out []ec2types.SecurityGroup
	for _, id := range append(append([]string{}, input.GroupIds...), filterValues(input.Filters, "group-id")...) {
		out = append(out, ec2types.SecurityGroup{GroupId: lo.ToPtr(id), GroupName: lo.ToPtr(id)})
	}
	for _, n := range append(append([]string{}, input.GroupNames...), filterValues(input.Filters, "group-name")...) {
		out = append(out, ec2types.SecurityGroup{GroupId: lo.ToPtr("sg-" + n), GroupName: lo.ToPtr(n)})
	}
	if len(out) == 0 {
		out = []ec2types.SecurityGroup{{GroupId: lo.ToPtr("sg-harness"), GroupName: lo.ToPtr("harness-node")}}
	}
	return &ec2.DescribeSecurityGroupsOutput{SecurityGroups: out}, nil
}

// DescribeImages: images registered through SSM answers; an image-id the harness never handed out (an `id`
// amiSelectorTerm) is synthesised with the architecture named in the ID (arm64/aarch64) or x86_64.
func (e *harnessEC2) DescribeImages(_ context.Context, input *ec2.DescribeImagesInput, _ ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error) {
	ids := append(append([]string{}, input.ImageIds...), filterValues(input.Filters, "image-id")...)
	out := &ec2.DescribeImagesOutput{}
	e.amis.mu.Lock()
	defer e.amis.mu.Unlock()
	if len(ids) == 0 {
		for _, img := range e.amis.images {
			out.Images = append(out.Images, img)
		}
		return out, nil
	}
	for _, id := range ids {
		img, ok := e.amis.images[id]
		if !ok {
			img = ec2types.Image{ImageId: lo.ToPtr(id), Name: lo.ToPtr(id), Architecture: archFromText(id), CreationDate: lo.ToPtr("2026-08-01T00:00:00.000Z"), State: ec2types.ImageStateAvailable}
		}
		out.Images = append(out.Images, img)
	}
	return out, nil
}
