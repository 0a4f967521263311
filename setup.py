"""Packaging hook (the project is described in pyproject.toml).

templates/, static/ and migrations/ live at the top of the checkout, where they are edited. A wheel
(`pip install .`) carries a copy of them inside the package, as ap_forms/_assets/, where create_app
finds them when the checkout is not there. An editable install (`make install`) copies nothing:
create_app uses the checkout's own folders.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ASSETS = ("templates", "static", "migrations")


class BuildPyWithAssets(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        for name in ASSETS:
            shutil.copytree(
                name,
                Path(self.build_lib) / "ap_forms" / "_assets" / name,
                dirs_exist_ok=True,
                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
            )


setup(cmdclass={"build_py": BuildPyWithAssets})
