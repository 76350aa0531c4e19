include $(sort $(wildcard $(BR2_EXTERNAL_CALLBOX_PATH)/package/*/*.mk))

# Asterisk with MFC/R2 (openr2: Chinese E1 lines) and fax (spandsp), which
# Buildroot's own recipe leaves out. Evaluated after every package's .mk, so
# these override the options asterisk.mk set.
ifeq ($(BR2_PACKAGE_ASTERISK)$(BR2_PACKAGE_CALLBOX_ASTERISK_R2_FAX),yy)
ASTERISK_DEPENDENCIES += libopenr2 spandsp
ASTERISK_CONF_OPTS := $(filter-out --without-openr2 --without-spandsp,$(ASTERISK_CONF_OPTS)) \
	--with-openr2="$(STAGING_DIR)/usr" --with-spandsp="$(STAGING_DIR)/usr"
endif
