package main

// Wiring Karpenter's own code: the AWS provider's providers and cloudprovider built the way
// github.com/aws/karpenter-provider-aws/pkg/operator/operator.go NewOperator and cmd/controller/main.go build them,
// with the fake AWS APIs from the provider's pkg/fake (wrapped in awsfakes.go) in place of the SDK clients.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/patrickmn/go-cache"
	"github.com/samber/lo"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	awsv1 "github.com/aws/karpenter-provider-aws/pkg/apis/v1"
	awscache "github.com/aws/karpenter-provider-aws/pkg/cache"
	awscloudprovider "github.com/aws/karpenter-provider-aws/pkg/cloudprovider"
	"github.com/aws/karpenter-provider-aws/pkg/controllers/nodeclass"
	"github.com/aws/karpenter-provider-aws/pkg/fake"
	awsoperator "github.com/aws/karpenter-provider-aws/pkg/operator"
	awsoptions "github.com/aws/karpenter-provider-aws/pkg/operator/options"
	"github.com/aws/karpenter-provider-aws/pkg/providers/amifamily"
	"github.com/aws/karpenter-provider-aws/pkg/providers/arczonalshift"
	"github.com/aws/karpenter-provider-aws/pkg/providers/capacityreservation"
	"github.com/aws/karpenter-provider-aws/pkg/providers/instance"
	"github.com/aws/karpenter-provider-aws/pkg/providers/instanceprofile"
	"github.com/aws/karpenter-provider-aws/pkg/providers/instancetype"
	"github.com/aws/karpenter-provider-aws/pkg/providers/launchtemplate"
	"github.com/aws/karpenter-provider-aws/pkg/providers/placementgroup"
	"github.com/aws/karpenter-provider-aws/pkg/providers/pricing"
	"github.com/aws/karpenter-provider-aws/pkg/providers/securitygroup"
	ssmp "github.com/aws/karpenter-provider-aws/pkg/providers/ssm"
	"github.com/aws/karpenter-provider-aws/pkg/providers/subnet"
	"github.com/aws/karpenter-provider-aws/pkg/providers/version"

	corecloudprovider "sigs.k8s.io/karpenter/pkg/cloudprovider"
	"sigs.k8s.io/karpenter/pkg/cloudprovider/metrics"
	"sigs.k8s.io/karpenter/pkg/cloudprovider/overlay"
	"sigs.k8s.io/karpenter/pkg/controllers/nodeoverlay"
	"sigs.k8s.io/karpenter/pkg/events"
	coreoptions "sigs.k8s.io/karpenter/pkg/operator/options"
)

// karpenterArgs are the only command-line arguments we hand to Karpenter's own option parsing. --cluster-name is
// required by the AWS options' validation (options_validation.go); everything else keeps the flag defaults.
var karpenterArgs = []string{"--cluster-name=karpenter-harness"}

// parseKarpenterOptions runs the operator's own flag parsing (core pkg/operator/injection WithOptionsOrDie: every
// Injectable's AddFlags, then Parse) with the environment cleared, so the values are exactly the binary's defaults.
func parseKarpenterOptions(ctx context.Context) (context.Context, error) {
	saved := os.Environ()
	os.Clearenv()
	defer func() {
		for _, kv := range saved {
			k, v, _ := strings.Cut(kv, "=")
			os.Setenv(k, v)
		}
	}()
	fs := &coreoptions.FlagSet{FlagSet: flag.NewFlagSet("karpenter", flag.ContinueOnError)}
	injectables := coreoptions.Injectables // core Options + AWS Options (registered by awsoptions' init)
	for _, o := range injectables {
		o.AddFlags(fs)
	}
	for _, o := range injectables {
		if err := o.Parse(fs, karpenterArgs...); err != nil {
			return ctx, err
		}
	}
	for _, o := range injectables {
		ctx = o.ToContext(ctx)
	}
	// cmd/controller/main.go: if karpoptions.FromContext(ctx).FeatureGates.ReservedCapacity { v1.CapacityReservationsEnabled = true }
	if coreoptions.FromContext(ctx).FeatureGates.ReservedCapacity {
		awsv1.CapacityReservationsEnabled = true
	}
	return ctx, nil
}

