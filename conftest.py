"""Root conftest of this project.

The checking machinery is the ``claimkit`` pytest plugin, registered by its ``pytest11`` entry
point when the project is installed (``pip install -e .``); what it checks is configured by the
catalogue named in ``pyproject.toml`` (``claims_catalogue``). Nothing else is needed here.
"""
