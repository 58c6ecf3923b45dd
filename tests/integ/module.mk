INTEG_TESTS += tests/integ/boot.sh