type awsStack struct {
	ec2           *harnessEC2
	cloudProvider corecloudprovider.CloudProvider // decorated as in cmd/controller/main.go
	nodeClassCtrl *nodeclass.Controller
	pricing       *pricing.DefaultProvider
	spotErr       error
}

func newAWSStack(ctx context.Context, cat *catalog, kubeClient client.Client, kubeIface kubernetes.Interface, restConfig *rest.Config, recorder events.Recorder) (*awsStack, error) {
	clk := clock.RealClock{}
	amis := &amiRegistry{images: map[string]ec2types.Image{}}
	ec2api := newHarnessEC2(cat, amis)
	ssmapi := &harnessSSM{SSMAPI: fake.NewSSMAPI(), amis: amis}
	eksapi := fake.NewEKSAPI()
	serverVersion, err := kubeIface.Discovery().ServerVersion()
	if err != nil {
		return nil, err
	}
	eksapi.DescribeClusterBehavior.Output.Set(&eks.DescribeClusterOutput{Cluster: &ekstypes.Cluster{
		Name:                    lo.ToPtr(awsoptions.FromContext(ctx).ClusterName),
		Endpoint:                lo.ToPtr("https://karpenter-harness.invalid"),
		Version:                 lo.ToPtr(serverVersion.Major + "." + strings.TrimSuffix(serverVersion.Minor, "+")),
		KubernetesNetworkConfig: &ekstypes.KubernetesNetworkConfigResponse{ServiceIpv4Cidr: lo.ToPtr("10.100.0.0/16")},
	}})
	iamapi := fake.NewIAMAPI()
	pricingAPI := &fake.PricingAPI{}
	pricingAPI.GetProductsBehavior.Output.Set(cat.pricingOutput())

	opts := awsoptions.FromContext(ctx)
	clusterEndpoint, err := awsoperator.ResolveClusterEndpoint(ctx, eksapi)
	if err != nil {
		return nil, err
	}
	kubeDNSIP, _ := awsoperator.KubeDNSIP(ctx, kubeIface) // no kube-dns Service in envtest: nil, as the operator tolerates
	caBundle, err := awsoperator.GetCABundle(ctx, restConfig)
	if err != nil {
		return nil, err
	}
	zsProvider := arczonalshift.NewNoopProvider() // EnableZonalShift defaults to false
	unavailableOfferingsCache := awscache.NewUnavailableOfferings()
	ssmCache := cache.New(awscache.SSMCacheTTL, awscache.DefaultCleanupInterval)
	validationCache := cache.New(awscache.ValidationTTL, awscache.DefaultCleanupInterval)
	recreationCache := cache.New(awscache.RecreationTTL, awscache.DefaultCleanupInterval)
	subnetIPCacheTTL := max(awscache.AvailableIPAddressTTL, opts.SubnetRefreshInterval+(awscache.AvailableIPAddressTTL-awscache.DefaultTTL))
	subnetProvider := subnet.NewDefaultProvider(ec2api, cache.New(opts.SubnetRefreshInterval, awscache.DefaultCleanupInterval), cache.New(subnetIPCacheTTL, awscache.DefaultCleanupInterval))
	securityGroupProvider := securitygroup.NewDefaultProvider(ec2api, cache.New(awscache.DefaultTTL, awscache.DefaultCleanupInterval))
	instanceProfileProvider := instanceprofile.NewDefaultProvider(iamapi,
		cache.New(awscache.InstanceProfileTTL, awscache.DefaultCleanupInterval),
		cache.New(awscache.DefaultCleanupInterval, awscache.DefaultCleanupInterval),
		cache.New(awscache.ProtectedProfilesTTL, awscache.DefaultCleanupInterval), region)
	pricingProvider := pricing.NewDefaultProvider(pricingAPI, ec2api, region, opts.IsolatedVPC)
	versionProvider := version.NewDefaultProvider(kubeIface, eksapi)
	if err := versionProvider.UpdateVersion(ctx); err != nil {
		return nil, err
	}
	ssmProvider := ssmp.NewDefaultProvider(ssmapi, ssmCache)
	amiProvider := amifamily.NewDefaultProvider(clk, versionProvider, ssmProvider, ec2api, cache.New(opts.AMIRefreshInterval, awscache.DefaultCleanupInterval))
	placementGroupProvider := placementgroup.NewProvider(ec2api, cache.New(awscache.DefaultTTL, awscache.DefaultCleanupInterval), cache.New(awscache.PlacementGroupAvailabilityTTL, awscache.DefaultCleanupInterval))
	amiResolver := amifamily.NewDefaultResolver(region)
	elected := make(chan struct{})
	launchTemplateProvider := launchtemplate.NewDefaultProvider(ctx, cache.New(awscache.DefaultTTL, awscache.DefaultCleanupInterval),
		ec2api, eksapi, amiResolver, securityGroupProvider, subnetProvider, placementGroupProvider, caBundle, elected, kubeDNSIP, clusterEndpoint)
	capacityReservationProvider := capacityreservation.NewProvider(ec2api, clk,
		cache.New(awscache.DefaultTTL, awscache.DefaultCleanupInterval), cache.New(awscache.CapacityReservationAvailabilityTTL, awscache.DefaultCleanupInterval))
	instanceTypeProvider := instancetype.NewDefaultProvider(
		cache.New(awscache.InstanceTypesZonesAndOfferingsTTL, awscache.DefaultCleanupInterval),
		cache.New(awscache.InstanceTypesZonesAndOfferingsTTL, awscache.DefaultCleanupInterval),
		cache.New(awscache.DiscoveredCapacityCacheTTL, awscache.DefaultCleanupInterval),
		ec2api, subnetProvider, pricingProvider, capacityReservationProvider, placementGroupProvider, unavailableOfferingsCache,
		instancetype.NewDefaultResolver(region), zsProvider, kubeClient)
	// The pricing controller (pkg/controllers/providers/pricing) runs these at start-up and every 12 h.
	if err := pricingProvider.UpdateOnDemandPricing(ctx); err != nil {
		return nil, fmt.Errorf("on-demand pricing, %w", err)
	}
	spotErr := pricingProvider.UpdateSpotPricing(ctx)
	if err := instanceTypeProvider.UpdateInstanceTypes(ctx); err != nil {
		return nil, err
	}
	if err := instanceTypeProvider.UpdateInstanceTypeOfferings(ctx); err != nil {
		return nil, err
	}
	instanceProvider := instance.NewDefaultProvider(ctx, region, recorder, ec2api, unavailableOfferingsCache, subnetProvider,
		launchTemplateProvider, capacityReservationProvider, placementGroupProvider, zsProvider, cache.New(cache.NoExpiration, cache.NoExpiration))
	store := nodeoverlay.NewInstanceTypeStore()
	awsCP := awscloudprovider.New(instanceTypeProvider, instanceProvider, recorder, kubeClient, amiProvider, securityGroupProvider,
		capacityReservationProvider, placementGroupProvider, store, caBundle)
	overlayUndecorated := metrics.Decorate(awsCP)
	cp := overlay.Decorate(overlayUndecorated, kubeClient, store)
	ctrl := nodeclass.NewController(clk, kubeClient, cp, recorder, region, subnetProvider, securityGroupProvider, amiProvider,
		instanceProfileProvider, instanceTypeProvider, launchTemplateProvider, capacityReservationProvider, placementGroupProvider,
		ec2api, validationCache, recreationCache, amiResolver, opts.DisableDryRun)
	_ = ssmCache
	return &awsStack{ec2: ec2api, cloudProvider: cp, nodeClassCtrl: ctrl, pricing: pricingProvider, spotErr: spotErr}, nil
}

func newRecorder() events.Recorder { return events.NewRecorder(&record.FakeRecorder{}) }
