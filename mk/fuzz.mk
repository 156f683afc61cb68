# Fuzzing of the readers (Fuzz/README.md): libFuzzer drives Fuzz/FuzzReaders over the HDF5
# result reader, the checkpoint reader and the CSV readers, FUZZ_SECONDS per target, in a build
# of its own (.build/fuzz, instrumented with -sanitize=fuzzer). Seeds: the committed result and
# checkpoint fixtures and Fuzz/seeds/csv. libFuzzer runs in fork mode and goes on after a crash
# or a hang (10 s an input); every finding is kept under .build/fuzz/findings/<target>/, each
# target's log in .build/fuzz/<target>.log, and make fails when there are findings.
.PHONY: fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= result checkpoint csv
FUZZ_BUILD = .build/fuzz
FUZZ_FIXTURES = Tests/S2ACCoreTests/Fixtures/old_checkpoints

fuzz: deps
	$(SWIFT) build -c release --scratch-path $(FUZZ_BUILD) $(SWIFTFLAGS) -Xswiftc -sanitize=fuzzer -Xswiftc -DFUZZING --product fuzz-readers
	@set -e; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/findings/$$t; \
	  case $$t in \
	    result) cp -n $(FUZZ_FIXTURES)/sac.h5 $(FUZZ_FIXTURES)/sql.h5 $(FUZZ_BUILD)/corpus/$$t/ ;; \
	    checkpoint) cp -n $(FUZZ_FIXTURES)/sac.ckpt.h5 $(FUZZ_BUILD)/corpus/$$t/ ;; \
	    csv) cp -n Fuzz/seeds/csv/* $(FUZZ_BUILD)/corpus/$$t/ ;; \
	  esac; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s (log $(FUZZ_BUILD)/$$t.log)"; \
	  SWIFT_BACKTRACE=enable=no FUZZ_TARGET=$$t $(FUZZ_BUILD)/release/fuzz-readers -fork=1 -ignore_crashes=1 \
	    -ignore_timeouts=1 -ignore_ooms=1 -timeout=10 -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_BUILD)/findings/$$t/ $(FUZZ_BUILD)/corpus/$$t > $(FUZZ_BUILD)/$$t.log 2>&1 || true; \
	  grep -E '^#[0-9]+: cov: ' $(FUZZ_BUILD)/$$t.log | tail -n 1 | sed "s/^/fuzz: $$t: /"; \
	  echo "fuzz: $$t: $$(ls $(FUZZ_BUILD)/findings/$$t | wc -l) finding(s) in $(FUZZ_BUILD)/findings/$$t"; \
	done; \
	n=$$(find $(FUZZ_BUILD)/findings -type f | wc -l); \
	if [ $$n -gt 0 ]; then echo "fuzz: $$n finding(s); Fuzz/README.md lists the known ones"; exit 1; fi
