"""``python -m dynsr``: the ``dynsr`` command line (:mod:`dynsr.cli`)."""

import sys

from dynsr.cli import main

sys.exit(main())
