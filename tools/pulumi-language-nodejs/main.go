// Copyright 2026, the pulumi-postgres-roles authors.
// Licensed under the Apache License, Version 2.0.
//
// This exists only because the official Node.js language host (module
// github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not available from the Go module
// proxy on the machines this project is developed and tested on, which cannot download Pulumi's release
// binaries either. A user's machine uses the official host shipped with the Pulumi CLI, not this one.
//
// A minimal stand-in for Pulumi's Node.js language host (`pulumi-language-nodejs`), built by
// scripts/install-pulumi-cli.sh; it depends only on github.com/pulumi/pulumi/sdk/v3 and gRPC.
//
// It implements what `pulumi up/preview/refresh/destroy`, `pulumi install`, `pulumi about` and the
// Automation API need for Node.js (JavaScript or TypeScript via ts-node) programs:
// Handshake, GetPluginInfo, GetRequiredPackages, Run, InstallDependencies, RuntimeOptionsPrompts,
// Template, About, GetProgramDependencies and Cancel. Code generation, packing, linking and running
// Node.js plugins (component providers, policy packs) are not implemented.
//
// Differences from the official host, by design: no resource-monitor proxy and no synchronous-invoke
// pipes (the program talks to the engine's monitor directly; `--sync` is optional in @pulumi/pulumi and
// only serves the long-deprecated synchronous invokes), no bun runtime, no debugger attachment, no fnm.
// The command line given to `node` is otherwise the same: `<@pulumi/pulumi/cmd/run> --monitor ...
// --engine ... --organization ... --project ... --root-directory ... --stack ... --pwd ... [--dry-run]
// --parallel N [--tracing ...] <entry point> [args...]`, with PULUMI_CONFIG, PULUMI_CONFIG_SECRET_KEYS,
// PULUMI_NODEJS_TYPESCRIPT and PULUMI_NODEJS_TSCONFIG_PATH in the environment.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/shlex"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/logging"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	"github.com/pulumi/pulumi/sdk/v3/nodejs/npm"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

const (
	// The module that runs a Pulumi program; PULUMI_LANGUAGE_NODEJS_RUN_PATH overrides it (as upstream).
	defaultRunPath = "@pulumi/pulumi/cmd/run"
	// Exit code with which @pulumi/pulumi signals "an actionable message was already shown".
	exitCodeAlreadyReported = 32
)

func main() {
	var tracing, runtimeName string
	flag.StringVar(&tracing, "tracing", "", "Emit tracing to a Zipkin-compatible tracing endpoint")
	flag.StringVar(&runtimeName, "runtime", "nodejs", "Runtime to use; only `nodejs` is supported")
	showVersion := flag.Bool("version", false, "Print the plugin version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		os.Exit(0)
	}
	if runtimeName != "nodejs" {
		cmdutil.Exit(fmt.Errorf("unsupported runtime: %s (this minimal host only supports nodejs)", runtimeName))
	}

	logging.InitLogging(false, 0, false)
	cmdutil.InitTracing("pulumi-language-nodejs", "pulumi-language-nodejs", tracing)

	// The engine passes its own gRPC address as the last positional argument.
	var engineAddress string
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[len(args)-1]
	}

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	cancelChannel := make(chan bool)
	go func() {
		<-ctx.Done()
		cancel()
		close(cancelChannel)
	}()

	host := newLanguageHost(engineAddress, tracing)
	if engineAddress != "" {
		// Exit when the engine goes away, so that no language host outlives its CLI.
		if err := rpcutil.Healthcheck(ctx, engineAddress, 5*time.Minute, cancel); err != nil {
			cmdutil.Exit(fmt.Errorf("could not start health check host RPC server: %w", err))
		}
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancelChannel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
		Options: rpcutil.TracingServerInterceptorOptions(nil),
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start language host RPC server: %w", err))
	}

	// Tell the engine which port to talk to.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

type nodeLanguageHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	mu            sync.Mutex
	engineAddress string
	tracing       string
	cancelCtx     context.Context
	cancelFunc    context.CancelFunc
}

func newLanguageHost(engineAddress, tracing string) *nodeLanguageHost {
	ctx, cancel := context.WithCancel(context.Background())
	return &nodeLanguageHost{
		engineAddress: engineAddress,
		tracing:       tracing,
		cancelCtx:     ctx,
		cancelFunc:    cancel,
	}
}

func (host *nodeLanguageHost) engine() string {
	host.mu.Lock()
	defer host.mu.Unlock()
	return host.engineAddress
}

