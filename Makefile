# UserDisk: `make test` is the test command (CI runs it through .ci/run); `make bench` measures.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
BENCH_ARGS ?= --filter '*'

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all deps native build run test lint format bench perf clean abi-dump-c abi-dump image image-test

# Container image (make image): a self-contained single-file publish in a FROM scratch image (IMAGE_BASE picks
# another base, e.g. mcr.microsoft.com/dotnet/runtime-deps:10.0). TrimMode=partial trims the framework only:
# full trimming removes the constants the SCST ABI check reads by reflection (serve --frontend scst then refuses to
# start); IMAGE_TRIM=false publishes untrimmed (larger). Trim analysis warnings are not errors for this publish.
IMAGE ?= userdisk:latest
IMAGE_BASE ?= scratch
IMAGE_TRIM ?= partial
PUBLISH_DIR := artifacts/publish/linux-x64
IMAGE_CONTEXT := artifacts/image
PUBLISH_FLAGS := -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true -p:InvariantGlobalization=true \
  -p:DebugType=none -p:TreatWarningsAsErrors=false -p:SuppressTrimAnalysisWarnings=true \
  $(if $(filter false,$(IMAGE_TRIM)),-p:PublishTrimmed=false,-p:PublishTrimmed=true -p:TrimMode=$(IMAGE_TRIM) -p:JsonSerializerIsReflectionEnabledByDefault=true)

all: build

## deps: install what the build and the tests need (idempotent; waits for the apt lock)
deps:
	scripts/install-deps.sh

## native: build native-shim (the scst_user ABI header's layout table: build/libuserdisk_shim.so, build/abi-dump)
native:
	$(MAKE) -C native-shim

## abi-dump-c: print the layout table gcc computes from native-shim's header; SCST_INCLUDE=DIR uses DIR's SCST headers
abi-dump-c:
	@$(MAKE) -s -C native-shim $(if $(SCST_INCLUDE),SCST_INCLUDE=$(abspath $(SCST_INCLUDE)))
	@native-shim/$(if $(SCST_INCLUDE),build-scst,build)/abi-dump

## abi-dump: print the same table from the C# interop structs (diff it against abi-dump-c)
abi-dump:
	@$(DOTNET) build tools/UserDisk.AbiDump -c $(CONFIG) -nologo -v quiet >/dev/null
	@$(DOTNET) run --project tools/UserDisk.AbiDump -c $(CONFIG) --no-build

## build: compile everything, warnings as errors
build: native
	$(DOTNET) build UserDisk.sln -c $(CONFIG) -nologo -v quiet

## run: serve the default disks (src/UserDisk.Server/appsettings.json) through the embedded iSCSI target on 127.0.0.1:3260; data in .data/
run: deps build
	$(DOTNET) run -c $(CONFIG) --project src/UserDisk.Server --no-build -- serve --data-dir .data

## test: deps, build, format check, every test project; ends with "N passed, N failed"
test: deps native
	scripts/run-tests.sh

## lint: fail if `dotnet format` would change anything
lint:
	$(DOTNET) format UserDisk.sln --verify-no-changes -v quiet

## format: apply `dotnet format`
format:
	$(DOTNET) format UserDisk.sln -v quiet

## perf: fio suites, UserDisk beside tgtd in one run: table, JSON, PNG charts and index.html in perf/out/ (PERF_ARGS="--suite full", see perf/run --help)
PERF_ARGS ?= --suite quick
perf: deps build
	perf/run $(PERF_ARGS)

## bench: BenchmarkDotNet engine benchmarks; BENCH_ARGS=scst-emulator runs the scst_user throughput matrix (numbers go to perf/RESULTS.md)
bench: native
	$(DOTNET) run -c Release --project perf/bench -- $(BENCH_ARGS)

## image: build the container image $(IMAGE) (podman/buildah, no registry needed; containers/Containerfile says how to run it)
image: native
	scripts/install-image-tools.sh
	rm -rf $(PUBLISH_DIR)
	$(DOTNET) publish src/UserDisk.Server $(PUBLISH_FLAGS) -o $(PUBLISH_DIR) -nologo -v quiet
	scripts/image-rootfs.sh $(PUBLISH_DIR) $(IMAGE_CONTEXT)/rootfs
	buildah bud --isolation chroot -q --build-arg BASE=$(IMAGE_BASE) \
	  --build-arg VERSION=$$(git describe --tags --always 2>/dev/null || echo dev) --build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
	  -f containers/Containerfile -t $(IMAGE) $(IMAGE_CONTEXT)
	@echo "image: $(IMAGE) $$(podman image inspect --format '{{.Size}}' $(IMAGE)) bytes"

## image-test: run $(IMAGE) with podman on 127.0.0.1:3260/9090 and check it with iscsi-ls, iscsi-inq, qemu-img (write, read, restart)
image-test: image
	IMAGE=$(IMAGE) containers/image-test.sh

clean:
	$(DOTNET) clean UserDisk.sln -v quiet
	$(MAKE) -C native-shim clean
	rm -rf artifacts
