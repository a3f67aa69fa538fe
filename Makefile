# USVKit — `make demo` and `make test` do all the set-up a fresh Debian machine with Swift needs.
SWIFT ?= swift
DEBIAN_PACKAGES := libsndfile1-dev libhdf5-dev libfftw3-dev libopenblas-dev libarchive-dev libsqlite3-dev pkg-config \
                   libpng-dev zlib1g-dev python3-venv
# libpng: spectrogram pictures; zlib: compressed MATLAB elements; python3-venv: the Python peers of the tests and
# benchmarks (.build-py/, the versions of requirements.txt, made by Benchmarks/peers/setup.sh)
DEMO_DIR ?= demo-out
USV_RELEASE := .build/release/usv
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: all deps build release demo test bench fuzz fuzz-all fuzz-run fuzz-list clean completions man

all: build

## Install the Debian packages that are missing (nothing happens when all are present).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing" >&2; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >&2; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product usv

## The main job end to end on the embedded default: a synthetic twin of the Donders data set.
demo: release
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	@echo "== 1. Make a synthetic twin of the Donders data set (usv synth --scale small)"
	$(USV_RELEASE) synth $(DEMO_DIR)/dataset --scale small --seed 1
	@echo "== 2. Verify it against its MANIFEST.txt (the empty macOS Icon<CR> files are skipped OS artefacts)"
	$(USV_RELEASE) verify $(DEMO_DIR)/dataset --catalog $(DEMO_DIR)/catalog.sqlite
	@echo "== 3. Ingest it: verify (from the cache), detect every USV, store records, tables and provenance"
	$(USV_RELEASE) ingest $(DEMO_DIR)/dataset --catalog $(DEMO_DIR)/catalog.sqlite 2> $(DEMO_DIR)/ingest.log | head -n 12
	@echo "== 4. Query the catalog"
	$(USV_RELEASE) ls --catalog $(DEMO_DIR)/catalog.sqlite --sex male --min-duration 0.05 --limit 5
	$(USV_RELEASE) show 1 --catalog $(DEMO_DIR)/catalog.sqlite
	@echo "== 5. Draw the first detected USV (with 20 ms around it) as a picture"
	@first=$$($(USV_RELEASE) detect $(DEMO_DIR)/dataset/Data/RawRecordings/Sex/Rmale_Afem01.wav --csv | sed -n 2p); \
	  start=$${first%%,*}; rest=$${first#*,}; stop=$${rest%%,*}; \
	  $(USV_RELEASE) spectrogram $(DEMO_DIR)/dataset/Data/RawRecordings/Sex/Rmale_Afem01.wav \
	    --start $$(awk -v s=$$start 'BEGIN { print (s > 0.02 ? s - 0.02 : 0) }') --stop $$(awk -v s=$$stop 'BEGIN { print s + 0.02 }') \
	    --out $(DEMO_DIR)/first-usv.png
	@echo "== 6. Corrupt one byte of one recording and verify again (exit status 1 expected)"
	@printf '\377' | dd of=$(DEMO_DIR)/dataset/Data/RawRecordings/Sex/Rfem_Afem01.wav bs=1 seek=100000 conv=notrunc status=none
	@$(USV_RELEASE) verify $(DEMO_DIR)/dataset --catalog $(DEMO_DIR)/catalog.sqlite --json > $(DEMO_DIR)/verify-report.json; \
	  status=$$?; $(USV_RELEASE) verify $(DEMO_DIR)/dataset --catalog $(DEMO_DIR)/catalog.sqlite --quiet; \
	  echo "exit status $$status (JSON report: $(DEMO_DIR)/verify-report.json)"; test $$status -eq 1
	@echo "== 7. The registered plugins"
	$(USV_RELEASE) plugins | head -n 16
	@echo "== 8. Classify sex from the deposited features: ridge, linear SVM and MLP, leave one animal out, shuffled controls"
	$(USV_RELEASE) evaluate --model ridge,svm,mlp --task sex --protocol loao --features deposited --catalog $(DEMO_DIR)/catalog.sqlite \
	  --chart $(DEMO_DIR)/sex-loao.svg
	@echo "== 9. The same with a random 10-fold split over USVs (the same animals in training and test)"
	$(USV_RELEASE) evaluate --model ridge,svm,mlp --task sex --protocol kfold --folds 10 --seed 0 --features deposited \
	  --catalog $(DEMO_DIR)/catalog.sqlite | tail -n 3
	@echo "== 10. Train the MLP on everything, save it, and classify the catalog with the saved model"
	$(USV_RELEASE) train --model mlp --task sex --features deposited --out $(DEMO_DIR)/mlp-sex.h5 --catalog $(DEMO_DIR)/catalog.sqlite
	$(USV_RELEASE) classify --model $(DEMO_DIR)/mlp-sex.h5 --catalog $(DEMO_DIR)/catalog.sqlite

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Benchmarks against peers (sha256sum, scipy, …); figures go into the README's performance section.
bench: release
	@[ -x /usr/bin/time ] || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq time >&2; }  # peak-memory figures
	bash Benchmarks/run.sh