// nodeOptions are the `runtime.options` of Pulumi.yaml that matter here.
type nodeOptions struct {
	typescript     bool   // run TypeScript through ts-node (default true)
	tsconfigpath   string // tsconfig.json to use
	nodeargs       string // extra arguments for node
	packagemanager npm.PackageManagerType
}

func parseOptions(info *pulumirpc.ProgramInfo) (nodeOptions, error) {
	opts := nodeOptions{typescript: true, packagemanager: npm.AutoPackageManager}
	if info == nil || info.Options == nil {
		return opts, nil
	}
	options := info.Options.AsMap()
	if v, ok := options["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, errors.New("typescript option must be a boolean")
		}
		opts.typescript = b
	}
	if v, ok := options["tsconfig"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("tsconfigpath option must be a string")
		}
		opts.tsconfigpath = s
	}
	if v, ok := options["nodeargs"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("nodeargs option must be a string")
		}
		opts.nodeargs = s
	}
	if v, ok := options["packagemanager"]; ok {
		s, ok := v.(string)
		if !ok {
			return opts, errors.New("packagemanager option must be a string")
		}
		switch pm := npm.PackageManagerType(s); pm {
		case npm.AutoPackageManager, npm.NpmPackageManager, npm.YarnPackageManager,
			npm.PnpmPackageManager, npm.BunPackageManager:
			opts.packagemanager = pm
		default:
			return opts, fmt.Errorf("packagemanager option must be one of auto, npm, yarn, pnpm or bun, got %q", s)
		}
	}
	return opts, nil
}

func programDirectory(info *pulumirpc.ProgramInfo) string {
	if info != nil && info.ProgramDirectory != "" {
		return info.ProgramDirectory
	}
	wd, _ := os.Getwd()
	return wd
}

