################################################################################
#
# libopenr2
#
################################################################################

LIBOPENR2_VERSION = 1.3.3
LIBOPENR2_SITE = $(call github,moises-silva,openr2,v$(LIBOPENR2_VERSION))
LIBOPENR2_LICENSE = LGPL-2.1+ (library), GPL-2.0+ (r2test)
LIBOPENR2_LICENSE_FILES = COPYING COPYING.LESSER
LIBOPENR2_INSTALL_STAGING = YES
LIBOPENR2_AUTORECONF = YES
LIBOPENR2_DEPENDENCIES = dahdi-linux

$(eval $(autotools-package))
