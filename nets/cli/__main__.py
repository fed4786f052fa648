"""``python -m nets.cli``: the ``autograd-lite`` command."""

import sys

from . import main

sys.exit(main())
