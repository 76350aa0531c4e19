################################################################################
#
# callbox
#
################################################################################

# The box's own code, from the repository this external tree lives in.
CALLBOX_VERSION = $(shell git -C $(BR2_EXTERNAL_CALLBOX_PATH) describe --always --dirty 2>/dev/null || echo local)
CALLBOX_SITE = $(BR2_EXTERNAL_CALLBOX_PATH)/..
CALLBOX_SITE_METHOD = local
CALLBOX_SETUP_TYPE = setuptools
CALLBOX_LICENSE = GPL-3.0+
CALLBOX_DEPENDENCIES = asterisk
# Only the code goes in: the rsync of a local site takes the whole tree.
CALLBOX_OVERRIDE_SRCDIR_RSYNC_EXCLUSIONS = --exclude output --exclude .venv --exclude tests --exclude .git

define CALLBOX_INSTALL_HWPROFILES
	if [ -d $(@D)/hwprofiles ]; then \
		mkdir -p $(TARGET_DIR)/usr/share/callbox && \
		rm -rf $(TARGET_DIR)/usr/share/callbox/hwprofiles && \
		cp -a $(@D)/hwprofiles $(TARGET_DIR)/usr/share/callbox/hwprofiles; \
	fi
endef
CALLBOX_POST_INSTALL_TARGET_HOOKS += CALLBOX_INSTALL_HWPROFILES

# The prompts callers hear in Chinese and the box's own, spoken from scripts/sounds/ at build
# time (espeak-ng and sox on the build host: Debian's packages of those names).
define CALLBOX_INSTALL_SOUNDS
	python3 $(@D)/scripts/make-sounds.py $(TARGET_DIR)
endef
CALLBOX_POST_INSTALL_TARGET_HOOKS += CALLBOX_INSTALL_SOUNDS

$(eval $(python-package))
