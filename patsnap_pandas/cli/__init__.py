"""The ``patsnap-pandas`` command."""