// Handshake is called by engines that attach to an already running language host.
func (host *nodeLanguageHost) Handshake(ctx context.Context,
	req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	host.mu.Lock()
	host.engineAddress = req.EngineAddress
	host.mu.Unlock()
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (host *nodeLanguageHost) GetPluginInfo(ctx context.Context, req *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPackages reports the resource plugins declared by packages under node_modules (a package.json
// with `"pulumi": {"resource": true}`), like the official host. Programs that only use @pulumi/pulumi
// (dynamic providers included) need none.
func (host *nodeLanguageHost) GetRequiredPackages(ctx context.Context,
	req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	packages, err := packagesFromDir(programDirectory(req.Info), false, map[string]struct{}{})
	if err != nil {
		logging.V(3).Infof("one or more errors while discovering plugins: %s", err)
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

type pulumiPackageJSON struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Pulumi  struct {
		Resource         bool   `json:"resource"`
		Name             string `json:"name"`
		Version          string `json:"version"`
		Server           string `json:"server"`
		Parameterization *struct {
			Name    string `json:"name"`
			Version string `json:"version"`
			Value   []byte `json:"value"`
		} `json:"parameterization"`
	} `json:"pulumi"`
}

func packagesFromDir(dir string, inNodeModules bool, visited map[string]struct{},
) ([]*pulumirpc.PackageDependency, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if _, seen := visited[dir]; seen {
		return nil, nil
	}
	visited[dir] = struct{}{}

	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading plugin dir %s: %w", dir, err)
	}
	var packages []*pulumirpc.PackageDependency
	var errs []error
	for _, entry := range entries {
		name := entry.Name()
		curr := filepath.Join(dir, name)
		isDir := entry.IsDir()
		if entry.Type()&fs.ModeSymlink != 0 {
			resolved, err := filepath.EvalSymlinks(curr)
			if err != nil {
				continue // dangling links are common in node_modules/.bin
			}
			fi, err := os.Stat(resolved)
			if err != nil {
				continue
			}
			curr, isDir = resolved, fi.IsDir()
		}
		if isDir {
			// Plugins of a nested policy pack are not dependencies of the program.
			if _, err := os.Stat(filepath.Join(curr, "PulumiPolicy.yaml")); err == nil {
				continue
			}
			more, err := packagesFromDir(curr, inNodeModules || filepath.Base(dir) == "node_modules", visited)
			if err != nil {
				errs = append(errs, err)
			}
			packages = append(packages, more...)
			continue
		}
		if !inNodeModules || name != "package.json" {
			continue
		}
		b, err := os.ReadFile(curr)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var info pulumiPackageJSON
		if err := json.Unmarshal(b, &info); err != nil {
			errs = append(errs, fmt.Errorf("unmarshaling package.json %s: %w", curr, err))
			continue
		}
		if !info.Pulumi.Resource {
			continue
		}
		pluginName := info.Pulumi.Name
		if pluginName == "" {
			if !strings.HasPrefix(info.Name, "@pulumi/") {
				errs = append(errs, fmt.Errorf("missing property \"name\" for the third-party plugin '%v' "+
					"inside package.json under the \"pulumi\" section", info.Name))
				continue
			}
			pluginName = strings.TrimPrefix(info.Name, "@pulumi/")
		}
		pluginVersion := info.Pulumi.Version
		if pluginVersion == "" {
			pluginVersion = info.Version
		}
		if pluginVersion == "" {
			errs = append(errs, fmt.Errorf("missing \"version\" in %s", curr))
			continue
		}
		if !strings.HasPrefix(pluginVersion, "v") {
			pluginVersion = "v" + pluginVersion
		}
		dep := &pulumirpc.PackageDependency{
			Name:    pluginName,
			Kind:    "resource",
			Version: pluginVersion,
			Server:  info.Pulumi.Server,
		}
		if p := info.Pulumi.Parameterization; p != nil {
			dep.Parameterization = &pulumirpc.PackageParameterization{
				Name: p.Name, Version: p.Version, Value: p.Value,
			}
		}
		packages = append(packages, dep)
	}
	return packages, errors.Join(errs...)
}

// GetRequiredPlugins is the pre-GetRequiredPackages API; the engine only uses it as a fallback.
func (host *nodeLanguageHost) GetRequiredPlugins(ctx context.Context,
	req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return nil, status.Errorf(codes.Unimplemented, "method GetRequiredPlugins not implemented")
}

// locateModule resolves a module the way the program will (from its folder).
func locateModule(ctx context.Context, mod, programDir, nodeBin string) (string, error) {
	script := fmt.Sprintf("try { console.log(require.resolve(%q)); } catch (error) { "+
		"if (error.code === 'MODULE_NOT_FOUND') { console.error(\"It looks like the Pulumi SDK has not been "+
		"installed. Have you run pulumi install?\"); } else { console.error(error.message); } process.exit(1); }",
		mod)
	cmd := exec.CommandContext(ctx, nodeBin, "-e", script)
	cmd.Dir = programDir
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", errors.New(strings.TrimSpace(string(ee.Stderr)))
		}
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// Run runs the program: node <@pulumi/pulumi/cmd/run> <flags> <entry point> <args>.
func (host *nodeLanguageHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: "could not find node on the $PATH: " + err.Error()}, nil
	}
	programDir := programDirectory(req.Info)

	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		runPath = defaultRunPath
	}
	runPath, err = locateModule(ctx, runPath, programDir, nodeBin)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	opts, err := parseOptions(req.Info)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	configJSON, err := constructConfig(req)
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize configuration: " + err.Error()}, nil
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return &pulumirpc.RunResponse{Error: "failed to serialize configuration secret keys: " + err.Error()}, nil
	}

	env := os.Environ()
	env = append(env, "PULUMI_CONFIG="+configJSON, "PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigpath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigpath)
	}

	nodeArgs, err := shlex.Split(opts.nodeargs)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	nodeArgs = append(nodeArgs, host.constructArguments(req, runPath)...)
	logging.V(5).Infof("Language host launching process: %s %s", nodeBin, strings.Join(nodeArgs, " "))

	// Stop the program when the Cancel RPC arrives or the request ends.
	cmdCtx, cmdCancel := context.WithCancel(host.cancelCtx)
	defer cmdCancel()
	stop := context.AfterFunc(ctx, cmdCancel)
	defer stop()

	cmd := exec.CommandContext(cmdCtx, nodeBin, nodeArgs...)
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = env
	// Node may switch its stdio to non-blocking mode; wrapping the writers makes exec copy through a pipe.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}

	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			switch code := exitErr.ExitCode(); code {
			case 0:
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exitErr)}, nil
			case exitCodeAlreadyReported:
				return &pulumirpc.RunResponse{Bail: true}, nil
			default:
				return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", code)}, nil
			}
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func (host *nodeLanguageHost) constructArguments(req *pulumirpc.RunRequest, runPath string) []string {
	args := []string{runPath}
	maybeAppendArg := func(k, v string) {
		if v != "" {
			args = append(args, "--"+k, v)
		}
	}
	maybeAppendArg("monitor", req.GetMonitorAddress())
	maybeAppendArg("engine", host.engine())
	maybeAppendArg("organization", req.GetOrganization())
	maybeAppendArg("project", req.GetProject())
	maybeAppendArg("root-directory", req.GetInfo().GetRootDirectory())
	maybeAppendArg("stack", req.GetStack())
	maybeAppendArg("pwd", programDirectory(req.Info))
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	maybeAppendArg("parallel", strconv.Itoa(int(req.GetParallel())))
	maybeAppendArg("tracing", host.tracing)

	entryPoint := req.GetInfo().GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args = append(args, entryPoint)
	return append(args, req.GetArgs()...)
}

