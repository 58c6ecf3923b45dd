INTEG_TESTS += tests/integ/boot.sh
INTEG_TESTS += tests/integ/disk.sh
