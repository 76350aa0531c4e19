################################################################################
#
# python-peewee
#
################################################################################

PYTHON_PEEWEE_VERSION = 3.18.2
PYTHON_PEEWEE_SOURCE = peewee-$(PYTHON_PEEWEE_VERSION).tar.gz
PYTHON_PEEWEE_SITE = https://files.pythonhosted.org/packages/source/p/peewee
PYTHON_PEEWEE_SETUP_TYPE = setuptools
PYTHON_PEEWEE_LICENSE = MIT
PYTHON_PEEWEE_LICENSE_FILES = LICENSE
# The pure-Python build: the C speedups need Cython and the box does not use them.
PYTHON_PEEWEE_ENV = NO_SQLITE=1

$(eval $(python-package))
