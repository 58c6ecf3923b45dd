# tests/integ/ — integration tests that boot the real ISO (tests/integ/lib.sh).
INTEG_TESTS += tests/integ/boot.sh
INTEG_TESTS += tests/integ/disk.sh
INTEG_TESTS += tests/integ/torture-short
TORTURES    += tests/integ/torture-long
TORTURES    += tests/integ/torture-faults
INTEG_TESTS += tests/integ/tiers.sh
INTEG_TESTS += tests/integ/ctl.sh
INTEG_TESTS += tests/integ/migrate.sh
# a generation holding a fired, undelivered timer tick restores and counts on
# (the migrate.sh stall; about 10 s)
INTEG_TESTS += tests/integ/restore-tick.sh
BENCHES     += tests/bench/migrate-bench.sh
INTEG_TESTS += tests/integ/diskfull.sh
INTEG_TESTS += tests/integ/fallback.sh
# issue 13: output commit (held.sh, 20 cycles: 2.6-3.7 min) and the input
# log (input.sh, 6 cycles: about 1 min) under SIGKILLs, in Bochs on a loaded
# 2-core host; less when the machine is idle
INTEG_TESTS += tests/integ/held.sh
INTEG_TESTS += tests/integ/input.sh
TORTURES    += tests/integ/held-long tests/integ/input-long
BENCHES     += tests/bench/held-bench.sh
# issue 15: the second CPU (cpus=2): AP start, the writer on it with
# copy-on-write shadows, a restore on two CPUs, and cpus=2 on a one-CPU
# Bochs (about 33 s); the same under injected disk faults (about 40 s), and
# the tiers' identical generations with the writer on the AP (about 30 s)
INTEG_TESTS += tests/integ/smp.sh
TORTURES    += tests/integ/smp-faults.sh tests/integ/smp-tiers
BENCHES     += tests/bench/smp-bench.sh
