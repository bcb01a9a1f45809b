"""`python -m server.cli`: the same entry point as the amauta-node script."""

import sys

from server.cli.main import main

sys.exit(main())
