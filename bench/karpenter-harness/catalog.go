package main

// Reading the catalogue folder (ours) and turning it into the AWS API responses the provider's fake EC2 / pricing
// APIs hand to Karpenter's own providers. Nothing here computes anything Karpenter computes: no overhead, no max pods,
// no offerings, no prices per capacity type. We only answer the API calls the provider makes.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/samber/lo"

	"github.com/aws/karpenter-provider-aws/pkg/fake"
)

const region = "us-east-1"

type catalog struct {
	instanceTypes *ec2.DescribeInstanceTypesOutput
	offerings     *ec2.DescribeInstanceTypeOfferingsOutput
	onDemand      map[string]float64
	spotHistory   *ec2.DescribeSpotPriceHistoryOutput // nil when the folder has no spot-price-history.json
	zones         []string
}

// spot history as the AWS CLI prints it; Timestamp is an RFC3339 string there.
type cliSpotPrice struct {
	AvailabilityZone   string
	InstanceType       string
	ProductDescription string
	SpotPrice          string
	Timestamp          string
}

func readJSON(path string, into any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, into); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func loadCatalog(dir string) (*catalog, error) {
	c := &catalog{}
	var its ec2.DescribeInstanceTypesOutput
	if err := readJSON(filepath.Join(dir, "instance-types.json"), &its); err != nil {
		return nil, err
	}
	// Real EC2 applies the filters the provider sends (instancetype.go UpdateInstanceTypes:
	// supported-virtualization-type=hvm, processor-info.supported-architecture in x86_64,arm64); the fake ignores
	// filters, so apply them here.
	its.InstanceTypes = lo.Filter(its.InstanceTypes, func(it ec2types.InstanceTypeInfo, _ int) bool {
		if len(it.SupportedVirtualizationTypes) > 0 && !lo.Contains(it.SupportedVirtualizationTypes, ec2types.VirtualizationTypeHvm) {
			return false
		}
		return it.ProcessorInfo != nil && lo.SomeBy(it.ProcessorInfo.SupportedArchitectures, func(a ec2types.ArchitectureType) bool {
			return a == ec2types.ArchitectureTypeX8664 || a == ec2types.ArchitectureTypeArm64
		})
	})
	c.instanceTypes = &its
	var ofs ec2.DescribeInstanceTypeOfferingsOutput
	if err := readJSON(filepath.Join(dir, "instance-type-offerings.json"), &ofs); err != nil {
		return nil, err
	}
	ofs.InstanceTypeOfferings = lo.Filter(ofs.InstanceTypeOfferings, func(o ec2types.InstanceTypeOffering, _ int) bool {
		return o.LocationType == "" || o.LocationType == ec2types.LocationTypeAvailabilityZone
	})
	c.offerings = &ofs
	c.zones = lo.Uniq(lo.Map(ofs.InstanceTypeOfferings, func(o ec2types.InstanceTypeOffering, _ int) string { return lo.FromPtr(o.Location) }))
	sort.Strings(c.zones)
	if err := readJSON(filepath.Join(dir, "on-demand-prices.json"), &c.onDemand); err != nil {
		return nil, err
	}
	spotPath := filepath.Join(dir, "spot-price-history.json")
	if _, err := os.Stat(spotPath); err == nil {
		var raw struct{ SpotPriceHistory []cliSpotPrice }
		if err := readJSON(spotPath, &raw); err != nil {
			return nil, err
		}
		// DescribeSpotPriceHistory with StartTime=now (what pricing.go UpdateSpotPricing sends) returns the price in
		// effect now: one record per (type, zone, product). Keep the newest record of each, and only the two Linux
		// product descriptions the provider asks for (the fake ignores the request's filters).
		latest := map[string]ec2types.SpotPrice{}
		for i, r := range raw.SpotPriceHistory {
			if r.ProductDescription != "" && r.ProductDescription != "Linux/UNIX" && r.ProductDescription != "Linux/UNIX (Amazon VPC)" {
				continue
			}
			if _, err := strconv.ParseFloat(r.SpotPrice, 64); err != nil {
				return nil, fmt.Errorf("%s: record %d: SpotPrice %q is not a number", spotPath, i, r.SpotPrice)
			}
			ts := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			if r.Timestamp != "" {
				t, err := time.Parse(time.RFC3339, r.Timestamp)
				if err != nil {
					return nil, fmt.Errorf("%s: record %d: Timestamp %q: %w", spotPath, i, r.Timestamp, err)
				}
				ts = t
			}
			key := r.InstanceType + "/" + r.AvailabilityZone + "/" + r.ProductDescription
			if prev, ok := latest[key]; ok && prev.Timestamp.After(ts) {
				continue
			}
			latest[key] = ec2types.SpotPrice{
				AvailabilityZone:   lo.ToPtr(r.AvailabilityZone),
				InstanceType:       ec2types.InstanceType(r.InstanceType),
				ProductDescription: ec2types.RIProductDescription(lo.Ternary(r.ProductDescription == "", "Linux/UNIX", r.ProductDescription)),
				SpotPrice:          lo.ToPtr(r.SpotPrice),
				Timestamp:          lo.ToPtr(ts),
			}
		}
		keys := lo.Keys(latest)
		sort.Strings(keys)
		c.spotHistory = &ec2.DescribeSpotPriceHistoryOutput{SpotPriceHistory: lo.Map(keys, func(k string, _ int) ec2types.SpotPrice { return latest[k] })}
	}
	if len(c.instanceTypes.InstanceTypes) == 0 || len(c.zones) == 0 {
		return nil, fmt.Errorf("%s: catalogue has no instance types or no zones", dir)
	}
	return c, nil
}

// pricingOutput renders the on-demand price file as AWS Pricing API GetProducts items, in the shape the provider's
// own parser (pricing.go onDemandPage) reads, using the provider's own fake.NewOnDemandPrice helper.
func (c *catalog) pricingOutput() *pricing.GetProductsOutput {
	names := lo.Keys(c.onDemand)
	sort.Strings(names)
	return &pricing.GetProductsOutput{PriceList: lo.Map(names, func(n string, _ int) string { return fake.NewOnDemandPrice(n, c.onDemand[n]) })}
}

// zoneID is our own stand-in for the AWS zone ID (real IDs differ per account); it only feeds the
// topology.k8s.aws/zone-id label.
func zoneID(zone string) string {
	suffix := zone[len(zone)-1:]
	n := int(suffix[0]-'a') + 1
	return fmt.Sprintf("use1-az%d", n)
}
