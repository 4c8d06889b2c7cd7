// karpenter-plan runs Karpenter v1.14.1's own provisioner (sigs.k8s.io/karpenter) and the AWS provider's own
// instance-type, pricing, offering and launch code (github.com/aws/karpenter-provider-aws) on scenario manifests and
// an instance-type catalogue, and prints what Karpenter would create, one JSON line per scenario.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	awsv1 "github.com/aws/karpenter-provider-aws/pkg/apis/v1"
	awsoptions "github.com/aws/karpenter-provider-aws/pkg/operator/options"
	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	coreoptions "sigs.k8s.io/karpenter/pkg/operator/options"
)

const (
	karpenterVersion   = "v1.14.1"
	awsProviderVersion = "v1.14.1"
)

const usage = `usage:
  karpenter-plan --catalog DIR --scenarios DIR [--only NAME] [--log-level error|info|debug]
  karpenter-plan --catalog DIR -f FILE [-f FILE...] [--name NAME] [--log-level ...]
  karpenter-plan --print-options   (the Karpenter option values in force, as JSON)
  karpenter-plan bench --inputs DIR  (Karpenter's scheduler timed on npm run bench:side-by-side's inputs; see bench.go)

Each immediate subfolder of --scenarios is one scenario (all its *.yaml files). Prints one JSON object per
scenario per line, in folder-name order. Needs kube-apiserver and etcd: $KUBEBUILDER_ASSETS, or the binaries
recorded by scripts/install-tools.sh in $KT_CACHE_DIR/tools.json (default ~/.cache/karpenter-temporal).
Exit status: 0 ok (per-scenario failures are in the "error" field), 1 bad input or start-up failure, 2 usage.`

type cliArgs struct {
	catalog, scenarios, only, name, logLevel string
	files                                    []string
	printOptions                             bool
}

func parseArgs(argv []string) (*cliArgs, error) {
	a := &cliArgs{logLevel: "error"}
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		key, val, hasVal := strings.Cut(arg, "=")
		next := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(argv) {
				return "", fmt.Errorf("%s needs a value", key)
			}
			i++
			return argv[i], nil
		}
		var err error
		switch key {
		case "--catalog", "-catalog":
			a.catalog, err = next()
		case "--scenarios", "-scenarios":
			a.scenarios, err = next()
		case "--only", "-only":
			a.only, err = next()
		case "--name", "-name":
			a.name, err = next()
		case "--log-level", "-log-level":
			a.logLevel, err = next()
		case "-f", "--file", "--filename":
			var f string
			f, err = next()
			a.files = append(a.files, f)
		case "--print-options":
			a.printOptions = true
		case "-h", "--help", "-help":
			fmt.Println(usage)
			os.Exit(0)
		default:
			return nil, fmt.Errorf("unknown argument %q", arg)
		}
		if err != nil {
			return nil, err
		}
	}
	if a.printOptions {
		return a, nil
	}
	switch {
	case a.catalog == "":
		return nil, errors.New("--catalog is required")
	case a.scenarios == "" && len(a.files) == 0:
		return nil, errors.New("one of --scenarios or -f is required")
	case a.scenarios != "" && len(a.files) > 0:
		return nil, errors.New("--scenarios and -f are exclusive")
	case a.only != "" && a.scenarios == "":
		return nil, errors.New("--only needs --scenarios")
	}
	if a.logLevel != "error" && a.logLevel != "info" && a.logLevel != "debug" {
		return nil, fmt.Errorf("--log-level must be error, info or debug")
	}
	return a, nil
}

func newLogger(level string) logr.Logger {
	lvl := map[string]zapcore.Level{"error": zapcore.ErrorLevel, "info": zapcore.InfoLevel, "debug": zapcore.DebugLevel}[level]
	return zap.New(zap.WriteTo(os.Stderr), zap.Level(lvl))
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		// As Karpenter's benchmark does (logging.NopLogger): logging is not part of the timed work.
		ctrllog.SetLogger(logr.Discard())
		os.Exit(runBench(os.Args[2:]))
	}
	a, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "karpenter-plan: %v\n%s\n", err, usage)
		os.Exit(2)
	}
	os.Exit(run(a))
}

func run(a *cliArgs) int {
	logger := newLogger(a.logLevel)
	ctrllog.SetLogger(logger)
	ctx := ctrllog.IntoContext(context.Background(), logger)
	die := func(err error) int {
		fmt.Fprintf(os.Stderr, "karpenter-plan: %v\n", err)
		return 1
	}
	if a.printOptions {
		// The option values Karpenter's own flag parsing yields with an empty environment (see karpenter.go).
		octx, err := parseKarpenterOptions(ctx)
		if err != nil {
			return die(err)
		}
		b, _ := json.MarshalIndent(map[string]any{"core": coreoptions.FromContext(octx), "aws": awsoptions.FromContext(octx),
			"awsv1.CapacityReservationsEnabled": awsv1.CapacityReservationsEnabled, "args": karpenterArgs}, "", "  ")
		fmt.Println(string(b))
		return 0
	}

	cat, err := loadCatalog(a.catalog)
	if err != nil {
		return die(fmt.Errorf("catalogue: %w", err))
	}
	var scenarios []*scenario
	if a.scenarios != "" {
		if scenarios, err = loadScenarioDir(a.scenarios, a.only); err != nil {
			return die(err)
		}
	} else {
		name := a.name
		if name == "" {
			name = "cli"
		}
		s, err := loadScenario(name, a.files)
		if err != nil {
			return die(err)
		}
		scenarios = []*scenario{s}
	}
	if ctx, err = parseKarpenterOptions(ctx); err != nil {
		return die(fmt.Errorf("karpenter options: %w", err))
	}
	c, err := startCluster(ctx)
	if err != nil {
		return die(err)
	}
	defer c.stop()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, s := range scenarios {
		out := runScenario(ctx, c, cat, s)
		if err := enc.Encode(out); err != nil {
			return die(err)
		}
	}
	return 0
}
