# tests/hv/module.mk — the minimal test guest and the ISO that boots it
# (tests/integ/hv.sh), plus the host unit tests of hv/ and vdev/ logic.

GUEST_MIN := $(BUILD)/tests/guest-min.elf
HVTEST_ISO := $(BUILD)/amber-hvtest.iso
HVTEST_ISO_ROOT := $(BUILD)/iso-hvtest

$(GUEST_MIN): tests/hv/guest-min/guest.c tests/hv/guest-min/guest.ld vdev/vdev.h
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -c -o $(BUILD)/tests/guest-min.o tests/hv/guest-min/guest.c
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments -T tests/hv/guest-min/guest.ld -o $@ $(BUILD)/tests/guest-min.o

$(BUILD)/tests/hvtest-pvm.img:
	@mkdir -p $(@D)
	printf 'pvm test module\n' > $@

$(HVTEST_ISO): $(BUILD)/hv.elf $(GUEST_MIN) $(BUILD)/tests/hvtest-pvm.img boot/grub.cfg
	@rm -rf $(HVTEST_ISO_ROOT)
	@mkdir -p $(HVTEST_ISO_ROOT)/boot/grub
	cp $(BUILD)/hv.elf $(HVTEST_ISO_ROOT)/boot/hv.elf
	cp $(GUEST_MIN) $(HVTEST_ISO_ROOT)/boot/guest.elf
	cp $(BUILD)/tests/hvtest-pvm.img $(HVTEST_ISO_ROOT)/boot/pvm.img
	cp boot/grub.cfg $(HVTEST_ISO_ROOT)/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(HVTEST_ISO_ROOT) 2>$(BUILD)/grub-mkrescue-hvtest.log || \
		{ cat $(BUILD)/grub-mkrescue-hvtest.log; exit 1; }

IMAGES += $(HVTEST_ISO)

# A guest module cut after its ELF header: the loader must name the error.
BADELF_ISO := $(BUILD)/amber-hvtest-badelf.iso
$(BADELF_ISO): $(BUILD)/hv.elf $(GUEST_MIN) boot/grub.cfg
	@rm -rf $(HVTEST_ISO_ROOT)-bad
	@mkdir -p $(HVTEST_ISO_ROOT)-bad/boot/grub
	cp $(BUILD)/hv.elf $(HVTEST_ISO_ROOT)-bad/boot/hv.elf
	head -c 64 $(GUEST_MIN) > $(HVTEST_ISO_ROOT)-bad/boot/guest.elf
	: > $(HVTEST_ISO_ROOT)-bad/boot/pvm.img
	cp boot/grub.cfg $(HVTEST_ISO_ROOT)-bad/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(HVTEST_ISO_ROOT)-bad 2>$(BUILD)/grub-mkrescue-hvtest.log || \
		{ cat $(BUILD)/grub-mkrescue-hvtest.log; exit 1; }

IMAGES += $(BADELF_ISO)
INTEG_TESTS += tests/integ/hv.sh
