# Enclave's front door. CMake does the building; this file names the jobs.
#
#   make          install missing build packages, build build/enclave (release)
#   make test     install missing packages, build build-test/ with ASan+UBSan, run every test
#   make demo     build, then run the main job on examples/ (into build/demo/)
#   make bench    build, then run bench/ against the reference tools
#   make fuzz     build the libFuzzer targets with clang (build-fuzz/)
#   make lint     clang-format check
#   make clean    remove the build trees

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD ?= build
TEST_BUILD ?= build-test
FUZZ_BUILD ?= build-fuzz

.PHONY: all deps build test test-deps demo bench fuzz lint clean install

all: build

deps:
	@scripts/deps.sh build

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DENCLAVE_BUILD_TESTS=OFF
	cmake --build $(BUILD) -j $(JOBS)

test-deps:
	@scripts/deps.sh test

test: test-deps
	cmake -S . -B $(TEST_BUILD) -DCMAKE_BUILD_TYPE=Debug -DENCLAVE_SANITIZE=ON -DENCLAVE_BUILD_TESTS=ON
	cmake --build $(TEST_BUILD) -j $(JOBS)
	cd $(TEST_BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh $(BUILD)/enclave

bench: build
	@scripts/deps.sh bench
	@bench/run.sh $(BUILD)/enclave

fuzz:
	@scripts/deps.sh test
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DENCLAVE_BUILD_FUZZERS=ON -DENCLAVE_BUILD_TESTS=OFF
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

lint:
	@scripts/lint.sh

install: build
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(TEST_BUILD) $(FUZZ_BUILD)
