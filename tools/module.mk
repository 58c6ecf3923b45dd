# tools/ — fragments of tools that live in their own folder.
include tools/phc/module.mk
