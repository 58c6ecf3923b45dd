# tests/hv/module.mk — the minimal test guest (tests/hv/guest-min) and the
# ISOs tests/integ/hv.sh boots:
#   amber-hvtest.iso          guest-min + a small `pvm` module
#   amber-hvtest-triple.iso   guest-min told (by the pvm module's text) to triple-fault
#   amber-hvtest-clihlt.iso   guest-min told to HLT with interrupts disabled
#   amber-hvtest-badelf.iso   a guest module cut after its ELF header
#   amber-hvtest-empty.iso    an empty guest module

GUEST_MIN := $(BUILD)/tests/guest-min.elf
HVT := $(BUILD)/tests/hvtest
HVTEST_ISOS := $(BUILD)/amber-hvtest.iso $(BUILD)/amber-hvtest-triple.iso \
               $(BUILD)/amber-hvtest-clihlt.iso $(BUILD)/amber-hvtest-badelf.iso \
               $(BUILD)/amber-hvtest-empty.iso

$(GUEST_MIN): tests/hv/guest-min/guest.c tests/hv/guest-min/guest.ld vdev/vdev.h
	@mkdir -p $(@D)
	$(CC) $(HV_CFLAGS) -c -o $(BUILD)/tests/guest-min.o tests/hv/guest-min/guest.c
	$(LD) -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
		-T tests/hv/guest-min/guest.ld -o $@ $(BUILD)/tests/guest-min.o

$(HVT)/pvm.img $(HVT)/triple.img $(HVT)/clihlt.img $(HVT)/empty $(HVT)/badelf: $(GUEST_MIN)
	@mkdir -p $(HVT)
	printf 'pvm test module\n' > $(HVT)/pvm.img
	printf 'guest-min-mode=triple\n' > $(HVT)/triple.img
	printf 'guest-min-mode=clihlt\n' > $(HVT)/clihlt.img
	: > $(HVT)/empty
	head -c 64 $(GUEST_MIN) > $(HVT)/badelf

$(BUILD)/amber-hvtest.iso: $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/pvm.img boot/grub.cfg tests/hv/mkiso.sh
	tests/hv/mkiso.sh $@ $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/pvm.img
$(BUILD)/amber-hvtest-triple.iso: $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/triple.img boot/grub.cfg tests/hv/mkiso.sh
	tests/hv/mkiso.sh $@ $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/triple.img
$(BUILD)/amber-hvtest-clihlt.iso: $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/clihlt.img boot/grub.cfg tests/hv/mkiso.sh
	tests/hv/mkiso.sh $@ $(BUILD)/hv.elf $(GUEST_MIN) $(HVT)/clihlt.img
$(BUILD)/amber-hvtest-badelf.iso: $(BUILD)/hv.elf $(HVT)/badelf $(HVT)/empty boot/grub.cfg tests/hv/mkiso.sh
	tests/hv/mkiso.sh $@ $(BUILD)/hv.elf $(HVT)/badelf $(HVT)/empty
$(BUILD)/amber-hvtest-empty.iso: $(BUILD)/hv.elf $(HVT)/empty boot/grub.cfg tests/hv/mkiso.sh
	tests/hv/mkiso.sh $@ $(BUILD)/hv.elf $(HVT)/empty $(HVT)/empty

IMAGES += $(HVTEST_ISOS)
INTEG_TESTS += tests/integ/hv.sh