// constructConfig serializes the stack configuration in the `<namespace>:config:<name>` form that every
// version of @pulumi/pulumi understands.
func constructConfig(req *pulumirpc.RunRequest) (string, error) {
	configMap := req.GetConfig()
	if configMap == nil {
		return "{}", nil
	}
	transformed := make(map[string]string, len(configMap))
	for k, v := range configMap {
		pk, err := config.ParseKey(k)
		if err != nil {
			return "", err
		}
		transformed[pk.Namespace()+":config:"+pk.Name()] = v
	}
	b, err := json.Marshal(transformed)
	return string(b), err
}

// InstallDependencies runs the project's package manager (npm, yarn, pnpm or bun; auto-detected).
func (host *nodeLanguageHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.IsTerminal)
	if err != nil {
		return err
	}
	defer closer.Close()

	opts, err := parseOptions(req.Info)
	if err != nil {
		return fmt.Errorf("failed to parse options: %w", err)
	}
	dir := programDirectory(req.Info)
	if req.Info == nil && req.Directory != "" {
		dir = req.Directory
	}
	fmt.Fprintf(stdout, "Installing dependencies...\n\n")
	root := dir
	if ws, err := npm.FindWorkspaceRoot(dir); err == nil {
		fmt.Fprintf(stdout, "Detected workspace root at %s\n", ws)
		root = ws
	} else if !errors.Is(err, npm.ErrNotInWorkspace) {
		return fmt.Errorf("failure while trying to find workspace root: %w", err)
	}
	if _, err := npm.Install(server.Context(), opts.packagemanager, root, false, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (host *nodeLanguageHost) RuntimeOptionsPrompts(ctx context.Context,
	req *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	var prompts []*pulumirpc.RuntimeOptionPrompt
	var raw map[string]any
	if req.Info != nil && req.Info.Options != nil {
		raw = req.Info.Options.AsMap()
	}
	if _, ok := raw["packagemanager"]; !ok {
		prompts = append(prompts, &pulumirpc.RuntimeOptionPrompt{
			Key:         "packagemanager",
			Description: "The package manager to use for installing dependencies",
			PromptType:  pulumirpc.RuntimeOptionPrompt_STRING,
			Choices:     plugin.MakeExecutablePromptChoices("npm", "pnpm", "yarn", "bun"),
			Default: &pulumirpc.RuntimeOptionPrompt_RuntimeOptionValue{
				PromptType: pulumirpc.RuntimeOptionPrompt_STRING, StringValue: "npm",
			},
		})
	}
	return &pulumirpc.RuntimeOptionsResponse{Prompts: prompts}, nil
}

func (host *nodeLanguageHost) Template(ctx context.Context,
	req *pulumirpc.TemplateRequest,
) (*pulumirpc.TemplateResponse, error) {
	return &pulumirpc.TemplateResponse{}, nil
}

func (host *nodeLanguageHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts, err := parseOptions(req.Info)
	if err != nil {
		return nil, fmt.Errorf("failed to parse options: %w", err)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find executable \"node\": %w", err)
	}
	resp := &pulumirpc.AboutResponse{Executable: nodeBin, Metadata: map[string]string{}}
	if out, err := exec.CommandContext(ctx, nodeBin, "--version").Output(); err == nil {
		resp.Version = strings.TrimSpace(string(out))
	}
	if pm, err := npm.ResolvePackageManager(opts.packagemanager, programDirectory(req.Info)); err == nil {
		resp.Metadata["packagemanager"] = pm.Name()
		if v, err := pm.Version(); err == nil {
			resp.Metadata["packagemanagerVersion"] = v.String()
		}
	}
	return resp, nil
}

func (host *nodeLanguageHost) GetProgramDependencies(ctx context.Context,
	req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := parseOptions(req.Info)
	if err != nil {
		return nil, fmt.Errorf("failed to parse options: %w", err)
	}
	dir := programDirectory(req.Info)
	pm, err := npm.ResolvePackageManager(opts.packagemanager, dir)
	if err != nil {
		return nil, fmt.Errorf("failed to determine package manager: %w", err)
	}
	packages, err := pm.ListPackages(ctx, dir, req.TransitiveDependencies)
	if err != nil {
		return nil, fmt.Errorf("failed to get node dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, len(packages))
	for i, p := range packages {
		deps[i] = &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

func (host *nodeLanguageHost) Cancel(ctx context.Context, req *emptypb.Empty) (*emptypb.Empty, error) {
	host.cancelFunc()
	return &emptypb.Empty{}, nil
}
