################################################################################
#
# python-et-xmlfile
#
################################################################################

PYTHON_ET_XMLFILE_VERSION = 2.0.0
PYTHON_ET_XMLFILE_SOURCE = et_xmlfile-$(PYTHON_ET_XMLFILE_VERSION).tar.gz
PYTHON_ET_XMLFILE_SITE = https://files.pythonhosted.org/packages/source/e/et_xmlfile
PYTHON_ET_XMLFILE_SETUP_TYPE = setuptools
PYTHON_ET_XMLFILE_LICENSE = MIT
PYTHON_ET_XMLFILE_LICENSE_FILES = LICENCE.rst

$(eval $(python-package))
