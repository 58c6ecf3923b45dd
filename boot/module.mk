# boot/module.mk — the bootable ISO: GRUB + hv.elf + the guest's modules.

ISO := $(BUILD)/amber.iso
ISO_ROOT := $(BUILD)/iso
# What the guest needs; empty placeholders until the guest and PVM exist.
GUEST_ELF ?= $(BUILD)/guest-placeholder.elf
PVM_IMG   ?= $(BUILD)/pvm-placeholder.img

$(BUILD)/guest-placeholder.elf $(BUILD)/pvm-placeholder.img:
	@mkdir -p $(@D)
	: > $@

$(ISO): $(BUILD)/hv.elf $(GUEST_ELF) $(PVM_IMG) boot/grub.cfg
	@rm -rf $(ISO_ROOT)
	@mkdir -p $(ISO_ROOT)/boot/grub
	cp $(BUILD)/hv.elf $(ISO_ROOT)/boot/hv.elf
	cp $(GUEST_ELF) $(ISO_ROOT)/boot/guest.elf
	cp $(PVM_IMG) $(ISO_ROOT)/boot/pvm.img
	cp boot/grub.cfg $(ISO_ROOT)/boot/grub/grub.cfg
	grub-mkrescue -o $@ $(ISO_ROOT) 2>$(BUILD)/grub-mkrescue.log || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

IMAGES += $(ISO)
