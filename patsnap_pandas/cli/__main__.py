"""``python -m patsnap_pandas.cli``: the ``patsnap-pandas`` command."""

import sys

from .main import main

sys.exit(main())
