################################################################################
#
# python-marshmallow3
#
################################################################################

PYTHON_MARSHMALLOW3_VERSION = 3.26.1
PYTHON_MARSHMALLOW3_SOURCE = marshmallow-$(PYTHON_MARSHMALLOW3_VERSION).tar.gz
PYTHON_MARSHMALLOW3_SITE = https://files.pythonhosted.org/packages/source/m/marshmallow
PYTHON_MARSHMALLOW3_SETUP_TYPE = flit
PYTHON_MARSHMALLOW3_LICENSE = MIT
PYTHON_MARSHMALLOW3_LICENSE_FILES = LICENSE

$(eval $(python-package))
