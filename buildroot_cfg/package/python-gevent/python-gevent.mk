################################################################################
#
# python-gevent
#
################################################################################

PYTHON_GEVENT_VERSION = 25.5.1
PYTHON_GEVENT_SOURCE = gevent-$(PYTHON_GEVENT_VERSION).tar.gz
PYTHON_GEVENT_SITE = https://files.pythonhosted.org/packages/source/g/gevent
PYTHON_GEVENT_SETUP_TYPE = setuptools
PYTHON_GEVENT_LICENSE = MIT
PYTHON_GEVENT_LICENSE_FILES = LICENSE
# Its C extensions are generated with Cython and link greenlet's headers;
# libev and c-ares come embedded in the source.
PYTHON_GEVENT_DEPENDENCIES = host-python-cython host-python-cffi python-greenlet
PYTHON_GEVENT_ENV = GEVENTSETUP_EMBED=1

$(eval $(python-package))
