################################################################################
#
# python-smpplib
#
################################################################################

PYTHON_SMPPLIB_VERSION = 2.2.4
PYTHON_SMPPLIB_SOURCE = smpplib-$(PYTHON_SMPPLIB_VERSION).tar.gz
PYTHON_SMPPLIB_SITE = https://files.pythonhosted.org/packages/source/s/smpplib
PYTHON_SMPPLIB_SETUP_TYPE = setuptools
PYTHON_SMPPLIB_LICENSE = LGPL-3.0+
PYTHON_SMPPLIB_LICENSE_FILES = LICENSE

$(eval $(python-package))
