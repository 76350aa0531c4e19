################################################################################
#
# python-openpyxl
#
################################################################################

PYTHON_OPENPYXL_VERSION = 3.1.5
PYTHON_OPENPYXL_SOURCE = openpyxl-$(PYTHON_OPENPYXL_VERSION).tar.gz
PYTHON_OPENPYXL_SITE = https://files.pythonhosted.org/packages/source/o/openpyxl
PYTHON_OPENPYXL_SETUP_TYPE = setuptools
PYTHON_OPENPYXL_LICENSE = MIT
PYTHON_OPENPYXL_LICENSE_FILES = LICENCE.rst

$(eval $(python-package))
