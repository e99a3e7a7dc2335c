# Only what pyproject.toml cannot say: the cffi extension module minigrad._C.
from setuptools import setup

setup(cffi_modules=["csrc/build.py:ffibuilder"])
