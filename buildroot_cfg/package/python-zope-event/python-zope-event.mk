################################################################################
#
# python-zope-event
#
################################################################################

PYTHON_ZOPE_EVENT_VERSION = 5.0
PYTHON_ZOPE_EVENT_SOURCE = zope.event-$(PYTHON_ZOPE_EVENT_VERSION).tar.gz
PYTHON_ZOPE_EVENT_SITE = https://files.pythonhosted.org/packages/source/z/zope.event
PYTHON_ZOPE_EVENT_SETUP_TYPE = setuptools
PYTHON_ZOPE_EVENT_LICENSE = ZPL-2.1
PYTHON_ZOPE_EVENT_LICENSE_FILES = LICENSE.txt

$(eval $(python-package))
