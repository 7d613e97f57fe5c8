# Side-by-side benchmark of Jetway against nginx and HAProxy; included by the
# main Makefile. Flags pass through, e.g.
#   make compare COMPARE_FLAGS="--duration 5s --rounds 3"
# See bench/README.md.

COMPARE_FLAGS ?=

.PHONY: compare
compare:
	bash bench/compare.sh $(COMPARE_FLAGS)

# Health-check CPU of Jetway and HAProxy probing the same 10,000 nodes,
# e.g. make probes PROBES_FLAGS="--rounds 3 --window 10".
PROBES_FLAGS ?=

.PHONY: probes
probes:
	bash bench/probes.sh $(PROBES_FLAGS)
