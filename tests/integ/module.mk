# tests/integ/ — integration tests that boot the real ISO (tests/integ/lib.sh).
INTEG_TESTS += tests/integ/boot.sh
INTEG_TESTS += tests/integ/disk.sh
INTEG_TESTS += tests/integ/torture-short
TORTURES    += tests/integ/torture-long
TORTURES    += tests/integ/torture-faults
INTEG_TESTS += tests/integ/tiers.sh
INTEG_TESTS += tests/integ/diskfull.sh
INTEG_TESTS += tests/integ/fallback.sh