## Shell completion scripts for bash, zsh and fish (swift-argument-parser), in .build/completions/.
completions: release
	@mkdir -p .build/completions
	$(USV_RELEASE) --generate-completion-script bash > .build/completions/usv.bash
	$(USV_RELEASE) --generate-completion-script zsh > .build/completions/_usv
	$(USV_RELEASE) --generate-completion-script fish > .build/completions/usv.fish
	@echo "bash: source .build/completions/usv.bash (or copy it to /etc/bash_completion.d/usv); zsh: put _usv on your fpath; fish: copy usv.fish to ~/.config/fish/completions/"

## The man page usv.1 (swift-argument-parser's generate-manual plugin), in .build/man/.
man: deps
	$(SWIFT) package --allow-writing-to-directory .build/man generate-manual --product usv --output-directory .build/man
	@echo "read it with: man .build/man/usv.1"

## libFuzzer on one parser: make fuzz TARGET=mat-v5 SECONDS=120 (make fuzz-list names the targets). usv-fuzz is built
## with -sanitize=fuzzer,address (linked by lld: gold fails on the instrumented objects) into .build/fuzz; the corpus grows in .build/fuzz/corpus/TARGET, findings land in
## .build/fuzz/findings/TARGET (crash-…, leak detection off: the C libraries keep caches until exit).
TARGET ?= mat-v5
SECONDS ?= 120
FUZZ_BUILD := USV_FUZZ=1 $(SWIFT) build -c release --build-path .build/fuzz --product usv-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld
fuzz: deps
	$(FUZZ_BUILD)
	@$(MAKE) --no-print-directory fuzz-run TARGET=$(TARGET) SECONDS=$(SECONDS)

## Every target in turn, SECONDS each.
fuzz-all: deps
	$(FUZZ_BUILD)
	@for target in $$(.build/fuzz/release/usv-fuzz --list | cut -f1); do \
	  $(MAKE) --no-print-directory fuzz-run TARGET=$$target SECONDS=$(SECONDS) || exit 1; done

## HDF5 targets read variable-length data in a child process that is stopped after 30 s (libhdf5 can loop forever):
## their inputs may take that long without being a finding. No leak detection: LeakSanitizer would also run in those
## children, at their _exit.
FUZZ_TIMEOUT = $(if $(filter mat-v7.3 hdf5-bundle,$(TARGET)),45,10)
fuzz-run:
	@mkdir -p .build/fuzz/corpus/$(TARGET) .build/fuzz/findings/$(TARGET)
	ASAN_OPTIONS=detect_leaks=0 .build/fuzz/release/usv-fuzz $(TARGET) -max_total_time=$(SECONDS) -detect_leaks=0 -rss_limit_mb=2048 \
	  -malloc_limit_mb=1024 -timeout=$(FUZZ_TIMEOUT) -print_final_stats=1 -artifact_prefix=.build/fuzz/findings/$(TARGET)/ \
	  .build/fuzz/corpus/$(TARGET)

fuzz-list: deps
	@$(FUZZ_BUILD) >&2
	@.build/fuzz/release/usv-fuzz --list

clean:
	rm -rf .build $(DEMO_DIR) bench-out
