# UserDisk: `make test` is the test command (CI runs it through .ci/run); `make bench` measures.
SHELL := /bin/bash
DOTNET ?= dotnet
CONFIG ?= Release
BENCH_ARGS ?= --filter '*'

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

.PHONY: all deps native build run test lint format bench clean abi-dump-c abi-dump

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

## bench: BenchmarkDotNet engine benchmarks; BENCH_ARGS=scst-emulator runs the scst_user throughput matrix (numbers go to perf/RESULTS.md)
bench: native
	$(DOTNET) run -c Release --project perf/bench -- $(BENCH_ARGS)

clean:
	$(DOTNET) clean UserDisk.sln -v quiet
	$(MAKE) -C native-shim clean
	rm -rf artifacts
